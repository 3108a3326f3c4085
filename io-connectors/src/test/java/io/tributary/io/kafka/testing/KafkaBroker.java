package io.tributary.io.kafka.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Apache Kafka 3.9.1 broker (KRaft, broker and controller in one) in the test
 * JVM, on free loopback ports, with a fresh log directory that is deleted on {@link #close()}.
 *
 * <p>Replication factors of internal topics are 1 (offsets, transaction state), so consumer groups
 * and transactions work on one node. Every wait is bounded.
 *
 * <pre>{@code
 * try (KafkaBroker kafka = KafkaBroker.start()) {
 *   kafka.createTopic("clicks", 2);
 *   String servers = kafka.bootstrapServers(); // "127.0.0.1:<port>"
 * }
 * }</pre>
 */
public final class KafkaBroker implements AutoCloseable {
  private final Path logDir;
  private final KafkaRaftServer server;
  private final String bootstrapServers;

  private KafkaBroker(Path logDir, KafkaRaftServer server, String bootstrapServers) {
    this.logDir = logDir;
    this.server = server;
    this.bootstrapServers = bootstrapServers;
  }

  /**
   * Formats a temporary log directory and starts the broker; returns once it answers metadata
   * requests.
   */
  public static KafkaBroker start() throws Exception {
    Path logDir = Files.createTempDirectory("tributary-kafka-");
    int brokerPort = freePort();
    int controllerPort = freePort();
    Properties props = new Properties();
    props.put("process.roles", "broker,controller");
    props.put("node.id", "1");
    props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    props.put(
        "listeners",
        "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.put("controller.listener.names", "CONTROLLER");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("log.dirs", logDir.toString());
    props.put("num.partitions", "1");
    props.put("offsets.topic.replication.factor", "1");
    props.put("offsets.topic.num.partitions", "1");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    // One partition instead of 50: the first transactional producer (exactly-once sinks) starts
    // fast.
    props.put("transaction.state.log.num.partitions", "1");
    props.put("group.initial.rebalance.delay.ms", "0");
    props.put("auto.create.topics.enable", "false");
    props.put("log.flush.interval.messages", "1");
    Path config = logDir.resolve("server.properties");
    try (var out = Files.newOutputStream(config)) {
      props.store(out, "tributary test broker");
    }
    // Log dirs live under logDir/data so the properties file does not sit in a Kafka log dir.
    Path data = logDir.resolve("data");
    props.put("log.dirs", data.toString());
    try (var out = Files.newOutputStream(config)) {
      props.store(out, "tributary test broker");
    }
    ByteArrayOutputStream formatOutput = new ByteArrayOutputStream();
    int rc =
        StorageTool.execute(
            new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", config.toString()},
            new PrintStream(formatOutput, true, StandardCharsets.UTF_8));
    if (rc != 0) {
      deleteRecursively(logDir);
      throw new IllegalStateException("kafka storage format failed (" + rc + "): " + formatOutput);
    }
    Map<Object, Object> map = new java.util.HashMap<>(props);
    KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(map, false), Time.SYSTEM);
    server.startup();
    KafkaBroker broker = new KafkaBroker(logDir, server, "127.0.0.1:" + brokerPort);
    try {
      broker.awaitReady(60);
    } catch (Exception e) {
      broker.close();
      throw e;
    }
    return broker;
  }

  /** {@code 127.0.0.1:<port>}. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** An admin client for this broker; the caller closes it. */
  public Admin admin() {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    return Admin.create(p);
  }

  /** Creates a topic with replication factor 1; waits at most 30 s. */
  public void createTopic(String name, int partitions) throws Exception {
    try (Admin admin = admin()) {
      admin
          .createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
  }

  private void awaitReady(int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try (Admin admin = admin()) {
        if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
          return;
        }
      } catch (Exception e) {
        last = e;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(
        "kafka broker did not become ready within " + seconds + " s", last);
  }

  /** Stops the broker (bounded by Kafka's own shutdown timeouts) and deletes its directory. */
  @Override
  public void close() throws IOException {
    try {
      server.shutdown();
      server.awaitShutdown();
    } finally {
      deleteRecursively(logDir);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
