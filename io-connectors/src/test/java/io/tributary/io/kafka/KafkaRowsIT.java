package io.tributary.io.kafka;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.io.deadletter.DeadLetterFiles;
import io.tributary.io.formats.FileFormat;
import io.tributary.io.formats.WriteRows;
import io.tributary.io.kafka.testing.KafkaBroker;
import io.tributary.io.schema.RegisteredSchema;
import io.tributary.io.schema.ResolvingReader;
import io.tributary.io.schema.SchemaRegistry;
import io.tributary.io.testing.SourceStageAssert;
import io.tributary.testing.TestRunners;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageAccounting;
import io.tributary.transforms.time.EventTime;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Kafka end to end against a real broker: produce N messages, some malformed, run the pipeline
 * (Kafka -> decode against the registry -> Kafka sink topic + JSON-lines files + dead-letter
 * files), then consume and count exactly. Runs on the runner failsafe selects (Direct and Flink).
 *
 * <p>The source is bounded with {@code withMaxNumRecords(N)} so the pipeline terminates: it stops
 * after exactly the N messages produced.
 */
@RunWith(JUnit4.class)
// Fixtures send test records and then flush() (or close) the producer; a send that failed shows
// up as a missing record in the assertions, so the per-record futures are not checked.
@SuppressWarnings("FutureReturnValueIgnored")
public class KafkaRowsIT {
  private static KafkaBroker kafka;

  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  @BeforeClass
  public static void startKafka() throws Exception {
    kafka = KafkaBroker.start();
  }

  @AfterClass
  public static void stopKafka() throws Exception {
    if (kafka != null) {
      kafka.close();
    }
  }

  static final ObjectMapper JSON = new ObjectMapper();

