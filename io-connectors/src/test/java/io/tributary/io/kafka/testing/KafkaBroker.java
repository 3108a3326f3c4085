package io.tributary.io.kafka.testing;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Scanner;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Apache Kafka 3.9.1 broker (KRaft, broker and controller in one) on loopback
 * ports, with a fresh log directory that is deleted on {@link #close()}; either in the test JVM
 * ({@link #start()}) or in a child JVM of its own ({@link #startProcess()}).
 *
 * <p>Replication factors of internal topics are 1 (offsets, transaction state), so consumer groups
 * and transactions work on one node. Every wait is bounded.
 *
 * <p>For outage drills the broker can be stopped and started again: {@link #stop()} is a clean
 * shutdown, {@link #kill()} a hard stop ({@code kill -9} of the child JVM, so only for {@link
 * #startProcess()}), and {@link #restart()} brings the same broker back: the same ports, node id,
 * cluster id and log directory, so topics, committed consumer offsets and transaction state are
 * kept. The ports are picked below the kernel's ephemeral range, so no client connection made while
 * the broker is down can take them.
 *
 * <pre>{@code
 * try (KafkaBroker kafka = KafkaBroker.start()) {
 *   kafka.createTopic("clicks", 2);
 *   String servers = kafka.bootstrapServers(); // "127.0.0.1:<port>"
 * }
 * try (KafkaBroker kafka = KafkaBroker.startProcess()) {
 *   kafka.kill();    // or stop()
 *   kafka.restart(); // same address, same topics and offsets
 * }
 * }</pre>
 */
public final class KafkaBroker implements AutoCloseable {
  private static final int READY_SECONDS = 120;

  private final Path logDir;
  private final Path config;
  private final Map<Object, Object> props;
  private final String bootstrapServers;
  private final boolean ownProcess;
  private KafkaRaftServer server;
  private Process process;
  private Thread reaper;

  private KafkaBroker(
      Path logDir,
      Path config,
      Map<Object, Object> props,
      String bootstrapServers,
      boolean ownProcess) {
    this.logDir = logDir;
    this.config = config;
    this.props = props;
    this.bootstrapServers = bootstrapServers;
    this.ownProcess = ownProcess;
  }

  /**
   * Formats a temporary log directory and starts the broker in this JVM; returns once it answers
   * metadata requests.
   */
  public static KafkaBroker start() throws Exception {
    return create(false);
  }

  /**
   * Formats a temporary log directory and starts the broker in a child JVM ({@code kafka.Kafka} on
   * this JVM's class path, output in {@code <logDir>/broker.out}); returns once it answers metadata
   * requests. Only such a broker can be {@link #kill() killed}. The child is killed when this JVM
   * exits.
   */
  public static KafkaBroker startProcess() throws Exception {
    return create(true);
  }

  private static KafkaBroker create(boolean ownProcess) throws Exception {
    Path logDir = Files.createTempDirectory("tributary-kafka-");
    int brokerPort = freePort(-1);
    int controllerPort = freePort(brokerPort);
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
    // Log dirs live under logDir/data so the properties file does not sit in a Kafka log dir.
    props.put("log.dirs", logDir.resolve("data").toString());
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
    // No time-based retention: tests write records with fixed event times as their Kafka
    // timestamps (e.g. 2026-10-31 in KafkaRowsIT), and with Kafka's default of 7 days the broker's
    // first retention check (30 s after start) deleted them once that date was a week past, so a
    // bounded read waited for ever for records that were gone.
    props.put("log.retention.ms", "-1");
    Path config = logDir.resolve("server.properties");
    try (var out = Files.newOutputStream(config)) {
      props.store(out, "tributary test broker");
    }
    // Formatted once: the cluster id and node id in meta.properties stay across restarts.
    ByteArrayOutputStream formatOutput = new ByteArrayOutputStream();
    int rc =
        StorageTool.execute(
            new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", config.toString()},
            new PrintStream(formatOutput, true, StandardCharsets.UTF_8));
    if (rc != 0) {
      deleteRecursively(logDir);
      throw new IllegalStateException("kafka storage format failed (" + rc + "): " + formatOutput);
    }
    KafkaBroker broker =
        new KafkaBroker(
            logDir, config, new HashMap<>(props), "127.0.0.1:" + brokerPort, ownProcess);
    try {
      broker.launch();
    } catch (Exception e) {
      broker.close();
      throw e;
    }
    return broker;
  }

  /** {@code 127.0.0.1:<port>}; the same after a {@link #restart()}. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** The broker's directory (its {@code server.properties}, data and, in a child JVM, output). */
  public Path logDir() {
    return logDir;
  }

  /** Whether the broker is up (started and not stopped or killed since). */
  public synchronized boolean isRunning() {
    return ownProcess ? process != null && process.isAlive() : server != null;
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

  /**
   * Sends {@code values} to {@code topic} as UTF-8 record values without keys, in order, and waits
   * until every one is acknowledged (a failed send throws).
   */
  public void send(String topic, List<String> values) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (String value : values) {
        sent.add(
            producer.send(new ProducerRecord<>(topic, value.getBytes(StandardCharsets.UTF_8))));
      }
      producer.flush();
      for (Future<RecordMetadata> f : sent) {
        f.get(30, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * Stops the broker cleanly (Kafka's controlled shutdown; in a child JVM: SIGTERM, then SIGKILL
   * after 60 s) and keeps its log directory for {@link #restart()}. Nothing happens if it is not
   * running.
   */
  public synchronized void stop() throws Exception {
    if (ownProcess) {
      if (process != null && process.isAlive()) {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
      }
      process = null;
    } else if (server != null) {
      KafkaRaftServer s = server;
      server = null;
      s.shutdown();
      s.awaitShutdown();
    }
  }

  /**
   * Stops the broker hard, {@code kill -9} of its JVM: no controlled shutdown, open transactions
   * and unflushed state as they were. Only for a broker started with {@link #startProcess()}.
   */
  public synchronized void kill() throws Exception {
    if (!ownProcess) {
      throw new IllegalStateException(
          "KafkaBroker.kill(): a broker in the test JVM cannot be killed; start it with"
              + " KafkaBroker.startProcess(), or use stop()");
    }
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("KafkaBroker.kill(): the broker JVM outlived kill -9");
      }
    }
    process = null;
  }

  /**
   * Starts the broker again after {@link #stop()} or {@link #kill()}, with the same ports, node id,
   * cluster id and log directory (it recovers its logs, topics, consumer offsets and transaction
   * state from there); returns once it answers metadata requests, within 120 s.
   */
  public synchronized void restart() throws Exception {
    if (isRunning()) {
      throw new IllegalStateException("KafkaBroker.restart(): the broker is running; stop() first");
    }
    launch();
  }

  private synchronized void launch() throws Exception {
    if (ownProcess) {
      // Kafka logs through SLF4J; whichever binding the class path has (reload4j or simple) logs
      // INFO to the output file.
      Path log4j = logDir.resolve("log4j.properties");
      Files.writeString(
          log4j,
          "log4j.rootLogger=INFO, out\n"
              + "log4j.appender.out=org.apache.log4j.ConsoleAppender\n"
              + "log4j.appender.out.layout=org.apache.log4j.PatternLayout\n"
              + "log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n\n",
          StandardCharsets.UTF_8);
      List<String> cmd = new ArrayList<>();
      cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
      cmd.add("-Xmx512m");
      cmd.add("-Dlog4j.configuration=" + log4j.toUri());
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add("kafka.Kafka");
      cmd.add(config.toString());
      process =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(
                  ProcessBuilder.Redirect.appendTo(logDir.resolve("broker.out").toFile()))
              .start();
      if (reaper == null) {
        reaper = new Thread(this::destroyChild, "kafka-broker-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
      }
    } else {
      KafkaRaftServer s = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
      server = s;
      s.startup();
    }
    awaitReady(READY_SECONDS);
  }

  private synchronized void destroyChild() {
    if (process != null) {
      process.destroyForcibly();
    }
  }

  private void awaitReady(int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Exception last = null;
    while (System.nanoTime() < deadline) {
      if (ownProcess && !process.isAlive()) {
        throw new IllegalStateException(
            "kafka broker exited with " + process.exitValue() + "; tail of its output:\n" + tail());
      }
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
        "kafka broker did not become ready within "
            + seconds
            + " s"
            + (ownProcess ? "; tail of its output:\n" + tail() : ""),
        last);
  }

  /** The last 40 lines the child JVM wrote (empty for a broker in this JVM). */
  public String tail() {
    Path out = logDir.resolve("broker.out");
    try {
      List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no output in " + out + ")";
    }
  }

  /** Stops the broker (bounded by Kafka's own shutdown timeouts) and deletes its directory. */
  @Override
  public void close() throws IOException {
    try {
      if (ownProcess) {
        synchronized (this) {
          if (process != null) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            process = null;
          }
          if (reaper != null) {
            try {
              Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException exiting) {
              // The JVM is already shutting down; the hook runs anyway.
            }
          }
        }
      } else {
        stop();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping the kafka broker", e);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("stopping the kafka broker failed", e);
    } finally {
      deleteRecursively(logDir);
    }
  }

  /**
   * A free loopback port below the ephemeral range (Linux: {@code ip_local_port_range}), so that no
   * outgoing connection gets it while the broker is stopped; any free port if none is found.
   */
  private static int freePort(int not) throws IOException {
    int ephemeralStart = 32768;
    try {
      // readAllLines, not readString: procfs reports a size of 0 and readString reads 1 byte.
      List<String> range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"));
      try (Scanner scanner = new Scanner(range.get(0))) {
        ephemeralStart = scanner.nextInt();
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: keep the default range's start.
    }
    int low = 20000;
    if (ephemeralStart - low > 1000) {
      for (int attempt = 0; attempt < 50; attempt++) {
        int port = ThreadLocalRandom.current().nextInt(low, ephemeralStart);
        if (port == not) {
          continue;
        }
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
          socket.setReuseAddress(true);
          return port;
        } catch (IOException taken) {
          // try another
        }
      }
    }
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
