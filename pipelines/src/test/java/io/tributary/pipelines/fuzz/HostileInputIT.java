package io.tributary.pipelines.fuzz;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tributary.io.kafka.testing.KafkaBroker;
import io.tributary.pipelines.TestOptions;
import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.clickstream.ClickstreamJob;
import io.tributary.pipelines.clickstream.ClickstreamOptions;
import io.tributary.pipelines.ordersmart.MartOutputs;
import io.tributary.pipelines.ordersmart.OrdersMartJob;
import io.tributary.pipelines.ordersmart.OrdersMartOptions;
import io.tributary.pipelines.runtime.PipelineRun;
import io.tributary.pipelines.runtime.RunSummary;
import io.tributary.testing.TestRunners;
import io.tributary.transforms.metrics.RunAccounting;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The seeded fuzz corpus (testdata/fuzz) through clickstream and orders-mart on the current runner:
 * no crash, no hang, the accounting identity exact, every hostile line in the dead letters with the
 * reason the generator predicted, and no planted personal value in clear in any output file.
 */
@RunWith(JUnit4.class)
public class HostileInputIT {
  @ClassRule public static final TemporaryFolder CORPUS = new TemporaryFolder();
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static FuzzCorpus corpus;

  @BeforeClass
  public static void generate() throws Exception {
    corpus = FuzzCorpus.generate(CORPUS.newFolder("fuzz").toPath());
  }

  static <T extends PipelineOptions> T options(Class<T> kind, String... args) {
    return TestOptions.of(kind, args);
  }

  @Test(timeout = 600_000)
  public void clickstreamOverFilesDeadLettersEveryHostileLineExactly() throws Exception {
    Path out = tmp.newFolder("clickstream").toPath();
    ClickstreamOptions o =
        options(
            ClickstreamOptions.class,
            "--input=" + corpus.dir.resolve("clicks"), // a directory: every file in it is read
            "--output=" + out);
    RunSummary summary = PipelineRun.run(new ClickstreamJob(), o);
    RunAccounting a = summary.accounting();
    JsonNode m = corpus.manifest.get("clickstream");
    report("clickstream files", a);

    assertEquals("DONE", summary.state());
    assertEquals(a.line(), m.get("read").asLong(), a.read());
    assertEquals(a.line(), m.get("written").asLong(), a.written());
    assertEquals(a.line(), m.get("deduplicated").asLong(), a.deduplicated());
    assertEquals(a.line(), 0, a.quarantined());
    assertEquals(a.line(), 0, a.tooLate());
    assertEquals(corpus.expectedDeadLetters("clickstream"), a.deadLettersByReason());
    assertTrue(a.line(), a.balanced());

    List<JsonNode> dead = FuzzCorpus.deadLetters(out.resolve("dead-letter"));
    assertEquals(corpus.expectedDeadLetters("clickstream"), FuzzCorpus.byReason(dead));
    for (JsonNode d : dead) {
      String reason = d.get("reason").asText();
      assertTrue(d.toString(), d.get("message").asText().length() > 10);
      if (reason.equals("too_large")) {
        assertTrue(d.path("payload_truncated").asBoolean());
        assertThat(d.get("payload_bytes").asLong() > (1 << 20), org.hamcrest.Matchers.is(true));
        assertEquals(64, d.get("payload_sha256").asText().length());
        assertThat(d.get("payload").asText().length(), lessThanOrEqualTo(8192));
      }
      if (reason.equals("invalid_utf8")) {
        assertEquals("base64", d.get("payload_encoding").asText());
      }
      if (reason.equals("corrupt_file")) {
        assertTrue(d.toString(), d.get("message").asText().contains("part-3.jsonl.gz"));
      }
    }
    corpus.assertNoPlantedValueIn(out);
  }

