package io.tributary.pipelines.erasure;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.io.jdbc.testing.Postgres;
import io.tributary.io.kafka.testing.KafkaBroker;
import io.tributary.pipelines.runtime.PipelineRun;
import io.tributary.testing.TestRunners;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.privacy.Keyset;
import io.tributary.transforms.privacy.SubjectKeyStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Deletion requests from a Kafka topic of a real broker, on whichever runner this failsafe
 * execution targets: two subjects erased from a dead-letter tree and their keys destroyed in a
 * PostgreSQL key table, a bad request dead-lettered, one audit record per good request, exact
 * accounting.
 */
@RunWith(JUnit4.class)
// Fixtures send test records and then flush() (or close) the producer; a send that failed shows
// up as a missing record in the assertions, so the per-record futures are not checked.
@SuppressWarnings("FutureReturnValueIgnored")
public class ErasureKafkaIT {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void requestsFromATopicAreErasedAndAudited() throws Exception {
    Path keyset = tmp.newFile("keyset.json").toPath();
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Files.writeString(
        keyset,
        "{\"primary\":\"k1\",\"keys\":{\"k1\":\""
            + Base64.getEncoder().encodeToString(key)
            + "\"}}");
    // Keys in a PostgreSQL table this time (ErasureScanIT uses a directory).
    String subjectKeys = Postgres.server().freshDatabase().url();
    SubjectKeyStore store =
        SubjectKeyStore.directory(subjectKeys, Keyset.KeysetSource.file(keyset.toString()), "k1");
    for (String s : List.of("u-1", "u-2", "u-3")) {
      store.getOrCreate(s);
    }
    Path deadLetters = tmp.newFolder("dead-letter").toPath();
    Files.write(
        deadLetters.resolve("dead-letters-00000-of-00001.jsonl"),
        List.of(
            "{\"stage\":\"validate\",\"payload\":\"{\\\"user_id\\\":\\\"u-1\\\"}\"}",
            "{\"stage\":\"validate\",\"payload\":\"{\\\"user_id\\\":\\\"u-2\\\"}\"}",
            "{\"stage\":\"validate\",\"payload\":\"{\\\"user_id\\\":\\\"u-3\\\"}\"}"));
    Path config = tmp.newFile("erasure.json").toPath();
    Files.writeString(
        config,
        "{\"datasets\": [{\"name\": \"dl\", \"kind\": \"jsonl\", \"path\": \""
            + deadLetters
            + "\", \"subject\": \"user_id\"}]}");

    try (KafkaBroker kafka = KafkaBroker.start()) {
      kafka.createTopic("erasure-requests", 1);
      Properties props = new Properties();
      props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      List<String> requests =
          List.of(
              "u-1",
              "{\"subject\": \"u-2\", \"request_id\": \"t-2\"}",
              "{\"request_id\": \"t-3\"}");
      try (KafkaProducer<String, String> producer =
          new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
        for (String r : requests) {
          producer.send(new ProducerRecord<>("erasure-requests", r));
        }
        producer.flush();
      }
      Path out = tmp.newFolder("out").toPath();
      ErasureOptions o = TestRunners.options().as(ErasureOptions.class);
      o.setRequestsTopic("erasure-requests");
      o.setBootstrapServers(kafka.bootstrapServers());
      o.setMaxRecords((long) requests.size()); // bounded for the test
      o.setRequestsGroup("it-" + TestRunners.current());
      o.setConfig(config.toString());
      o.setOutput(out.toString());
      o.setKeyset("file:" + keyset);
      o.setSubjectKeys(subjectKeys);
      new ErasureJob().validate(o);
      RunAccounting a = PipelineRun.run(new ErasureJob(), o).accounting();
      assertEquals(
          RunAccounting.of(3, 2, Map.of("erasure.missing_subject", 1L), 0, 0, 0).line(), a.line());

      assertEquals(
          List.of("{\"stage\":\"validate\",\"payload\":\"{\\\"user_id\\\":\\\"u-3\\\"}\"}"),
          Files.readAllLines(deadLetters.resolve("dead-letters-00000-of-00001.jsonl")));
      assertEquals(
          List.of(false, false, true),
          List.of(
              store.find(store.keyId("u-1")).isPresent(),
              store.find(store.keyId("u-2")).isPresent(),
              store.find(store.keyId("u-3")).isPresent()));
      Map<String, String> statusByToken = new TreeMap<>();
      ObjectMapper json = new ObjectMapper();
      String audit = Files.readString(out.resolve("erasure-audit.jsonl"));
      for (String line : audit.strip().split("\n", -1)) {
        JsonNode r = json.readTree(line);
        assertEquals("postgresql", r.at("/key/store").asText());
        statusByToken.put(
            r.get("subject_token").asText(),
            r.get("status").asText()
                + "/"
                + r.at("/datasets/0/rows").asLong()
                + "/"
                + r.get("request_id").asText());
      }
      assertEquals(
          Map.of(store.keyId("u-1"), "erased/1/", store.keyId("u-2"), "erased/1/t-2"),
          statusByToken);
      assertThat(audit, not(containsString("u-1")));
      assertThat(audit, not(containsString("u-2")));
      Path badFile;
      try (Stream<Path> files = Files.list(out.resolve("dead-letter"))) {
        badFile = files.filter(p -> p.toString().endsWith(".jsonl")).findFirst().orElseThrow();
      }
      String bad = new String(Files.readAllBytes(badFile), StandardCharsets.UTF_8);
      assertThat(bad, containsString("\"stage\":\"erasure\",\"reason\":\"missing_subject\""));
    }
  }
}
