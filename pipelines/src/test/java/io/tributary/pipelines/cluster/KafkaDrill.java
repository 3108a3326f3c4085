package io.tributary.pipelines.cluster;

import io.tributary.io.kafka.testing.KafkaBroker;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Kafka side of the cluster drills: a paced producer of clickstream events with known ids and
 * known contents, and a {@code read_committed} reader of a sink topic that counts records per key.
 * Both derive each event from its index alone ({@link #eventType}, {@link #price}), so a drill can
 * compute the exact expected totals per key without remembering what it sent.
 *
 * <pre>{@code
 * KafkaDrill.Producer.start(kafka, "in", "a", 0, 1000, 200).join(60);
 * try (KafkaDrill.SinkReader sink = new KafkaDrill.SinkReader(kafka, "out")) {
 *   sink.poll();
 * }
 * }</pre>
 */
final class KafkaDrill {
  private KafkaDrill() {}

  /** The id of event {@code i}: {@code prefix-0000042}. */
  static String eventId(String prefix, int i) {
    return String.format("%s-%07d", prefix, i);
  }

  /** The index back from an id made by {@link #eventId}. */
  static int indexOf(String id) {
    return Integer.parseInt(id.substring(id.lastIndexOf('-') + 1));
  }

  /** Ids {@code from} (inclusive) to {@code to} (exclusive), sorted. */
  static List<String> expectedIds(String prefix, int from, int to) {
    List<String> ids = new ArrayList<>();
    for (int i = from; i < to; i++) {
      ids.add(eventId(prefix, i));
    }
    return ids;
  }

  /** The event type of event {@code i}. */
  static String eventType(int i) {
    return i % 3 == 0 ? "purchase" : "page_view";
  }

  /** The price of event {@code i}, exact. */
  static BigDecimal price(int i) {
    return new BigDecimal(String.format("%d.%02d", 1 + i % 90, i % 100));
  }

  /** Event count per event type of events {@code from..to-1}. */
  static Map<String, Long> countsByType(int from, int to) {
    Map<String, Long> counts = new TreeMap<>();
    for (int i = from; i < to; i++) {
      counts.merge(eventType(i), 1L, Long::sum);
    }
    return counts;
  }

  /** Sum of prices per event type of events {@code from..to-1} (the per-key checksum). */
  static Map<String, BigDecimal> priceSumsByType(int from, int to) {
    Map<String, BigDecimal> sums = new TreeMap<>();
    for (int i = from; i < to; i++) {
      sums.merge(eventType(i), price(i), BigDecimal::add);
    }
    return sums;
  }

  static KafkaProducer<String, String> producer(KafkaBroker kafka) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    // Idempotent: a producer retrying through a broker outage writes each event once.
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "300000");
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  /**
   * Sends events {@code prefix-<from>} to {@code prefix-<to - 1>} with event time now, {@code
   * perSecond} a second, to every topic given, in the background.
   */
  static final class Producer {
    private final Thread thread;
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    private Producer(
        KafkaBroker kafka, List<String> topics, String prefix, int from, int to, int perSecond) {
      thread =
          new Thread(
              () -> {
                try (KafkaProducer<String, String> p = producer(kafka)) {
                  long start = System.nanoTime();
                  for (int i = from; i < to; i++) {
                    String id = eventId(prefix, i);
                    String json =
                        String.format(
                            "{\"event_id\":\"%s\",\"user_id\":\"u-%05d\",\"event_type\":\"%s\","
                                + "\"product_id\":\"p-%04d\",\"price\":%s,\"currency\":\"EUR\",\"event_time\":\"%s\"}",
                            id,
                            i % 97,
                            eventType(i),
                            i % 50,
                            price(i).toPlainString(),
                            Instant.now());
                    for (String topic : topics) {
                      // Paced load, not waited for per record: flush() below sends the rest and
                      // the test checks what the pipeline received.
                      var unused = p.send(new ProducerRecord<>(topic, id, json));
                    }
                    sent.incrementAndGet();
                    long due =
                        start + TimeUnit.MILLISECONDS.toNanos(1000L * (i - from + 1) / perSecond);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                      TimeUnit.NANOSECONDS.sleep(wait);
                    }
                  }
                  p.flush();
                } catch (Exception e) {
                  failure.set(e);
                }
              },
              "producer-" + prefix);
      thread.setDaemon(true);
    }

    static Producer start(
        KafkaBroker kafka, String topic, String prefix, int from, int to, int perSecond) {
      return start(kafka, List.of(topic), prefix, from, to, perSecond);
    }

    static Producer start(
        KafkaBroker kafka, List<String> topics, String prefix, int from, int to, int perSecond) {
      Producer p = new Producer(kafka, topics, prefix, from, to, perSecond);
      p.thread.start();
      return p;
    }

    int sent() {
      return sent.get();
    }

    Producer join(int seconds) throws Exception {
      thread.join(TimeUnit.SECONDS.toMillis(seconds));
      if (thread.isAlive()) {
        throw new AssertionError(
            "producer still sending after " + seconds + " s (" + sent() + " sent)");
      }
      if (failure.get() != null) {
        throw new AssertionError("producer failed after " + sent() + " sent", failure.get());
      }
      return this;
    }
  }

  /** Reads a sink topic from the beginning with read_committed and counts records per key. */
  static final class SinkReader implements AutoCloseable {
    final String topic;
    private final KafkaConsumer<String, String> consumer;
    private final Map<String, Integer> counts = new HashMap<>();
    private final Map<String, String> values = new HashMap<>();
    private int records;
    private long lastNewId = System.nanoTime();

    SinkReader(KafkaBroker kafka, String topic) {
      this.topic = topic;
      Properties props = new Properties();
      props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
        partitions.add(new TopicPartition(topic, p.partition()));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
    }

    /** Reads what is there now; returns the number of distinct ids so far. */
    int poll() {
      try {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
          records++;
          if (counts.merge(r.key(), 1, Integer::sum) == 1) {
            lastNewId = System.nanoTime();
          }
          values.put(r.key(), r.value());
        }
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        // The broker may be down in an outage drill: nothing read this time.
      }
      return counts.size();
    }

    void settle(Duration d) {
      long end = System.nanoTime() + d.toNanos();
      while (System.nanoTime() < end) {
        poll();
      }
    }

    /**
     * Reads until {@code d} has passed since a poll last found an id not read before, and at least
     * once. Called once every expected id is in, it reads for duplicates that would come late for
     * {@code d} after the last expected record, as {@link #settle} does, but counts the time the
     * drill has spent on other waits since (the aggregate files, another sink) instead of adding
     * {@code d} after them: a poll after such a pause reads everything committed meanwhile, so it
     * misses nothing that polls during the pause would have seen.
     */
    void settleAfterLastNewId(Duration d) {
      do {
        poll();
      } while (System.nanoTime() - lastNewId < d.toNanos());
    }

    int records() {
      return records;
    }

    int distinct() {
      return counts.size();
    }

    List<String> ids() {
      return counts.keySet().stream().sorted().collect(Collectors.toList());
    }

    /** The last value read for each key. */
    Map<String, String> values() {
      return values;
    }

    @Override
    public void close() {
      consumer.close(Duration.ofSeconds(5));
    }
  }
}
