package io.tributary.io.kafka;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.Assert.fail;

import io.tributary.io.kafka.testing.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@link TransactionalKafkaWrite} against a real broker, on the runner failsafe selects (Direct and
 * Flink): every record once under {@code read_committed}, a handful of transactions rather than one
 * per record, a replay by the same job instance (what a restore replays) writes nothing again, and
 * another job reusing the sink group is refused with a message that says what to do. Restores on a
 * real cluster after {@code kill -9} are drill (a) of StreamingFaultIT.
 */
@RunWith(JUnit4.class)
public class TransactionalKafkaWriteIT {
  private static final int N = 1000;
  private static KafkaBroker kafka;

  @Rule public final transient TestPipeline p = TestPipeline.create();

  /** The second run of a test (a replay, another job). */
  @Rule public final transient TestPipeline p2 = TestPipeline.create();

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

  private static List<KV<byte[], byte[]>> records(int n) {
    List<KV<byte[], byte[]>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] key = i % 10 == 0 ? null : String.format("k-%05d", i).getBytes(StandardCharsets.UTF_8);
      out.add(KV.of(key, String.format("v-%05d", i).getBytes(StandardCharsets.UTF_8)));
    }
    return out;
  }

  private PipelineResult write(
      TestPipeline pipeline, String topic, String group, String writerId, int n) {
    pipeline
        .apply(
            "Records",
            Create.of(records(n))
                .withCoder(KvCoder.of(NullableCoder.of(ByteArrayCoder.of()), ByteArrayCoder.of())))
        .apply(
            "Write",
            TransactionalKafkaWrite.to(kafka.bootstrapServers(), topic)
                .withShards(2)
                .withSinkGroupId(group)
                .withWriterId(writerId));
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    return result;
  }

  private static long counter(PipelineResult result, String name) {
    MetricQueryResults q =
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(TransactionalKafkaWrite.NAMESPACE, name))
                    .build());
    long sum = 0;
    for (MetricResult<Long> c : q.getCounters()) {
      sum += c.getAttempted();
    }
    return sum;
  }

  @Test
  public void everyRecordOnceInAFewTransactionsAndAReplayWritesNothing() throws Exception {
    kafka.createTopic("eos-out", 2);
    PipelineResult first = write(p, "eos-out", "eos-sink", "job-1", N);
    List<String> values = consumeCommitted("eos-out", N);
    long transactions = counter(first, "kafka_sink.transactions");
    System.out.printf(
        "TransactionalKafkaWriteIT: first run wrote=%d transactions=%d read_committed=%d distinct=%d%n",
        counter(first, "kafka_sink.written"),
        transactions,
        values.size(),
        new HashSet<>(values).size());
    assertThat("records read_committed", values.size(), equalTo(N));
    assertThat("distinct values", new HashSet<>(values).size(), equalTo(N));
    assertThat("written counter", counter(first, "kafka_sink.written"), equalTo((long) N));
    // One per shard per bundle: far fewer than one per record.
    assertThat("transactions", transactions, allOf(greaterThan(1L), lessThanOrEqualTo(N / 10L)));

    // The same job instance replaying the same input with no state (a failure after its commit,
    // before a checkpoint recorded it): Kafka's committed progress makes it skip every record.
    PipelineResult second = write(p2, "eos-out", "eos-sink", "job-1", N);
    List<String> after = consumeCommitted("eos-out", N);
    System.out.printf(
        "TransactionalKafkaWriteIT: replay skipped=%d wrote=%d read_committed=%d%n",
        counter(second, "kafka_sink.replayed_skipped"),
        counter(second, "kafka_sink.written"),
        after.size());
    assertThat(
        "replayed records skipped",
        counter(second, "kafka_sink.replayed_skipped"),
        equalTo((long) N));
    assertThat("replay wrote", counter(second, "kafka_sink.written"), equalTo(0L));
    assertThat("records after the replay", after.size(), equalTo(N));
  }

  @Test
  public void anotherJobReusingTheSinkGroupIsRefused() throws Exception {
    kafka.createTopic("eos-shared", 1);
    write(p, "eos-shared", "eos-shared-sink", "job-a", 20);
    try {
      write(p2, "eos-shared", "eos-shared-sink", "job-b", 20);
      fail("a second job writing with the first job's sink group must fail");
    } catch (RuntimeException e) {
      String message = rootMessage(e);
      assertThat(
          message,
          allOf(
              containsString("sink group 'eos-shared-sink'"),
              containsString("another job"),
              containsString("job-a"),
              containsString("--sinkGroupId")));
    }
    assertThat(
        "records of the refused job", consumeCommitted("eos-shared", 20).size(), equalTo(20));
  }

  private static String rootMessage(Throwable e) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      all.append(t.getMessage()).append('\n');
    }
    return all.toString();
  }

  /** Everything committed in the topic, waiting up to 30 s for {@code expected} records. */
  private static List<String> consumeCommitted(String topic, int expected) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "assert-" + topic + "-" + System.nanoTime());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          out.add(new String(r.value(), StandardCharsets.UTF_8));
        }
        if (out.size() >= expected) {
          // one more poll so that extra (unexpected) records would be seen too
          consumer
              .poll(Duration.ofMillis(1500))
              .forEach(r -> out.add(new String(r.value(), StandardCharsets.UTF_8)));
          break;
        }
      }
    }
    return out;
  }
}
