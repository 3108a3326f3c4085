package io.tributary.pipelines.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.io.kafka.testing.KafkaBroker;
import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.cluster.KafkaDrill.Producer;
import io.tributary.pipelines.cluster.KafkaDrill.SinkReader;
import io.tributary.pipelines.runtime.FlinkRest;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Issue 17, drill 4(a) on a real Flink 1.19 session cluster and a real Kafka broker: the Kafka
 * broker goes away for 30 s in the middle of the stream and comes back on the same address with its
 * data; the streaming clickstream job (bundled jar, submitted by the CLI with {@code
 * --profile=flink-cluster --streaming=true --dedup=false}) must get through it by itself and write
 * every event exactly once to its sink topic (Kafka transactions, read here with {@code
 * read_committed}) and to its aggregate files. Without Dedup, nothing downstream of the source
 * hides a replayed or duplicated record.
 *
 * <p>The broker runs in a JVM of its own ({@link KafkaBroker#startProcess()}) so the outage can be
 * a {@code kill -9} (the default) or a clean shutdown ({@code -Dtributary.kafkaOutage=stop}). The
 * producer sends 1,200 events at 15 a second (80 s, so it sends before, during and after the
 * outage) and keeps sending through the outage: it is idempotent with a 5-minute delivery timeout,
 * so what it could not deliver while the broker was away it delivers, once, when it is back. The
 * input topic is counted too, so a duplicate could be told apart from one the producer made.
 *
 * <p>Prints one line prefixed {@code [KafkaOutageIT]} with the counts, Flink's restarts, and the
 * recovery times after the broker came back. The cluster's and the broker's logs are copied to
 * {@code pipelines/target/kafka-outage/}.
 *
 * <pre>{@code
 * mvn -B verify -pl transforms,io-connectors,pipelines -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=KafkaOutageIT
 * }</pre>
 */
@RunWith(JUnit4.class)
public class KafkaOutageIT {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  // Away from 8081/6123 and the other cluster ITs' ports.
  private static final String REST_PORT = "18981";
  private static final String RPC_PORT = "16923";
  private static final String MASTER = "localhost:" + REST_PORT;
  private static final String WINDOW = "fixed:30s;late=every;lateness=10m";
  private static final int N = 1200;
  private static final int PER_SECOND = 15;
  // -Dtributary.kafkaOutageSeconds moves it, e.g. past the sink's 60 s max.block.ms.
  private static final int OUTAGE_SECONDS = Integer.getInteger("tributary.kafkaOutageSeconds", 30);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SUBMITTED =
      Pattern.compile("submitted clickstream as Flink job ([0-9a-f]{32}) ");

  private static KafkaBroker kafka;
  private static Path state;
  private static Path jar;
  private static FlinkRest flink;

  @BeforeClass
  public static void startClusterAndBroker() throws Exception {
    // It picks its runner (the cluster) itself: pipelines/pom.xml runs it once, in it-cluster.
    Testdata.assumeClusterExecution();
    jar =
        Testdata.root()
            .resolve(
                "pipelines/target/tributary-pipelines-"
                    + System.getProperty("project.version")
                    + "-bundled.jar");
    assertTrue("package the bundled jar first: " + jar, Files.isRegularFile(jar));
    long t0 = System.nanoTime();
    kafka = KafkaBroker.startProcess();
    state = TMP.newFolder("flink").toPath();
    run(cluster("start", "150"), 240);
    flink = new FlinkRest(MASTER);
    log(
        "broker %s (own JVM) and cluster %s ready in %d s",
        kafka.bootstrapServers(), MASTER, secondsSince(t0));
  }

  @AfterClass
  public static void stopEverything() throws Exception {
    keepLogs();
    try {
      if (flink != null) {
        for (FlinkRest.Job job : flink.jobs()) {
          if (!job.state().equals("FINISHED")
              && !job.state().equals("CANCELED")
              && !job.state().equals("FAILED")) {
            flink.cancel(job.id());
          }
        }
      }
    } catch (Exception e) {
      log("could not cancel jobs: %s", e);
    } finally {
      try {
        if (state != null) {
          run(cluster("stop"), 60);
        }
      } finally {
        if (kafka != null) {
          kafka.close();
        }
      }
    }
  }

  @Test
  public void brokerAway30sMidStreamLosesNothingAndDuplicatesNothing() throws Exception {
    long t0 = System.nanoTime();
    boolean hard = !"stop".equals(System.getProperty("tributary.kafkaOutage", "kill"));
    kafka.createTopic("ko-in", 2);
    kafka.createTopic("ko-out", 1);
    Path out = TMP.newFolder("out").toPath();
    String job = submit("ko-in", "ko-out", "ko", out, "--dedup=false", "--sinkShards=2");
    await("the job RUNNING", 120, () -> "RUNNING".equals(stateOf(job)));
    Timeline timeline = new Timeline(job);
    try (SinkReader sink = new SinkReader(kafka, "ko-out")) {
      Producer producer = Producer.start(kafka, "ko-in", "o", 0, N, PER_SECOND);
      await("first records in the sink", 180, () -> sink.poll() >= 100);
      long completed = checkpoints(job);
      await("a checkpoint after the first commits", 60, () -> checkpoints(job) > completed);
      int sentAtStop = producer.sent();
      int sinkAtStop = sink.poll();
      long tStop = System.nanoTime();
      if (hard) {
        kafka.kill();
      } else {
        kafka.stop();
      }
      timeline.mark(hard ? "broker killed (-9)" : "broker stopped");
      long stopSeconds = secondsSince(tStop);
      // The outage: Flink's view of the job every half second.
      long outageEnd = tStop + TimeUnit.SECONDS.toNanos(OUTAGE_SECONDS);
      while (System.nanoTime() < outageEnd) {
        timeline.sample();
        Thread.sleep(500);
      }
      long tRestart = System.nanoTime();
      kafka.restart();
      long tUp = System.nanoTime();
      timeline.sample();
      timeline.mark("broker back");
      int sentAtUp = producer.sent();
      int sinkAtUp = sink.poll();
      // Recovery: the first commit after the outage, then the sink catching up with what was sent
      // while the broker was away.
      long firstCommit = -1;
      long caughtUp = -1;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
      while (System.nanoTime() < deadline && (caughtUp < 0 || sink.distinct() < N)) {
        timeline.sample();
        int d = sink.poll();
        if (firstCommit < 0 && d > sinkAtUp) {
          firstCommit = millisSince(tUp);
          timeline.mark("first sink commit after the outage");
        }
        if (caughtUp < 0 && d >= sentAtUp) {
          caughtUp = millisSince(tUp);
          timeline.mark("sink caught up with the " + sentAtUp + " events sent before");
        }
      }
      producer.join(120);
      await("all " + N + " ids in the sink", 60, () -> sink.poll() >= N);
      long allInSink = millisSince(tUp);
      await("all " + N + " events in the aggregate files", 180, () -> aggregatedEvents(out) >= N);
      sink.settle(Duration.ofSeconds(10));
      timeline.sample();
      long inputRecords = inputRecords("ko-in");
      long restarts = restarts(job);
      List<String> exceptions = exceptions(job);
      List<JsonNode> deadLetters = deadLetters(out.resolve("dead-letter"));
      String jobState = stateOf(job);
      log("timeline: %s", timeline);
      log("exceptions Flink recorded (%d): %s", exceptions.size(), new LinkedHashSet<>(exceptions));
      log(
          "outage=%s, stopped %d s + restart %.1f s = down %.1f s (the stop itself took %d s); produced=%d input records=%d "
              + "sent at stop=%d sink at stop=%d sent when back=%d; sink records=%d distinct=%d "
              + "duplicates=%d missing=%d; aggregated events=%d; dead letters=%d; restarts=%d; "
              + "recovery after the broker was back: first commit %s, caught up %s, all %d in sink %.1f s; "
              + "job %s (%d s)",
          hard ? "kill -9" : "clean stop",
          OUTAGE_SECONDS,
          (tUp - tRestart) / 1e9,
          (tUp - tStop) / 1e9,
          stopSeconds,
          N,
          inputRecords,
          sentAtStop,
          sinkAtStop,
          sentAtUp,
          sink.records(),
          sink.distinct(),
          sink.records() - sink.distinct(),
          missing(sink.ids()),
          aggregatedEvents(out),
          deadLetters.size(),
          restarts,
          seconds(firstCommit),
          seconds(caughtUp),
          N,
          allInSink / 1000.0,
          jobState,
          secondsSince(t0));
      assertThat(
          "records in the input topic (the producer's own count)", inputRecords, equalTo((long) N));
      assertThat("sink records", sink.records(), equalTo(N));
      assertThat("ids", sink.ids(), equalTo(KafkaDrill.expectedIds("o", 0, N)));
      assertThat("events in the aggregate files", aggregatedEvents(out), equalTo((long) N));
      assertThat("dead letters", deadLetters, empty());
      assertThat("job state", jobState, equalTo("RUNNING"));
    } finally {
      cancelQuietly(job);
    }
  }

  private static int missing(List<String> ids) {
    List<String> expected = new ArrayList<>(KafkaDrill.expectedIds("o", 0, N));
    expected.removeAll(ids);
    return expected.size();
  }

  private static String seconds(long millis) {
    return millis < 0 ? "never" : String.format("%.1f s", millis / 1000.0);
  }

  /** Records in every partition of {@code topic} (read_uncommitted: everything the log holds). */
  private static long inputRecords(String topic) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    try (KafkaConsumer<String, String> c =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> parts =
          c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .collect(Collectors.toList());
      Map<TopicPartition, Long> begin = c.beginningOffsets(parts, Duration.ofSeconds(30));
      Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
      long n = 0;
      for (TopicPartition p : parts) {
        n += end.get(p) - begin.get(p);
      }
      return n;
    }
  }

  /**
   * What Flink said about the job, as a list of changes since the start of the drill: state and
   * restart count, plus the drill's own marks (broker stopped, back, ...).
   */
  private static final class Timeline {
    private final String job;
    private final long start = System.nanoTime();
    private final List<String> events = new ArrayList<>();
    private String last = "";

    Timeline(String job) {
      this.job = job;
    }

    void sample() {
      String now = stateOf(job) + " restarts=" + restarts(job);
      if (!now.equals(last)) {
        last = now;
        add(now);
      }
    }

    void mark(String what) {
      add(what);
    }

    private void add(String what) {
      events.add(String.format("+%.1fs %s", millisSince(start) / 1000.0, what));
    }

    @Override
    public String toString() {
      return String.join("; ", events);
    }
  }

  /** Cancels unless already ended; never hides the test's own failure. */
  private static void cancelQuietly(String job) {
    try {
      String s = flink.state(job);
      if (!s.equals("FAILED") && !s.equals("CANCELED") && !s.equals("FINISHED")) {
        flink.cancel(job);
      } else {
        log("job %s ended %s; exceptions: %s", job, s, flink.exceptions(job));
      }
    } catch (Exception e) {
      log("could not cancel %s: %s", job, e.getMessage());
    }
  }

  // ---- the job ----

  private static String submit(
      String topic, String sinkTopic, String group, Path out, String... extra) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                "clickstream",
                "--profile=flink-cluster",
                "--flinkMaster=" + MASTER,
                "--streaming=true",
                "--source=kafka",
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--topic=" + topic,
                "--payloadFormat=json",
                "--kafkaWatermark=10s",
                "--consumerGroup=" + group + "-in",
                "--sinkTopic=" + sinkTopic,
                "--sinkGroupId=" + group + "-sink",
                "--window=" + WINDOW,
                "--output=" + out));
    args.addAll(List.of(extra));
    long t0 = System.nanoTime();
    String text = run(cli(args.toArray(new String[0])), 300);
    Matcher m = SUBMITTED.matcher(text);
    assertTrue("no job id in the CLI's output:\n" + text, m.find());
    log(
        "submitted %s in %d s: %s",
        m.group(1),
        secondsSince(t0),
        text.lines().filter(l -> l.startsWith("submitted")).findFirst().orElse(""));
    return m.group(1);
  }

  private static ProcessBuilder cli(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true);
  }

  private static String stateOf(String job) {
    try {
      return flink.state(job);
    } catch (Exception e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  private static long restarts(String job) {
    try {
      return flink.restarts(job);
    } catch (Exception e) {
      return -1;
    }
  }

  private static List<String> exceptions(String job) {
    try {
      return flink.exceptions(job);
    } catch (Exception e) {
      return List.of("unreadable: " + e.getMessage());
    }
  }

  private static long checkpoints(String job) {
    try {
      return flink.completedCheckpoints(job);
    } catch (Exception e) {
      return -1;
    }
  }

  // ---- outputs ----

  private static long aggregatedEvents(Path out) {
    Path dir = out.resolve("aggregates");
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    long events = 0;
    try (Stream<Path> files = Files.walk(dir)) {
      // Finished files only: FileIO writes temporary files under dot-directories first.
      for (Path f :
          files
              .filter(Files::isRegularFile)
              .filter(f -> f.getFileName().toString().startsWith("part-"))
              .filter(f -> !dir.relativize(f).toString().startsWith("."))
              .filter(f -> !dir.relativize(f).toString().contains("/."))
              .collect(Collectors.toList())) {
        for (String line : Files.readAllLines(f)) {
          if (!line.isBlank()) {
            events += JSON.readTree(line).path("events").asLong();
          }
        }
      }
    } catch (Exception e) {
      return -1;
    }
    return events;
  }

  private static List<JsonNode> deadLetters(Path dir) {
    List<JsonNode> records = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return records;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f :
          files
              .filter(f -> f.getFileName().toString().startsWith("dead-letters"))
              .sorted()
              .collect(Collectors.toList())) {
        for (String line : Files.readAllLines(f)) {
          if (!line.isBlank()) {
            records.add(JSON.readTree(line));
          }
        }
      }
    } catch (Exception e) {
      records.add(JSON.createObjectNode().put("unreadable", e.getMessage()));
    }
    return records;
  }

  // ---- processes, waits, diagnostics ----

  /** Copies the JobManager's, TaskManager's and broker's logs to pipelines/target/kafka-outage. */
  private static void keepLogs() {
    if (state == null && kafka == null) {
      return; // skipped (not the it-cluster execution)
    }
    try {
      Path dir = Testdata.root().resolve("pipelines/target/kafka-outage");
      Files.createDirectories(dir);
      List<Path> logs = new ArrayList<>();
      if (state != null) {
        logs.add(state.resolve("log/jobmanager.log"));
        logs.add(state.resolve("log/taskmanager.log"));
      }
      if (kafka != null) {
        logs.add(kafka.logDir().resolve("broker.out"));
      }
      for (Path log : logs) {
        if (Files.isRegularFile(log)) {
          Files.copy(
              log,
              dir.resolve(log.getFileName()),
              java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
      log("logs kept in %s", dir);
    } catch (Exception e) {
      log("could not keep the logs: %s", e);
    }
  }

  private static ProcessBuilder cluster(String... args) {
    return new ClusterProcesses(state, REST_PORT, RPC_PORT).command(args);
  }

  private static String run(ProcessBuilder pb, long timeoutSeconds) throws Exception {
    return ClusterProcesses.run(
        pb, timeoutSeconds, TMP.getRoot().toPath(), KafkaOutageIT::diagnostics);
  }

  private static void await(String what, int seconds, BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("not within " + seconds + " s: " + what + diagnostics());
  }

  private static String diagnostics() {
    StringBuilder b = new StringBuilder("\n--- jobs: ");
    try {
      for (FlinkRest.Job j : flink.jobs()) {
        b.append(j.id())
            .append(' ')
            .append(j.state())
            .append(' ')
            .append(j.name())
            .append(" restarts=")
            .append(restarts(j.id()))
            .append(" exceptions: ")
            .append(new LinkedHashSet<>(exceptions(j.id())))
            .append("; ");
      }
    } catch (Exception e) {
      b.append(e.getMessage());
    }
    for (String name : new String[] {"jobmanager", "taskmanager"}) {
      Path log = state.resolve("log/" + name + ".log");
      b.append("\n--- tail of ").append(log).append('\n');
      try {
        List<String> lines = Files.readAllLines(log);
        lines
            .subList(Math.max(0, lines.size() - 40), lines.size())
            .forEach(l -> b.append(l).append('\n'));
      } catch (Exception e) {
        b.append("(unreadable: ").append(e.getMessage()).append(")\n");
      }
    }
    b.append("\n--- tail of the broker's output\n").append(kafka.tail());
    return b.toString();
  }

  private static long secondsSince(long nanos) {
    return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - nanos);
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }

  // @FormatMethod would need error_prone_annotations as a test dependency; the callers pass
  // literal formats.
  @SuppressWarnings("AnnotateFormatMethod")
  private static void log(String format, Object... args) {
    System.out.println("[KafkaOutageIT] " + String.format(format, args));
  }
}
