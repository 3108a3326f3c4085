package io.tributary.benchmarks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.DiscardingSink;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.time.Time;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The native Flink counterpart of the streaming clickstream job on a cluster (issue 19, the
 * streaming benchmark): KafkaSource (read_committed) → the hand-written parse and validation of
 * {@link NativeFlinkJob} → keyed dedup by {@code event_id} (24 h TTL, event time) → an exactly-once
 * {@link KafkaSink} writing each unique event (key {@code event_id}, value the validated event as
 * JSON), and beside it the 1-minute count/sum windows per event type (into a discarding sink:
 * Tributary writes them to files). Submitted detached to a standalone cluster through Flink's
 * remote environment, which ships the given jars with the job graph.
 */
final class NativeKafkaJob {
  /** Dedup TTL, as the clickstream job's default (24 h). */
  static final long TTL_MS = Duration.ofHours(24).toMillis();

  /**
   * Transactions stay open for at most one checkpoint interval plus its commit; 10 minutes is far
   * above that and below the broker's {@code transaction.max.timeout.ms} (15 minutes by default).
   */
  static final int TRANSACTION_TIMEOUT_MS = 600_000;

  private NativeKafkaJob() {}

  /** What to run, and where. */
  record Settings(
      String restHost,
      int restPort,
      String bootstrap,
      String inTopic,
      String outTopic,
      String group,
      long checkpointMs,
      long minPauseMs,
      int parallelism,
      String[] jars) {}

  /** Submits the job detached; returns its Flink job id. */
  static String submit(Settings s) throws Exception {
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createRemoteEnvironment(s.restHost(), s.restPort(), s.jars());
    env.setParallelism(s.parallelism());
    env.enableCheckpointing(s.checkpointMs(), CheckpointingMode.EXACTLY_ONCE);
    env.getCheckpointConfig().setMinPauseBetweenCheckpoints(s.minPauseMs());

    KafkaSource<String> source =
        KafkaSource.<String>builder()
            .setBootstrapServers(s.bootstrap())
            .setTopics(s.inTopic())
            .setGroupId(s.group() + "-in")
            .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
            .setValueOnlyDeserializer(new SimpleStringSchema())
            .setProperty("isolation.level", "read_committed")
            .build();
    DataStream<Click> unique =
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "KafkaSource")
            .flatMap(new NativeFlinkJob.ParseFn())
            .name("ParseValidate")
            // Tributary's --kafkaWatermark=10s: event time, watermark 10 s behind the newest.
            .assignTimestampsAndWatermarks(
                WatermarkStrategy.<Click>forBoundedOutOfOrderness(Duration.ofSeconds(10))
                    .withTimestampAssigner((c, ts) -> c.eventTime)
                    .withIdleness(Duration.ofSeconds(30)))
            .keyBy(c -> c.eventId)
            .process(new NativeFlinkJob.DedupFn(TTL_MS))
            .name("Dedup");

    Properties producer = new Properties();
    producer.setProperty("transaction.timeout.ms", Integer.toString(TRANSACTION_TIMEOUT_MS));
    unique
        .sinkTo(
            KafkaSink.<Click>builder()
                .setBootstrapServers(s.bootstrap())
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(s.group() + "-sink")
                .setKafkaProducerConfig(producer)
                .setRecordSerializer(
                    KafkaRecordSerializationSchema.<Click>builder()
                        .setTopic(s.outTopic())
                        .setKeySerializationSchema(
                            (SerializationSchema<Click>)
                                c -> c.eventId.getBytes(StandardCharsets.UTF_8))
                        .setValueSerializationSchema(new ClickJson())
                        .build())
                .build())
        .name("KafkaSink");
    unique
        .keyBy(c -> c.eventType)
        .window(TumblingEventTimeWindows.of(Time.minutes(1)))
        .aggregate(new NativeFlinkJob.CountSumAgg())
        .name("Aggregate")
        .addSink(new DiscardingSink<>())
        .name("Aggregates");

    JobClient client = env.executeAsync("native-kafka-benchmark-" + s.group());
    return client.getJobID().toString();
  }

  /** The validated event as one JSON object, the fields of the ClickEvent contract. */
  static final class ClickJson implements SerializationSchema<Click> {
    private static final JsonFactory FACTORY = new JsonFactory();

    @Override
    public byte[] serialize(Click c) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(256);
      try (JsonGenerator g = FACTORY.createGenerator(out)) {
        g.writeStartObject();
        g.writeStringField("event_id", c.eventId);
        g.writeStringField("user_id", c.userId);
        g.writeStringField("event_type", c.eventType);
        g.writeStringField("product_id", c.productId);
        g.writeNumberField("price", c.price);
        g.writeStringField("currency", c.currency);
        g.writeStringField("event_time", Instant.ofEpochMilli(c.eventTime).toString());
        if (c.email != null) {
          g.writeStringField("email", c.email);
        }
        if (c.ip != null) {
          g.writeStringField("ip", c.ip);
        }
        if (c.userAgent != null) {
          g.writeStringField("user_agent", c.userAgent);
        }
        g.writeEndObject();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toByteArray();
    }
  }
}
