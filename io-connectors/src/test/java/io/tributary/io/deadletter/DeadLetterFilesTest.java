package io.tributary.io.deadletter;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.errors.TruncatedPayload;
import io.tributary.transforms.json.DecodeJson;
import io.tributary.transforms.privacy.Keyset;
import io.tributary.transforms.privacy.PrivacyPolicy;
import io.tributary.transforms.privacy.ProtectionSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class DeadLetterFilesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  /**
   * An unbounded run: records rejected before they had an event time carry Beam's minimum
   * timestamp; their file is named by its pane of processing time, never by that timestamp.
   */
  @Test
  public void anUnboundedRunNamesItsFilesByPaneNotByTheRecordsTimestamps() throws Exception {
    Path out = tmp.newFolder("dl-stream").toPath();
    Schema schema = Schema.builder().addStringField("id").build();
    BadRecordErrorHandler<?> handler =
        p.registerBadRecordErrorHandler(DeadLetterFiles.to(out.toString()));
    p.apply(
            org.apache.beam.sdk.testing.TestStream.create(
                    org.apache.beam.sdk.coders.StringUtf8Coder.of())
                .addElements(
                    org.apache.beam.sdk.values.TimestampedValue.of(
                        "not json",
                        org.apache.beam.sdk.transforms.windowing.BoundedWindow.TIMESTAMP_MIN_VALUE),
                    org.apache.beam.sdk.values.TimestampedValue.of(
                        "{\"id\":7}", org.joda.time.Instant.parse("2026-11-01T10:00:00Z")))
                .advanceWatermarkToInfinity())
        .apply(DecodeJson.toRows(schema).withBadRecordErrorHandler(handler));
    handler.close();
    p.run().waitUntilFinish();

    List<Path> all;
    try (Stream<Path> files = Files.list(out)) {
      all =
          files
              .filter(f -> Files.isRegularFile(f) && !f.getFileName().toString().startsWith("."))
              .collect(Collectors.toList());
    }
    long records = 0;
    for (Path f : all) {
      String name = f.getFileName().toString();
      assertTrue(name, name.matches("dead-letters(-pane-\\d+(-last)?)?-00000-of-00001\\.jsonl"));
      records += Files.readAllLines(f).size();
    }
    assertEquals(all.toString(), 2, records);
  }

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

  /** Rejects every element three ways: a text, original bytes and a truncated payload. */
  static final class RejectFn extends DoFn<String, String> {
    static final TupleTag<String> MAIN = new TupleTag<String>() {};

    @ProcessElement
    public void process(@Element String message, MultiOutputReceiver out) throws Exception {
      BadRecordRouter router = BadRecordRouter.RECORDING_ROUTER;
      DeadLetters.reject(
          router,
          out,
          "{\"id\":7,\"email\":\"ana@example.com\",\"raw_base64\":\"YW5hQGV4YW1wbGUuY29t\"}",
          StringUtf8Coder.of(),
          new RecordRejectedException("decode", "wrong_type", message));
      DeadLetters.reject(
          router,
          out,
          new byte[] {'h', 'i', (byte) 0xFF},
          ByteArrayCoder.of(),
          new RecordRejectedException("read", "not_utf8", message));
      DeadLetters.reject(
          router,
          out,
          TruncatedPayload.of("head of bob@example.com", 99, "ab".repeat(32)),
          TruncatedPayload.coder(),
          new RecordRejectedException("read", "too_large", message));
    }
  }

  private List<String> rejectAll(String message) throws Exception {
    Path out = tmp.newFolder().toPath();
    BadRecordErrorHandler<?> handler =
        p.registerBadRecordErrorHandler(DeadLetterFiles.to(out.toString()));
    PCollectionTuple result =
        p.apply(Create.of(message))
            .apply(
                ParDo.of(new RejectFn())
                    .withOutputTags(
                        RejectFn.MAIN, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    DeadLetters.register(handler, result);
    handler.close();
    p.run().waitUntilFinish();
    return Files.readAllLines(out.resolve("dead-letters-00000-of-00001.jsonl")).stream()
        .sorted()
        .collect(Collectors.toList());
  }

  /** The JSON layout the pipelines' golden outputs depend on, byte for byte. */
  @Test
  public void theLayoutIsStableAndAMessageWithSlashesAndColonsStaysTheMessage() throws Exception {
    String message = "field 'a/b' must be: x/y: z";
    String exception = "io.tributary.transforms.errors.RecordRejectedException: " + message;
    assertEquals(
        List.of(
            "{\"stage\":\"decode\",\"reason\":\"wrong_type\",\"message\":\"field 'a/b' must be: x/y: z\","
                + "\"payload\":\"{\\\"id\\\":7,\\\"email\\\":\\\"[redacted-email]\\\",\\\"raw_base64\\\":\\\"W3JlZGFjdGVkLWVtYWlsXQ==\\\"}\",\"exception\":\""
                + exception
                + "\"}",
            "{\"stage\":\"read\",\"reason\":\"not_utf8\",\"message\":\"field 'a/b' must be: x/y: z\","
                + "\"payload\":\"aGn/\",\"payload_encoding\":\"base64\",\"exception\":\""
                + exception
                + "\"}",
            "{\"stage\":\"read\",\"reason\":\"too_large\",\"message\":\"field 'a/b' must be: x/y: z\","
                + "\"payload\":\"head of [redacted-email]\",\"payload_truncated\":true,\"payload_bytes\":99,"
                + "\"payload_sha256\":\""
                + "ab".repeat(32)
                + "\",\"exception\":\""
                + exception
                + "\"}"),
        rejectAll(message));
  }

  /** Records bad records the way Beam's own transforms do, without Tributary's typed fields. */
  static final class BeamRejectFn extends DoFn<String, String> {
    @ProcessElement
    public void process(@Element String description, MultiOutputReceiver out) throws Exception {
      BadRecordRouter.RECORDING_ROUTER.route(
          out,
          "mail ana@example.com",
          StringUtf8Coder.of(),
          new IllegalStateException("boom"),
          description);
      BadRecordRouter.RECORDING_ROUTER.route(
          out,
          new byte[] {'h', 'i', (byte) 0xFF},
          ByteArrayCoder.of(),
          new java.io.UncheckedIOException(new java.io.IOException("bad bytes")),
          description);
    }
  }

  @Test
  public void badRecordsOfOtherTransformsAreWrittenUnderStageUnknown() throws Exception {
    Path out = tmp.newFolder().toPath();
    BadRecordErrorHandler<?> handler =
        p.registerBadRecordErrorHandler(DeadLetterFiles.to(out.toString()));
    PCollectionTuple result =
        p.apply(Create.of("it broke: a/b"))
            .apply(
                ParDo.of(new BeamRejectFn())
                    .withOutputTags(
                        RejectFn.MAIN, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    DeadLetters.register(handler, result);
    handler.close();
    p.run().waitUntilFinish();
    List<String> lines =
        Files.readAllLines(out.resolve("dead-letters-00000-of-00001.jsonl")).stream()
            .sorted()
            .collect(Collectors.toList());
    assertEquals(
        List.of(
            "{\"stage\":\"unknown\",\"reason\":\"illegal_state_exception\","
                + "\"message\":\"it broke: a/b\",\"payload\":\"mail [redacted-email]\","
                + "\"exception\":\"java.lang.IllegalStateException: boom\"}",
            "{\"stage\":\"unknown\",\"reason\":\"unchecked_io_exception\","
                + "\"message\":\"it broke: a/b\",\"payload\":\"aGn/\",\"payload_encoding\":\"base64\","
                + "\"exception\":\"java.io.UncheckedIOException: java.io.IOException: bad bytes\"}"),
        lines);
  }
}