  @Test(timeout = 600_000)
  public void ordersMartKeepsTheGoldenMartAndDeadLettersEveryHostileLine() throws Exception {
    Path out = tmp.newFolder("orders").toPath();
    OrdersMartOptions o =
        options(
            OrdersMartOptions.class,
            "--orders=" + corpus.dir.resolve("orders/orders.jsonl"),
            "--products=" + corpus.dir.resolve("orders/products.jsonl"),
            "--output=" + out);
    RunSummary summary = PipelineRun.run(new OrdersMartJob(), o);
    RunAccounting a = summary.accounting();
    report("orders-mart files", a);

    assertEquals("DONE", summary.state());
    MartOutputs.assertGoldenLake(out);
    JsonNode cdc = Testdata.manifest("cdc/expected.json");
    long added = corpus.manifest.get("orders").get("added_lines").asLong();
    assertEquals(
        a.line(),
        cdc.get("orders").get("lines").asLong() + cdc.get("products").get("lines").asLong() + added,
        a.read());
    assertEquals(
        a.line(),
        cdc.get("orders").get("accepted").asLong() + cdc.get("products").get("accepted").asLong(),
        a.written());
    Map<String, Long> expected = new TreeMap<>(corpus.expectedDeadLetters("orders"));
    for (String table : List.of("orders", "products")) {
      cdc.get(table)
          .get("dead_letters")
          .fields()
          .forEachRemaining(
              e ->
                  expected.merge(
                      "cdc_" + table + "." + e.getKey(), e.getValue().asLong(), Long::sum));
    }
    assertEquals(expected, a.deadLettersByReason());
    assertEquals(expected, FuzzCorpus.byReason(FuzzCorpus.deadLetters(out.resolve("dead-letter"))));
    assertTrue(a.line(), a.balanced());
    corpus.assertNoPlantedValueIn(out);
  }

  @Test(timeout = 600_000)
  public void clickstreamOverKafkaDeadLettersEveryHostileMessageExactly() throws Exception {
    // Every line of the two plain files as one message; a BOM and CR ends belong to files, not to
    // messages, so they are taken off. The gzip file has no message form.
    List<byte[]> messages =
        new ArrayList<>(FuzzCorpus.lines(corpus.dir.resolve("clicks/part-1.jsonl")));
    for (byte[] line : FuzzCorpus.lines(corpus.dir.resolve("clicks/part-2.jsonl"))) {
      messages.add(FuzzCorpus.withoutBomAndCr(line));
    }
    Path out = tmp.newFolder("kafka").toPath();
    RunSummary summary;
    try (KafkaBroker kafka = KafkaBroker.start()) {
      try (Admin admin = kafka.admin()) {
        // The 5 MB lines must reach the job to be judged by it: raise this topic's message limit.
        admin
            .createTopics(
                List.of(
                    new NewTopic("fuzz", 1, (short) 1)
                        .configs(Map.of("max.message.bytes", String.valueOf(16 << 20)))))
            .all()
            .get(30, TimeUnit.SECONDS);
      }
      Properties props = new Properties();
      props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(16 << 20));
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        for (byte[] m : messages) {
          sent.add(producer.send(new ProducerRecord<>("fuzz", m)));
        }
        producer.flush();
        for (java.util.concurrent.Future<?> f : sent) {
          f.get(60, TimeUnit.SECONDS); // every message acknowledged, in order (one partition)
        }
      }
      ClickstreamOptions o =
          options(
              ClickstreamOptions.class,
              "--source=kafka",
              "--bootstrapServers=" + kafka.bootstrapServers(),
              "--topic=fuzz",
              "--payloadFormat=json",
              "--maxRecords=" + messages.size(),
              "--consumerGroup=fuzz-" + TestRunners.current(),
              "--output=" + out);
      summary = PipelineRun.run(new ClickstreamJob(), o);
    }
    RunAccounting a = summary.accounting();
    report("clickstream kafka", a);
    JsonNode m = corpus.manifest.get("clickstream");
    Map<String, Long> expected = new TreeMap<>();
    corpus
        .expectedDeadLetters("clickstream")
        .forEach(
            (k, v) -> {
              if (!k.equals("decode.corrupt_file")) {
                expected.merge(k, v, Long::sum);
              }
            });
    assertEquals("DONE", summary.state());
    assertEquals(a.line(), messages.size(), a.read());
    assertEquals(
        a.line(), m.get("written").asLong() - m.get("gzip_complete_lines").asLong(), a.written());
    assertEquals(a.line(), m.get("deduplicated").asLong(), a.deduplicated());
    assertEquals(expected, a.deadLettersByReason());
    assertEquals(expected, FuzzCorpus.byReason(FuzzCorpus.deadLetters(out.resolve("dead-letter"))));
    assertTrue(a.line(), a.balanced());
    corpus.assertNoPlantedValueIn(out);
  }

  private static void report(String what, RunAccounting a) {
    List<String> lines = new ArrayList<>();
    a.deadLettersByReason().forEach((k, v) -> lines.add(String.format("  %-32s %d", k, v)));
    System.out.println(
        "fuzz "
            + what
            + " on "
            + TestRunners.current()
            + ": "
            + a.line()
            + System.lineSeparator()
            + String.join(System.lineSeparator(), lines));
  }
}
