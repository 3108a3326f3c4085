package io.tributary.pipelines.ordersmart;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.io.kafka.KafkaReplay;
import io.tributary.io.kafka.testing.KafkaBroker;
import io.tributary.pipelines.TestOptions;
import io.tributary.pipelines.Testdata;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageGraph;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * orders-mart with {@code --source=kafka} over a real broker, on whichever runner this failsafe
 * execution targets (Flink with parallelism 2): the shuffled, redelivered sample change logs of
 * testdata/cdc, produced as Debezium JSON values keyed by primary key into multi-partition topics
 * (uneven partitions, real tombstones as null values, one value that is not UTF-8), give the golden
 * final state, history and mart, and exact accounting. Messages produced after the offsets were
 * captured are not read: the replay is bounded by the end offsets seen at start, not by a record
 * budget.
 */
@RunWith(JUnit4.class)
// Fixtures send test records and then flush() (or close) the producer; a send that failed shows
// up as a missing record in the assertions, so the per-record futures are not checked.
@SuppressWarnings("FutureReturnValueIgnored")
public class OrdersMartKafkaIT {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The primary key of an envelope line, or null for tombstones and lines that are not envelopes.
   */
  static byte[] keyOf(String line, String keyField) {
    try {
      JsonNode n = JSON.readTree(line);
      JsonNode image = n.path("after").isObject() ? n.get("after") : n.path("before");
      return image.has(keyField)
          ? image.get(keyField).asText().getBytes(StandardCharsets.UTF_8)
          : null;
    } catch (Exception e) {
      return null; // malformed on purpose: the pipeline dead-letters it
    }
  }

  /**
   * Produces the lines of {@code file}: "null" lines as tombstones (null values) keyed like the
   * last delete.
   */
  static int produce(
      KafkaProducer<byte[], byte[]> producer, String topic, Path file, String keyField)
      throws Exception {
    List<String> lines = Files.readAllLines(file);
    byte[] lastDeleted = null;
    for (String line : lines) {
      if (line.equals("null")) {
        producer.send(new ProducerRecord<>(topic, lastDeleted, null));
        continue;
      }
      byte[] key = keyOf(line, keyField);
      if (line.contains("\"op\":\"d\"")) {
        lastDeleted = key;
      }
      producer.send(new ProducerRecord<>(topic, key, line.getBytes(StandardCharsets.UTF_8)));
    }
    producer.flush();
    return lines.size();
  }

  @Test
  public void kafkaReplayGivesTheGoldenStateHistoryAndMart() throws Exception {
    try (KafkaBroker kafka = KafkaBroker.start()) {
      kafka.createTopic("shop.orders", 3);
      kafka.createTopic("shop.products", 2);
      Properties props = new Properties();
      props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      int orderLines;
      int productLines;
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
        orderLines =
            produce(producer, "shop.orders", Testdata.file("cdc/orders.jsonl"), "order_id");
        productLines =
            produce(producer, "shop.products", Testdata.file("cdc/products.jsonl"), "product_id");
        // A value that is not UTF-8 (a producer with the wrong serializer): dead-lettered, not
        // lost.
        producer.send(
            new ProducerRecord<>(
                "shop.products", null, new byte[] {(byte) 0xC3, (byte) 0x28, 0x7B}));
        producer.flush();

        Path out = tmp.newFolder("out").toPath();
        OrdersMartOptions options = options(out, kafka.bootstrapServers());
        Pipeline p = Pipeline.create(options);
        OrdersMartPipeline.build(p, options);
        StageGraph graph = StageGraph.of(p);

        // The offsets were captured when the pipeline was built; what arrives now is not replayed.
        List<KafkaReplay.OffsetRange> ranges =
            KafkaReplay.OffsetRange.parseList(options.getKafkaOffsets());
        assertEquals(5, ranges.size());
        Map<String, Long> perTopic = new HashMap<>();
        ranges.forEach(r -> perTopic.merge(r.topic, r.size(), Long::sum));
        assertEquals(
            Map.of("shop.orders", (long) orderLines, "shop.products", productLines + 1L), perTopic);
        assertTrue(
            "partitions are uneven: " + ranges,
            ranges.stream()
                    .filter(r -> r.topic.equals("shop.orders"))
                    .map(KafkaReplay.OffsetRange::size)
                    .distinct()
                    .count()
                > 1);
        String late =
            "{\"before\":null,\"after\":{\"order_id\":\"o-99999\",\"customer_id\":\"c-0001\",\"product_id\":\"p-001\","
                + "\"quantity\":1,\"amount\":1.00,\"status\":\"paid\",\"created_at\":\"2026-11-01T00:00:00Z\","
                + "\"updated_at\":\"2026-11-01T00:00:00Z\"},\"source\":{\"ts_ms\":1793512800000,\"lsn\":99999999999},"
                + "\"op\":\"c\",\"ts_ms\":1793512800000}";
        for (int i = 0; i < 3; i++) {
          producer.send(
              new ProducerRecord<>(
                  "shop.orders",
                  "o-99999".getBytes(StandardCharsets.UTF_8),
                  late.getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();

        PipelineResult result = p.run();
        result.waitUntilFinish();

        MartOutputs.assertGoldenLake(out);
        JsonNode m = Testdata.manifest("cdc/expected.json");
        JsonNode o = m.get("orders");
        JsonNode pr = m.get("products");
        RunAccounting a = RunAccounting.from(result, graph);
        assertEquals(o.get("lines").asLong() + pr.get("lines").asLong() + 1, a.read());
        assertEquals(o.get("accepted").asLong() + pr.get("accepted").asLong(), a.written());
        assertEquals(
            o.get("redelivered").asLong()
                + o.get("tombstones").asLong()
                + pr.get("redelivered").asLong()
                + pr.get("tombstones").asLong(),
            a.deduplicated());
        assertEquals(
            Map.of(
                "cdc_orders.missing_after",
                1L,
                "cdc_orders.missing_position",
                1L,
                "cdc_orders.not_json",
                1L,
                "cdc_orders.unknown_op",
                1L,
                "cdc_products.truncated_json",
                1L,
                "read_products.invalid_utf8",
                1L),
            a.deadLettersByReason());
        assertTrue(a.line(), a.balanced());
      }
    }
  }

  private static OrdersMartOptions options(Path out, String servers) {
    return TestOptions.of(
        OrdersMartOptions.class,
        "--source=kafka",
        "--bootstrapServers=" + servers,
        "--ordersTopic=shop.orders",
        "--productsTopic=shop.products",
        "--output=" + out);
  }
}
