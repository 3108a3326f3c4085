package io.tributary.io.deadletter;

import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.transforms.json.DecodeJson;
import io.tributary.transforms.privacy.Keyset;
import io.tributary.transforms.privacy.PrivacyPolicy;
import io.tributary.transforms.privacy.ProtectionSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class DeadLetterFilesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void writesStageReasonMessageAndTheOriginalPayload() throws Exception {
    Path out = tmp.newFolder("dl").toPath();
    Schema schema = Schema.builder().addStringField("id").build();
    BadRecordErrorHandler<?> handler =
        p.registerBadRecordErrorHandler(DeadLetterFiles.to(out.toString()));
    p.apply(Create.of("{\"id\":\"ok\"}", "{\"id\":7}", "oops \"quoted\"\tline"))
        .apply(DecodeJson.toRows(schema).withBadRecordErrorHandler(handler));
    handler.close();
    p.run().waitUntilFinish();

    List<String> lines;
    try (Stream<Path> files = Files.list(out)) {
      // Beam may leave its empty .temp-beam directory behind; only files count.
      List<Path> all = files.filter(Files::isRegularFile).collect(Collectors.toList());
      assertEquals("one file for a bounded run: " + all, 1, all.size());
      assertEquals("dead-letters-00000-of-00001.jsonl", all.get(0).getFileName().toString());
      lines = Files.readAllLines(all.get(0));
    }
    ObjectMapper mapper = new ObjectMapper();
    List<JsonNode> records =
        lines.stream()
            .map(
                l -> {
                  try {
                    return mapper.readTree(l);
                  } catch (Exception e) {
                    throw new AssertionError(l, e);
                  }
                })
            .sorted((a, b) -> a.get("reason").asText().compareTo(b.get("reason").asText()))
            .collect(Collectors.toList());
    assertEquals(2, records.size());
    assertEquals("decode", records.get(0).get("stage").asText());
    assertEquals("not_json", records.get(0).get("reason").asText());
    assertEquals("oops \"quoted\"\tline", records.get(0).get("payload").asText());
    assertEquals("wrong_type", records.get(1).get("reason").asText());
    assertEquals(
        "field 'id' must be a string, got a JSON number", records.get(1).get("message").asText());
    assertEquals("{\"id\":7}", records.get(1).get("payload").asText());
  }

  @Test
  public void protectedDeadLettersCarryNoPersonalDataInClear() throws Exception {
    Path out = tmp.newFolder("dl-protected").toPath();
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    Path keyset = tmp.newFile("keyset.json").toPath();
    Files.writeString(
        keyset,
        "{\"primary\":\"k1\",\"keys\":{\"k1\":\""
            + java.util.Base64.getEncoder().encodeToString(key)
            + "\"}}");
    ProtectionSpec spec =
        ProtectionSpec.of(
            PrivacyPolicy.of(java.util.Map.of("email", "tokenize", "ip", "mask:ipv4")),
            Keyset.KeysetSource.file(keyset.toString()),
            null,
            null);
    Schema schema =
        Schema.builder().addStringField("id").addStringField("email").addStringField("ip").build();
    BadRecordErrorHandler<?> handler =
        p.registerBadRecordErrorHandler(DeadLetterFiles.to(out.toString()).withProtection(spec));
    p.apply(
            Create.of(
                "{\"id\":7,\"email\":\"ana@example.com\",\"ip\":\"203.0.113.17\"}",
                "{\"id\":\"x\",\"email\":\"bob@example.com\",\"ip\":\"198.51.100."))
        .apply(DecodeJson.toRows(schema).withBadRecordErrorHandler(handler));
    handler.close();
    p.run().waitUntilFinish();
    String all =
        String.join("\n", Files.readAllLines(out.resolve("dead-letters-00000-of-00001.jsonl")));
    org.hamcrest.MatcherAssert.assertThat(
        all, org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString("ana@")));
    org.hamcrest.MatcherAssert.assertThat(
        all, org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString("bob@")));
    org.hamcrest.MatcherAssert.assertThat(
        all, org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString("203.0.113.17")));
    org.hamcrest.MatcherAssert.assertThat(all, org.hamcrest.Matchers.containsString("tk:k1:"));
    org.hamcrest.MatcherAssert.assertThat(
        all, org.hamcrest.Matchers.containsString("203.0.113.0/24"));
    org.hamcrest.MatcherAssert.assertThat(
        all, org.hamcrest.Matchers.containsString("truncated_json"));
  }
}
