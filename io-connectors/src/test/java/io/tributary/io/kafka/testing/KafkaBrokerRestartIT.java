package io.tributary.io.kafka.testing;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.Assume;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@link KafkaBroker} comes back after a clean {@link KafkaBroker#stop()} (in this JVM) and after a
 * {@link KafkaBroker#kill()} ({@code kill -9} of its own JVM) on the same address with its topics,
 * committed consumer offsets and transaction state: records of a committed transaction are read
 * once with {@code read_committed}, a transaction left open by the outage is aborted when its
 * producer comes back, and the offsets committed inside the transaction are there.
 *
 * <pre>{@code
 * mvn -B verify -pl io-connectors -am -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=KafkaBrokerRestartIT
 * }</pre>
 */
@RunWith(JUnit4.class)
public class KafkaBrokerRestartIT {
  private static final String TOPIC = "restart";
  private static final String TX_ID = "restart-tx";
  private static final String GROUP = "restart-progress";

  @Test
  public void cleanStopInThisJvmKeepsTopicsOffsetsAndTransactions() throws Exception {
    onceOnly();
    try (KafkaBroker kafka = KafkaBroker.start()) {
      survivesAnOutage(kafka, false);
    }
  }

  @Test
  public void killOfItsOwnJvmKeepsTopicsOffsetsAndTransactions() throws Exception {
    onceOnly();
    try (KafkaBroker kafka = KafkaBroker.startProcess()) {
      survivesAnOutage(kafka, true);
    }
  }

  @Test(expected = IllegalStateException.class)
  public void aBrokerInThisJvmCannotBeKilled() throws Exception {
    onceOnly();
    try (KafkaBroker kafka = KafkaBroker.start()) {
      kafka.kill();
    }
  }

  /** The broker is the same on both runners' executions: once is enough. */
  private static void onceOnly() {
    Assume.assumeFalse("flink".equals(System.getProperty("tributary.test.runner")));
  }

  private static void survivesAnOutage(KafkaBroker kafka, boolean hard) throws Exception {
    String address = kafka.bootstrapServers();
    kafka.createTopic(TOPIC, 2);
    KafkaProducer<String, String> p = producer(kafka);
    try {
      p.initTransactions();
      p.beginTransaction();
      for (int i = 0; i < 10; i++) {
        var unused = p.send(new ProducerRecord<>(TOPIC, "k" + i, "committed-" + i));
      }
      p.sendOffsetsToTransaction(
          Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(7L, "progress-10")),
          new ConsumerGroupMetadata(GROUP));
      p.commitTransaction();
      // Left open by the outage: never visible to read_committed.
      p.beginTransaction();
      for (int i = 0; i < 5; i++) {
        p.send(new ProducerRecord<>(TOPIC, "open" + i, "open-" + i)).get(30, TimeUnit.SECONDS);
      }
      if (hard) {
        kafka.kill();
      } else {
        kafka.stop();
      }
      assertThat("running after the stop", kafka.isRunning(), equalTo(false));
    } finally {
      // Without a broker a plain close() would wait for ever for the open transaction.
      p.close(Duration.ZERO);
    }
    long t0 = System.nanoTime();
    kafka.restart();
    long restarted = System.nanoTime();
    assertThat("running after the restart", kafka.isRunning(), equalTo(true));
    assertThat("address after the restart", kafka.bootstrapServers(), equalTo(address));
    try (Admin admin = kafka.admin()) {
      assertThat(
          "partitions after the restart",
          admin
              .describeTopics(List.of(TOPIC))
              .allTopicNames()
              .get(30, TimeUnit.SECONDS)
              .get(TOPIC)
              .partitions()
              .size(),
          equalTo(2));
    }
    // The same transactional id fences the producer of before the outage and aborts its open
    // transaction; then a new transaction commits.
    try (KafkaProducer<String, String> again = producer(kafka)) {
      again.initTransactions();
      again.beginTransaction();
      var unused = again.send(new ProducerRecord<>(TOPIC, "after", "committed-after"));
      again.commitTransaction();
    }
    long fenced = System.nanoTime();
    List<String> values = readCommitted(kafka, 11);
    System.out.printf(
        "[KafkaBrokerRestartIT] %s: restart %d ms, fencing and a new transaction %d ms, read %d ms%n",
        hard ? "kill -9" : "clean stop",
        TimeUnit.NANOSECONDS.toMillis(restarted - t0),
        TimeUnit.NANOSECONDS.toMillis(fenced - restarted),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - fenced));
    values.sort(null);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      expected.add("committed-" + i);
    }
    expected.add("committed-after");
    expected.sort(null);
    assertThat("read_committed after the restart", values, equalTo(expected));
    OffsetAndMetadata committed = committedOffset(kafka);
    assertThat("offset committed in the transaction", committed.offset(), equalTo(7L));
    assertThat("its metadata", committed.metadata(), equalTo("progress-10"));
  }

  private static KafkaProducer<String, String> producer(KafkaBroker kafka) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TX_ID);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  /** Reads the topic with read_committed until {@code expected} records or 60 s. */
  private static List<String> readCommitted(KafkaBroker kafka, int expected) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> c =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> parts =
          List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1));
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline && values.size() < expected) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
          values.add(r.value());
        }
      }
      // A little longer: anything beyond the expected records would be a duplicate or leak.
      for (ConsumerRecord<String, String> r : c.poll(Duration.ofSeconds(2))) {
        values.add(r.value());
      }
    }
    return values;
  }

  private static OffsetAndMetadata committedOffset(KafkaBroker kafka) throws Exception {
    try (Admin admin = kafka.admin()) {
      return admin
          .listConsumerGroupOffsets(GROUP)
          .partitionsToOffsetAndMetadata()
          .get(30, TimeUnit.SECONDS)
          .get(new TopicPartition(TOPIC, 0));
    }
  }
}
