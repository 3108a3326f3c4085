import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The two Kafka chores of the streaming scenario in docs/operations.md, run by broker.sh as a Java
 * source file on the broker's class path (no build step):
 *
 * <pre>
 *   produce-live BOOTSTRAP TOPIC --count=N [--rate=PER_SECOND] [--prefix=live] [--from=0]
 *       clickstream events with event time "now", ids PREFIX-0000000..., key = event id
 *   count BOOTSTRAP TOPIC [--idle=10]
 *       reads the topic from the beginning with isolation.level=read_committed until it has been
 *       idle for --idle seconds; prints records, distinct keys and duplicates
 * </pre>
 */
public class KafkaTool {
  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      usage("expected: produce-live|count BOOTSTRAP TOPIC [options]");
    }
    Map<String, String> opts = new HashMap<>();
    for (int i = 3; i < args.length; i++) {
      String a = args[i];
      int eq = a.indexOf('=');
      if (!a.startsWith("--") || eq < 0) {
        usage("bad option '" + a + "': expected --name=value");
      }
      opts.put(a.substring(2, eq), a.substring(eq + 1));
    }
    switch (args[0]) {
      case "produce-live" -> produce(args[1], args[2], opts);
      case "count" -> count(args[1], args[2], opts);
      default -> usage("unknown command '" + args[0] + "': expected produce-live or count");
    }
  }

  private static void usage(String message) {
    System.err.println("broker.sh: " + message);
    System.exit(2);
  }

  private static long number(Map<String, String> opts, String name, long dflt) {
    String v = opts.get(name);
    if (v == null) {
      return dflt;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      usage("--" + name + ": expected a number, got '" + v + "'");
      return dflt;
    }
  }

  private static void produce(String bootstrap, String topic, Map<String, String> opts) throws Exception {
    long count = number(opts, "count", -1);
    if (count < 1) {
      usage("produce-live: --count=N (N >= 1) is required");
    }
    long rate = number(opts, "rate", 100);
    long from = number(opts, "from", 0);
    String prefix = opts.getOrDefault("prefix", "live");
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    String[] types = {"page_view", "page_view", "search", "add_to_cart", "purchase"};
    long start = System.nanoTime();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      for (long i = from; i < from + count; i++) {
        String id = String.format("%s-%07d", prefix, i);
        String json = String.format("{\"event_id\":\"%s\",\"user_id\":\"u-%05d\",\"event_type\":\"%s\","
                + "\"product_id\":\"p-%04d\",\"price\":%d.%02d,\"currency\":\"EUR\",\"event_time\":\"%s\"}",
            id, i % 97, types[(int) (i % types.length)], i % 50, 1 + i % 90, i % 100, Instant.now());
        producer.send(new ProducerRecord<>(topic, id, json));
        long due = start + TimeUnit.MILLISECONDS.toNanos(1000L * (i - from + 1) / rate);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
      producer.flush();
    }
    System.out.printf("produced %d events %s-%07d..%s-%07d to %s in %.1f s%n", count, prefix, from, prefix,
        from + count - 1, topic, (System.nanoTime() - start) / 1e9);
  }

  private static void count(String bootstrap, String topic, Map<String, String> opts) {
    long idle = number(opts, "idle", 10);
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "broker-sh-count-" + System.nanoTime());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Map<String, Integer> perKey = new HashMap<>();
    long records = 0;
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      long lastRecord = System.nanoTime();
      while (System.nanoTime() - lastRecord < TimeUnit.SECONDS.toNanos(idle)) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
          records++;
          perKey.merge(String.valueOf(r.key()), 1, Integer::sum);
          lastRecord = System.nanoTime();
        }
      }
    }
    System.out.printf("%s: records=%d distinct keys=%d duplicates=%d (read_committed)%n", topic, records,
        perKey.size(), records - perKey.size());
  }
}
