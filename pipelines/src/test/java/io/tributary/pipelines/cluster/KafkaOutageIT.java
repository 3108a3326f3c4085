package io.tributary.pipelines.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.io.kafka.testing.KafkaBroker;
import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.cluster.KafkaDrill.Producer;
import io.tributary.pipelines.cluster.KafkaDrill.SinkReader;
import io.tributary.pipelines.runtime.FlinkRest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
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
 * producer sends the first 1,000 of 1,200 events at 20 a second (50 s, so it sends before and
 * during the outage) and keeps sending through the outage: it is idempotent with a 5-minute
 * delivery timeout, so what it could not deliver while the broker was away it delivers, once, when
 * it is back. A second producer sends the last 200 once the broker is back, so the stream always
 * goes on after the outage. The input topic is counted too, so a duplicate could be told apart from
 * one the producers made.
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
  private static final int N = 1200;
  private static final int PER_SECOND = 20;

  /**
   * The last events, sent only once the broker is back: the stream goes on after the outage however
   * long the broker takes to come back on a busy machine, so the first producer need not be paced
   * slowly enough to outlast the outage, and the drill need not wait for it after the broker is
   * back.
   */
  private static final int SENT_AFTER = 200;

  private static final int AFTER_PER_SECOND = 50;
  // -Dtributary.kafkaOutageSeconds moves it, e.g. past the sink's 60 s max.block.ms.
  private static final int OUTAGE_SECONDS = Integer.getInteger("tributary.kafkaOutageSeconds", 30);
  private static final ObjectMapper JSON = new ObjectMapper();

  private static KafkaBroker kafka;
  private static Path state;
  private static ClickstreamDrill drill;
  private static FlinkRest flink;

  @BeforeClass
  public static void startClusterAndBroker() throws Exception {
    Testdata.assumeClusterExecution();
    long t0 = System.nanoTime();
    kafka = KafkaBroker.startProcess();
    state = TMP.newFolder("flink").toPath();
    drill =
        new ClickstreamDrill(
            "KafkaOutageIT", MASTER, kafka, TMP.getRoot().toPath(), KafkaOutageIT::diagnostics);
    flink = drill.flink;
    drill.run(cluster("start", "150"), 240);
    drill.log(
        "broker %s (own JVM) and cluster %s ready in %d s",
        kafka.bootstrapServers(), MASTER, ClickstreamDrill.secondsSince(t0));
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
      System.out.println("[KafkaOutageIT] could not cancel jobs: " + e);
    } finally {
      try {
        if (state != null) {
          drill.run(cluster("stop"), 60);
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
    String job = drill.submit("ko-in", "ko-out", "ko", out, "--dedup=false", "--sinkShards=2");
    drill.await("the job RUNNING", 120, () -> "RUNNING".equals(drill.stateOf(job)));
    Timeline timeline = new Timeline(job);
    try (SinkReader sink = new SinkReader(kafka, "ko-out")) {
      Producer producer = Producer.start(kafka, "ko-in", "o", 0, N - SENT_AFTER, PER_SECOND);
      drill.await("first records in the sink", 180, () -> sink.poll() >= 100);
      long completed = drill.checkpoints(job);
      drill.await(
          "a checkpoint after the first commits", 60, () -> drill.checkpoints(job) > completed);
      int sentAtStop = producer.sent();
      int sinkAtStop = sink.poll();
      long tStop = System.nanoTime();
      if (hard) {
        kafka.kill();
      } else {
        kafka.stop();
      }
      timeline.mark(hard ? "broker killed (-9)" : "broker stopped");
      long stopSeconds = ClickstreamDrill.secondsSince(tStop);
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
      Producer after = Producer.start(kafka, "ko-in", "o", N - SENT_AFTER, N, AFTER_PER_SECOND);
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
      after.join(120);
      drill.await("all " + N + " ids in the sink", 60, () -> sink.poll() >= N);
      long allInSink = millisSince(tUp);
      drill.await(
          "all " + N + " events in the aggregate files",
          180,
          () -> ClickstreamDrill.aggregatedEvents(out) >= N);
      sink.settleAfterLastNewId(ClickstreamDrill.SETTLE);
      timeline.sample();
      long inputRecords = inputRecords("ko-in");
      long restarts = drill.restarts(job);
      List<String> exceptions = drill.exceptions(job);
      List<JsonNode> deadLetters = ClickstreamDrill.deadLetters(out.resolve("dead-letter"));
      String jobState = drill.stateOf(job);
      drill.log("timeline: %s", timeline);
      drill.log(
          "exceptions Flink recorded (%d): %s", exceptions.size(), new LinkedHashSet<>(exceptions));
      drill.log(
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
          ClickstreamDrill.aggregatedEvents(out),
          deadLetters.size(),
          restarts,
          seconds(firstCommit),
          seconds(caughtUp),
          N,
          allInSink / 1000.0,
          jobState,
          ClickstreamDrill.secondsSince(t0));
      assertThat(
          "records in the input topic (the producer's own count)", inputRecords, equalTo((long) N));
      assertThat("sink records", sink.records(), equalTo(N));
      assertThat("ids", sink.ids(), equalTo(KafkaDrill.expectedIds("o", 0, N)));
      assertThat(
          "events in the aggregate files\n" + ClickstreamDrill.aggregateReport(out),
          ClickstreamDrill.aggregatedEvents(out),
          equalTo((long) N));
      assertThat("dead letters", deadLetters, empty());
      assertThat("job state", jobState, equalTo("RUNNING"));
    } finally {
      drill.cancelQuietly(job);
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
      String now = drill.stateOf(job) + " restarts=" + drill.restarts(job);
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

  // ---- the job ----

  // ---- outputs ----

  // ---- processes, waits, diagnostics ----

  /** Copies the JobManager's, TaskManager's and broker's logs to pipelines/target/kafka-outage. */
  private static void keepLogs() {
    if (state == null && kafka == null) {
      return; // skipped (not the it-direct execution)
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
      System.out.println("[KafkaOutageIT] logs kept in " + dir);
    } catch (Exception e) {
      System.out.println("[KafkaOutageIT] could not keep the logs: " + e);
    }
  }

  private static ProcessBuilder cluster(String... args) {
    return new ClusterProcesses(state, REST_PORT, RPC_PORT).command(args);
  }

  private static String diagnostics() {
    StringBuilder b = new StringBuilder(drill.jobs());
    try {
      for (FlinkRest.Job j : flink.jobs()) {
        b.append("\n--- ")
            .append(j.id())
            .append(" restarts=")
            .append(drill.restarts(j.id()))
            .append(" distinct exceptions: ")
            .append(new LinkedHashSet<>(drill.exceptions(j.id())));
      }
    } catch (Exception e) {
      b.append(e.getMessage());
    }
    b.append(
        ClickstreamDrill.tails(
            List.of(state.resolve("log/jobmanager.log"), state.resolve("log/taskmanager.log")),
            40));
    b.append("\n--- tail of the broker's output\n").append(kafka.tail());
    return b.toString();
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }
}