  private SchemaRegistry registry() throws Exception {
    SchemaRegistry registry = SchemaRegistry.open(tmp.newFolder("schemas").toPath());
    Schema v1 = SchemaRegistry.bundled().latest("clickstream-event").schema();
    registry.register("clickstream-event", v1);
    // v2 adds session_id with a default: BACKWARD-compatible, so v1 messages still resolve.
    String v2 =
        v1.toString()
            .replace(
                "]}",
                ",{\"name\":\"session_id\",\"type\":[\"null\",\"string\"],\"default\":null}]}");
    registry.register("clickstream-event", new Schema.Parser().parse(v2));
    // A producer's schema under another subject whose event_id is a long: registered, but
    // clickstream-event's reader cannot read it.
    registry.register(
        "legacy-click",
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"ClickEvent\",\"namespace\":\"io.tributary.clickstream\",\"fields\":[{\"name\":\"event_id\",\"type\":\"long\"}]}"));
    return registry;
  }

  static GenericRecord event(Schema schema, int i) {
    GenericRecord r = new GenericData.Record(schema);
    r.put("event_id", String.format("e-%07d", i));
    r.put("user_id", "u-" + (i % 3));
    r.put("event_type", i % 2 == 0 ? "purchase" : "page_view");
    r.put("product_id", "p-1");
    r.put("price", ByteBuffer.wrap(new BigDecimal("10.50").unscaledValue().toByteArray()));
    r.put("currency", "EUR");
    r.put("event_time", 1_793_523_600_000L + i * 1000L);
    if (schema.getField("session_id") != null) {
      r.put("session_id", "s-" + i);
    }
    return r;
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static List<ConsumerRecord<byte[], byte[]>> consume(String topic, int expected) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "assert-" + topic);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(500)).forEach(out::add);
        if (out.size() >= expected) {
          // one more short poll so that extra (unexpected) messages would be seen too
          consumer.poll(Duration.ofSeconds(1)).forEach(out::add);
          break;
        }
      }
    }
    return out;
  }

  private static List<String> lines(Path dir, String glob) throws Exception {
    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f :
          files
              .filter(
                  f -> f.getFileSystem().getPathMatcher("glob:" + glob).matches(f.getFileName()))
              .collect(Collectors.toList())) {
        lines.addAll(Files.readAllLines(f));
      }
    }
    return lines;
  }

  @Test
  public void avroEndToEndWithEvolutionAndDeadLetters() throws Exception {
    String in = "clicks-avro-in-" + TestRunners.current();
    String out = "clicks-avro-out-" + TestRunners.current();
    // One partition: a bounded Kafka read (withMaxNumRecords) is Beam's
    // BoundedReadFromUnboundedSource,
    // which divides the record budget evenly over its readers; on Flink with parallelism 2 a
    // reader whose partitions hold fewer records than its share polls forever (null-key records
    // land on a random partition, so the split is uneven from run to run). docs/ingestion.md notes
    // it.
    kafka.createTopic(in, 1);
    kafka.createTopic(out, 1);
    SchemaRegistry registry = registry();
    RegisteredSchema v1 = registry.version("clickstream-event", 1);
    RegisteredSchema v2 = registry.version("clickstream-event", 2);
    RegisteredSchema legacy = registry.latest("legacy-click");

    List<String> expectedIds = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      for (int i = 1; i <= 20; i++) {
        RegisteredSchema writer = i <= 10 ? v1 : v2; // old producers and upgraded ones, mixed
        GenericRecord e = event(writer.schema(), i);
        producer.send(
            new ProducerRecord<>(
                in,
                null,
                (Long) e.get("event_time"),
                ("u-" + i).getBytes(StandardCharsets.UTF_8),
                ConfluentWireFormat.encode(writer, e)));
        expectedIds.add(String.format("e-%07d", i));
      }
      // Malformed: 2 x not_wire_format, 1 x unknown_schema_id, 1 x corrupt_payload, 1 x
      // unresolvable_schema.
      producer.send(
          new ProducerRecord<>(in, "{\"event_id\":\"e-9\"}".getBytes(StandardCharsets.UTF_8)));
      producer.send(new ProducerRecord<>(in, new byte[] {0, 0}));
      producer.send(
          new ProducerRecord<>(
              in,
              ByteBuffer.allocate(7)
                  .put((byte) 0)
                  .putInt(999)
                  .put((byte) 2)
                  .put((byte) 'x')
                  .array()));
      producer.send(
          new ProducerRecord<>(
              in,
              ByteBuffer.allocate(7)
                  .put((byte) 0)
                  .putInt(v2.id())
                  .put((byte) 2)
                  .put((byte) 'x')
                  .array()));
      GenericRecord old = new GenericData.Record(legacy.schema());
      old.put("event_id", 42L);
      producer.send(new ProducerRecord<>(in, ConfluentWireFormat.encode(legacy, old)));
      // Decodes, but its event time (10^15 ms, the year 33658) is past the limits' year 9999: a
      // dead letter of the event-time stage, which before failed the run.
      GenericRecord far = event(v2.schema(), 21);
      far.put("event_time", 1_000_000_000_000_000L);
      producer.send(new ProducerRecord<>(in, ConfluentWireFormat.encode(v2, far)));
      producer.flush();
    }
    int produced = 26;

    Path files = tmp.newFolder("files").toPath();
    Path deadLetters = tmp.newFolder("dead-letter").toPath();
    BadRecordErrorHandler<?> handler =
        p.registerBadRecordErrorHandler(DeadLetterFiles.to(deadLetters.toString()));
    PCollection<Row> events =
        p.apply(
            "ReadClicks",
            KafkaRows.read()
                .withBootstrapServers(kafka.bootstrapServers())
                .withTopic(in)
                .withSubject(registry, "clickstream-event")
                .withConsumerGroup("tributary-it-" + TestRunners.current())
                .withEventTimeField("event_time")
                .withMaxNumRecords(
                    produced) // bounded: the test pipeline stops after the N messages
                .withBadRecordErrorHandler(handler));
    events.apply(
        "WriteClicks",
        KafkaRows.write()
            .withBootstrapServers(kafka.bootstrapServers())
            .withTopic(out)
            .withSchema(v2)
            .withKeyField("user_id"));
    events.apply("WriteFiles", WriteRows.to(files.toString(), FileFormat.JSONL, v2));
    handler.close();
    SourceStageAssert stage = SourceStageAssert.before(p);
    PipelineResult result = p.run();
    result.waitUntilFinish();

    stage.check(
        result,
        KafkaRows.Read.STAGE,
        produced,
        21,
        Map.of(
            "not_wire_format",
            2L,
            "unknown_schema_id",
            1L,
            "corrupt_payload",
            1L,
            "unresolvable_schema",
            1L));
    RunAccounting accounting = RunAccounting.from(result, stage.graph());
    assertThat(accounting.read(), is((long) produced));
    // Stamped in the decoding step, a stage of its own: 21 decoded, one out of range.
    StageAccounting stamped =
        accounting.stages().stream()
            .filter(st -> st.name().equals(EventTime.STAGE))
            .findFirst()
            .orElseThrow();
    assertThat(stamped.in(), is(21L));
    assertThat(stamped.out(), is(20L));
    assertThat(stamped.rejected(), equalTo(Map.of("out_of_range", 1L)));
    assertThat(accounting.line(), stamped.balanced(), is(true));
    assertThat(
        accounting.deadLettersByReason(),
        equalTo(
            Map.of(
                "decode.not_wire_format",
                2L,
                "decode.unknown_schema_id",
                1L,
                "decode.corrupt_payload",
                1L,
                "decode.unresolvable_schema",
                1L,
                "event_time.out_of_range",
                1L)));

    // Sink topic: exactly the 20 good events, all as v2 (id in the header), session_id resolved.
    List<ConsumerRecord<byte[], byte[]>> sunk = consume(out, 20);
    assertThat(sunk, hasSize(20));
    ResolvingReader reader = ResolvingReader.of(registry, "clickstream-event", "assert");
    List<String> ids = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : sunk) {
      assertThat(ConfluentWireFormat.schemaId(r.value(), "assert"), is(v2.id()));
      Row row = reader.readRow(v2.id(), r.value(), 5, r.value().length - 5);
      ids.add(row.getString("event_id"));
      int n = Integer.parseInt(row.getString("event_id").substring(2));
      assertThat(row.getString("session_id"), equalTo(n <= 10 ? null : "s-" + n));
      assertThat(row.getDecimal("price"), equalTo(new BigDecimal("10.50")));
      assertThat(new String(r.key(), StandardCharsets.UTF_8), equalTo(row.getString("user_id")));
    }
    assertThat(ids, containsInAnyOrder(expectedIds.toArray()));

    // Files: the same 20 events.
    List<String> fileLines = lines(files, "part-*.jsonl");
    assertThat(fileLines, hasSize(20));

    // Dead letters: one line each; the decoder's name topic, partition, offset and the reason, the
    // event-time stage's hold the decoded row.
    List<String> reasons = new ArrayList<>();
    List<String> messages = new ArrayList<>();
    for (String line : lines(deadLetters, "dead-letters-*.jsonl")) {
      JsonNode node = JSON.readTree(line);
      if (node.get("stage").asText().equals(EventTime.STAGE)) {
        assertThat(node.get("reason").asText(), equalTo("out_of_range"));
        assertThat(
            JSON.readTree(node.get("payload").asText()).get("event_id").asText(),
            equalTo("e-0000021"));
        continue;
      }
      reasons.add(node.get("reason").asText());
      messages.add(node.get("message").asText());
      JsonNode payload = JSON.readTree(node.get("payload").asText());
      assertThat(payload.get("topic").asText(), equalTo(in));
      assertThat(
          payload.has("offset") && payload.has("partition") && payload.has("value_base64"),
          is(true));
    }
    assertThat(
        reasons,
        containsInAnyOrder(
            "not_wire_format",
            "not_wire_format",
            "unknown_schema_id",
            "corrupt_payload",
            "unresolvable_schema"));
    assertThat(messages, everyItem(startsWith("topic " + in + " partition ")));

    assertCommitted("tributary-it-" + TestRunners.current(), in, produced);
  }

  /** Offsets of the consumer group reach the end of the topic (bounded wait: commits are async). */
  private static void assertCommitted(String group, String topic, long total) throws Exception {
    long committed = -1;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    try (Admin admin = kafka.admin()) {
      while (System.nanoTime() < deadline) {
        Map<TopicPartition, OffsetAndMetadata> offsets =
            admin
                .listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get(10, TimeUnit.SECONDS);
        committed =
            offsets.entrySet().stream()
                .filter(e -> e.getKey().topic().equals(topic))
                .mapToLong(e -> e.getValue() == null ? 0 : e.getValue().offset())
                .sum();
        if (committed == total) {
          return;
        }
        Thread.sleep(250);
      }
    }
    assertThat("committed offsets of group " + group, committed, is(total));
  }

  @Test
  public void jsonPayloadsDecodeAndMalformedOnesAreDeadLettered() throws Exception {
    String in = "clicks-json-in-" + TestRunners.current();
    String out = "clicks-json-out-" + TestRunners.current();
    kafka.createTopic(in, 1);
    kafka.createTopic(out, 1);
    List<String> good =
        List.of(
            "{\"event_id\":\"e-1\",\"user_id\":\"u-1\",\"event_type\":\"search\",\"product_id\":\"p-1\",\"price\":1.00,\"currency\":\"EUR\",\"event_time\":\"2026-11-01T10:00:00+01:00\"}",
            "{\"event_id\":\"e-2\",\"user_id\":\"u-2\",\"event_type\":\"purchase\",\"product_id\":\"p-2\",\"price\":2.50,\"currency\":\"USD\",\"event_time\":\"2026-11-01T09:00:01Z\"}");
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      for (String g : good) {
        producer.send(new ProducerRecord<>(in, g.getBytes(StandardCharsets.UTF_8)));
      }
      producer.send(
          new ProducerRecord<>(
              in, "<html>oops</html>".getBytes(StandardCharsets.UTF_8))); // not_json
      producer.send(
          new ProducerRecord<>(
              in,
              "{\"event_id\":\"e-3\",\"user_id\""
                  .getBytes(StandardCharsets.UTF_8))); // truncated_json
      producer.send(
          new ProducerRecord<>(in, new byte[] {(byte) 0xc3, (byte) 0x28})); // invalid_utf8
      // Blank payloads: empty_line, as a blank line of a file
      producer.send(new ProducerRecord<>(in, new byte[0]));
      producer.send(new ProducerRecord<>(in, " \t ".getBytes(StandardCharsets.UTF_8)));
      producer.send(new ProducerRecord<byte[], byte[]>(in, null)); // no value at all
      producer.flush();
    }
    BadRecordErrorHandler<?> handler =
        p.registerBadRecordErrorHandler(DeadLetterFiles.to(tmp.newFolder("dl").toString()));
    p.apply(
            "ReadJson",
            KafkaRows.read()
                .withBootstrapServers(kafka.bootstrapServers())
                .withTopic(in)
                .withSubject(SchemaRegistry.bundled(), "clickstream-event")
                .withPayloadFormat(PayloadFormat.JSON)
                .withMaxNumRecords(8) // bounded: stops after the 8 messages produced
                .withBadRecordErrorHandler(handler))
        .apply(
            "WriteJson",
            KafkaRows.write()
                .withBootstrapServers(kafka.bootstrapServers())
                .withTopic(out)
                .withSchema(SchemaRegistry.bundled().latest("clickstream-event"))
                .withPayloadFormat(PayloadFormat.JSON));
    handler.close();
    SourceStageAssert stage = SourceStageAssert.before(p);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    stage.check(
        result,
        "decode",
        8,
        2,
        Map.of("not_json", 1L, "invalid_utf8", 1L, "truncated_json", 1L, "empty_line", 3L));
    assertThat(
        RunAccounting.from(result, stage.graph()).deadLettersByReason(),
        equalTo(
            Map.of(
                "decode.not_json",
                1L,
                "decode.invalid_utf8",
                1L,
                "decode.truncated_json",
                1L,
                "decode.empty_line",
                3L)));
    List<String> values =
        consume(out, 2).stream()
            .map(r -> new String(r.value(), StandardCharsets.UTF_8))
            .collect(Collectors.toList());
    assertThat(
        values,
        containsInAnyOrder(
            "{\"event_id\":\"e-1\",\"user_id\":\"u-1\",\"event_type\":\"search\",\"product_id\":\"p-1\",\"price\":1.00,\"currency\":\"EUR\",\"event_time\":\"2026-11-01T09:00:00.000Z\",\"email\":null,\"ip\":null,\"user_agent\":null}",
            "{\"event_id\":\"e-2\",\"user_id\":\"u-2\",\"event_type\":\"purchase\",\"product_id\":\"p-2\",\"price\":2.50,\"currency\":\"USD\",\"event_time\":\"2026-11-01T09:00:01.000Z\",\"email\":null,\"ip\":null,\"user_agent\":null}"));
  }

  @Test
  public void replayCountsEveryMessageAndPassesBlankValuesOnRaw() throws Exception {
    String in = "replay-in-" + TestRunners.current();
    kafka.createTopic(in, 2);
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      producer.send(new ProducerRecord<>(in, "a".getBytes(StandardCharsets.UTF_8)));
      producer.send(new ProducerRecord<>(in, new byte[0]));
      producer.send(new ProducerRecord<>(in, "   ".getBytes(StandardCharsets.UTF_8)));
      producer.send(new ProducerRecord<byte[], byte[]>(in, null)); // a tombstone: "null"
      producer.send(new ProducerRecord<>(in, new byte[] {(byte) 0xc3, (byte) 0x28}));
      producer.send(new ProducerRecord<>(in, "x".repeat(200).getBytes(StandardCharsets.UTF_8)));
      producer.flush();
    }
    BadRecordErrorHandler<?> handler =
        p.registerBadRecordErrorHandler(DeadLetterFiles.to(tmp.newFolder("dl").toString()));
    PCollection<String> values =
        p.apply(
            "Replay",
            KafkaReplay.values()
                .withBootstrapServers(kafka.bootstrapServers())
                .withTopic(in)
                .withLimits(RecordLimits.defaults().withMaxRecordBytes(100))
                .withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(values).containsInAnyOrder("a", "", "   ", "null");
    SourceStageAssert stage = SourceStageAssert.before(p);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    stage.check(result, KafkaReplay.STAGE, 6, 4, Map.of("invalid_utf8", 1L, "too_large", 1L));
  }
}
