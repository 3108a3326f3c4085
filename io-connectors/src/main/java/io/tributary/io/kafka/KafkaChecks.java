package io.tributary.io.kafka;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;

/**
 * Start-up checks of a job's Kafka source, so that a broker nobody runs or a mistyped topic is one
 * line naming the option before a runner starts (a {@link Failure}). Without them, Beam's Kafka
 * reader retries for about a minute, its client logging a warning per reconnect, and the run ends
 * in a timeout.
 *
 * <pre>{@code
 * try {
 *   KafkaChecks.requireTopics("--bootstrapServers", servers, "--topic", List.of(topic));
 * } catch (IllegalArgumentException e) {
 *   throw new UsageException(e.getMessage());
 * }
 * }</pre>
 */
public final class KafkaChecks {
  private KafkaChecks() {}

  /** How long a broker has to accept a connection, and then to describe a topic. */
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  /**
   * A failed check: the option (or spec key) it is about and what is wrong with it; the message is
   * {@code "<option>: <problem>"}, one line.
   */
  public static final class Failure extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String option;
    private final String problem;

    Failure(String option, String problem) {
      super(option + ": " + problem);
      this.option = option;
      this.problem = problem;
    }

    /** The option or key the check was given for the value that failed. */
    public String option() {
      return option;
    }

    /** What is wrong, without the option. */
    public String problem() {
      return problem;
    }
  }

  /**
   * Throws {@link IllegalArgumentException} starting with {@code option} unless one of {@code
   * bootstrapServers} ({@code host:port[,host:port]}) accepts a TCP connection: a plain connect,
   * before any Kafka client (whose reconnect warnings would bury the answer) is made.
   */
  public static void requireBroker(String option, String bootstrapServers) {
    List<String> refused = new ArrayList<>();
    for (String server : bootstrapServers.split(",", -1)) {
      String s = server.trim();
      int colon = s.lastIndexOf(':');
      int port;
      try {
        port = colon < 1 ? -1 : Integer.parseInt(s.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 1 || port > 65_535) {
        throw new Failure(option, "expected host:port[,host:port], got '" + bootstrapServers + "'");
      }
      String host = s.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1); // an IPv6 literal, [::1]:9092
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(host, port), (int) TIMEOUT.toMillis());
        return;
      } catch (IOException e) {
        refused.add(s + " (" + e.getMessage() + ")");
      }
    }
    throw new Failure(
        option,
        "no Kafka broker answers at "
            + String.join(", ", refused)
            + " (start one with runners-config/kafka/broker.sh start)");
  }

  /**
   * {@link #requireBroker}, then that each of {@code topics} exists there, or a {@link Failure} of
   * {@code topicOption} naming the topic.
   */
  public static void requireTopics(
      String serversOption, String bootstrapServers, String topicOption, List<String> topics) {
    requireBroker(serversOption, bootstrapServers);
    try (KafkaConsumer<byte[], byte[]> consumer = KafkaReplay.consumer(bootstrapServers)) {
      for (String topic : topics) {
        List<PartitionInfo> partitions;
        try {
          partitions = KafkaReplay.partitionsFor(consumer, bootstrapServers, topic, TIMEOUT);
        } catch (IllegalArgumentException e) {
          throw new Failure(serversOption, e.getMessage());
        }
        if (partitions.isEmpty()) {
          throw new Failure(
              topicOption,
              "topic '"
                  + topic
                  + "' does not exist at "
                  + bootstrapServers
                  + " (create it, e.g. runners-config/kafka/broker.sh create-topic "
                  + topic
                  + " 2)");
        }
      }
    }
  }
}
