package io.tributary.pipelines.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.io.kafka.testing.KafkaBroker;
import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.cluster.KafkaDrill.Producer;
import io.tributary.pipelines.cluster.KafkaDrill.SinkReader;
import io.tributary.pipelines.runtime.FlinkRest;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;
import org.junit.runners.MethodSorters;

/**
 * The JobManager drills of issue 17 on real processes: a ZooKeeper started by {@code
 * runners-config/zookeeper/zookeeper.sh} (ZooKeeper 3.8 from Maven), a Flink 1.19 session cluster
 * started by {@code runners-config/flink/cluster.sh} and a Kafka broker. The streaming clickstream
 * job (bundled jar, submitted by the CLI, {@code --dedup=false}: no Dedup stage can hide a
 * duplicate) reads a topic and writes every event exactly once to a sink topic (read here with
 * {@code read_committed}) and to windowed aggregate files, while a producer sends events with known
 * ids; the JobManager is killed with {@code kill -9} after a completed checkpoint, while events
 * still arrive.
 *
 * <ol>
 *   <li>{@code a}: the cluster in ZooKeeper HA mode ({@code
 *       TRIBUTARY_FLINK_HA=zookeeper:127.0.0.1:12881}). A new JobManager wins the leader election,
 *       recovers the job (same id) and restores it from its last checkpoint: every id in the sink
 *       once, every event counted once.
 *   <li>{@code b}: the same cluster without HA. The new JobManager knows no job and the TaskManager
 *       gives up its tasks; the job is resubmitted from its last retained checkpoint ({@code
 *       state.checkpoints.dir/<job id>/chk-N}) with {@code --from-savepoint}: again every id once.
 * </ol>
 *
 * <p>One ZooKeeper, one broker and one cluster state directory for both (b restarts the cluster
 * without HA). Every wait is bounded and fails with the cluster's log tails.
 *
 * <pre>{@code
 * mvn -B verify -pl transforms,io-connectors,pipelines -Dtest=NoSuch -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Dit.test=JobManagerFailoverIT -Dfailsafe.failIfNoSpecifiedTests=false
 * }</pre>
 */
@RunWith(JUnit4.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class JobManagerFailoverIT {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  // Away from the other cluster ITs' ports (18581/16523, 18681/16623, 18781/16723).
  private static final String REST_PORT = "18881";
  private static final String RPC_PORT = "16823";
  private static final String ZK_PORT = "12881";
  private static final String MASTER = "localhost:" + REST_PORT;
  private static final String WINDOW = "fixed:30s;late=every;lateness=10m";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SUBMITTED =
      Pattern.compile("submitted clickstream as Flink job ([0-9a-f]{32}) ");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private static KafkaBroker kafka;
  private static Path state;
  private static Path zkState;
  private static Path jar;
  private static FlinkRest flink;
  private static String quorum;

  @BeforeClass
  public static void startZooKeeperClusterAndBroker() throws Exception {
    Testdata.assumeClusterExecution();
    jar =
        Testdata.root()
            .resolve(
                "pipelines/target/tributary-pipelines-"
                    + System.getProperty("project.version")
                    + "-bundled.jar");
    assertTrue("package the bundled jar first: " + jar, Files.isRegularFile(jar));
    long t0 = System.nanoTime();
    zkState = TMP.newFolder("zookeeper").toPath();
    FutureTask<String> zookeeperStart = background(() -> run(zookeeper("start", "120"), 240));
    kafka = KafkaBroker.start();
    String zk = zookeeperStart.get(300, TimeUnit.SECONDS);
    quorum = run(zookeeper("connect-string"), 30).trim();
    state = TMP.newFolder("flink").toPath();
    run(cluster(true, "start", "150"), 240);
    flink = new FlinkRest(MASTER);
    log(
        "broker %s, ZooKeeper %s (%s) and HA cluster %s ready in %d s",
        kafka.bootstrapServers(),
        quorum,
        zk.lines().filter(l -> l.startsWith("zookeeper ready")).findFirst().orElse("?"),
        MASTER,
        secondsSince(t0));
  }

  @AfterClass
  public static void stopEverything() throws Exception {
    try {
      if (flink != null) {
        for (FlinkRest.Job job : flink.jobs()) {
          if (!ended(job.state())) {
            flink.cancel(job.id());
          }
        }
      }
    } catch (Exception e) {
      log("could not cancel jobs: %s", e);
    } finally {
      try {
        if (state != null) {
          run(cluster(false, "stop"), 60);
        }
      } finally {
        try {
          if (zkState != null) {
            run(zookeeper("stop"), 60);
          }
        } finally {
          if (kafka != null) {
            kafka.close();
          }
        }
      }
    }
  }

  @Test
  public void a_withHighAvailabilityANewJobManagerRecoversTheJobFromItsLastCheckpoint()
      throws Exception {
    long t0 = System.nanoTime();
    int n = 1500;
    kafka.createTopic("ha-in", 2);
    kafka.createTopic("ha-out", 1);
    Path out = TMP.newFolder("out-ha").toPath();
    String job = submit("ha-in", "ha-out", "ha", out, "--dedup=false");
    await("job a RUNNING", 120, () -> "RUNNING".equals(stateOf(job)));
    try (SinkReader sink = new SinkReader(kafka, "ha-out")) {
      Producer.start(kafka, "ha-in", "ha", 0, n / 2, 150).join(60);
      await("first records of job a in the sink", 120, () -> sink.poll() >= 200);
      // Kill after a checkpoint that follows the sink's first commits, while the second half
      // arrives: the new JobManager must restore from a checkpoint and replay Kafka from there.
      long completed = checkpoints(job);
      await("a checkpoint after the first commits", 60, () -> checkpoints(job) > completed);
      Producer producer = Producer.start(kafka, "ha-in", "ha", n / 2, n, 100);
      await("the second half under way", 30, () -> producer.sent() >= 150);
      int sentAtKill = n / 2 + producer.sent();
      int inSinkAtKill = sink.poll();
      long checkpointsAtKill = checkpoints(job);
      long kill = System.nanoTime();
      log("a: %s", run(cluster(true, "kill-jobmanager"), 30).trim());
      String started = run(cluster(true, "start-jobmanager", "240"), 300);
      long jobManagerReady = secondsSince(kill);
      log("a: %s", started.trim().replace('\n', ' '));
      await(
          "job a recovered by the new JobManager and restored from a checkpoint",
          240,
          () -> "RUNNING".equals(stateOf(job)) && restoredFrom(job).isPresent());
      long recovered = secondsSince(kill);
      int sentAtRecovery = Math.min(n, n / 2 + producer.sent());
      producer.join(120);
      await("all " + n + " ids of job a in the sink", 300, () -> sink.poll() >= n);
      long complete = secondsSince(kill);
      await(
          "all " + n + " events of job a in the aggregate files",
          180,
          () -> aggregatedEvents(out) >= n);
      sink.settle(Duration.ofSeconds(10));
      List<String> jobIds = jobIds();
      log(
          "a: HA: produced=%d killed JobManager at sent=%d sink=%d checkpoints=%d; new JobManager"
              + " ready after %d s, job %s %s (jobs known: %d) restored from %s after %d s (sent"
              + " by then=%d), all in the sink after %d s; sink records=%d distinct ids=%d"
              + " duplicates=%d missing=%d; aggregated events=%d; dead letters=%d (%d s)",
          n,
          sentAtKill,
          inSinkAtKill,
          checkpointsAtKill,
          jobManagerReady,
          job,
          stateOf(job),
          jobIds.size(),
          restoredFrom(job).orElse("-"),
          recovered,
          sentAtRecovery,
          complete,
          sink.records(),
          sink.distinct(),
          sink.records() - sink.distinct(),
          n - sink.distinct(),
          aggregatedEvents(out),
          deadLetters(out.resolve("dead-letter")).size(),
          secondsSince(t0));
      assertThat("jobs the new JobManager knows", jobIds, equalTo(List.of(job)));
      assertThat("job state", stateOf(job), equalTo("RUNNING"));
      assertThat("restored from", restoredFrom(job).orElse("-"), containsString("/chk-"));
      assertThat("sink records", sink.records(), equalTo(n));
      assertThat("ids", sink.ids(), equalTo(KafkaDrill.expectedIds("ha", 0, n)));
      assertThat("events in the aggregate files", aggregatedEvents(out), equalTo((long) n));
      assertThat("dead letters", deadLetters(out.resolve("dead-letter")), empty());
    } finally {
      cancelQuietly(job);
    }
    log("a: done in %d s", secondsSince(t0));
  }

  @Test
  public void b_withoutHighAvailabilityTheJobResumesFromItsLastRetainedCheckpoint()
      throws Exception {
    long t0 = System.nanoTime();
    // The same cluster (state directory, ports) restarted without HA: config.yaml is rewritten.
    run(cluster(false, "stop"), 60);
    run(cluster(false, "start", "150"), 240);
    log("b: cluster restarted without HA in %d s", secondsSince(t0));
    int n = 1500;
    kafka.createTopic("nh-in", 2);
    kafka.createTopic("nh-out", 1);
    Path out = TMP.newFolder("out-nh").toPath();
    String job = submit("nh-in", "nh-out", "nh", out, "--dedup=false");
    await("job b RUNNING", 120, () -> "RUNNING".equals(stateOf(job)));
    String resumed = null;
    try (SinkReader sink = new SinkReader(kafka, "nh-out")) {
      Producer.start(kafka, "nh-in", "nh", 0, n / 2, 150).join(60);
      await("first records of job b in the sink", 120, () -> sink.poll() >= 200);
      long completed = checkpoints(job);
      await("a checkpoint after the first commits", 60, () -> checkpoints(job) > completed);
      // Slower: the producer keeps sending while no job runs, to show Kafka keeps it all.
      Producer producer = Producer.start(kafka, "nh-in", "nh", n / 2, n, 50);
      await("the second half under way", 30, () -> producer.sent() >= 100);
      int sentAtKill = n / 2 + producer.sent();
      int inSinkAtKill = sink.poll();
      long checkpointsAtKill = checkpoints(job);
      long kill = System.nanoTime();
      log("b: %s", run(cluster(false, "kill-jobmanager"), 30).trim());
      // A new JobManager; cluster.sh returns once the TaskManager has registered with it, which
      // takes the TaskManager's heartbeat timeout (50 s): meanwhile its REST API answers and the
      // job is resubmitted (it waits for the slots the TaskManager frees).
      AtomicLong taskManagerRegistered = new AtomicLong(-1);
      FutureTask<String> jobManagerStart =
          background(
              () -> {
                String text = run(cluster(false, "start-jobmanager", "240"), 300);
                taskManagerRegistered.set(secondsSince(kill));
                return text;
              });
      await("the new JobManager's REST API", 120, JobManagerFailoverIT::restAnswers);
      long restUp = secondsSince(kill);
      // What is lost: the new JobManager has never heard of the job.
      List<String> known = jobIds();
      Path checkpoint = lastRetainedCheckpoint(state.resolve("checkpoints").resolve(job));
      int sentAtResubmit = Math.min(n, n / 2 + producer.sent());
      int inSinkAtResubmit = sink.poll();
      String again =
          submit("nh-in", "nh-out", "nh", out, "--dedup=false", "--from-savepoint=" + checkpoint);
      resumed = again;
      String started = jobManagerStart.get(300, TimeUnit.SECONDS);
      long jobManagerReady = taskManagerRegistered.get();
      log("b: %s", started.trim().replace('\n', ' '));
      await(
          "job b resumed from " + checkpoint,
          180,
          () -> "RUNNING".equals(stateOf(again)) && restoredFrom(again).isPresent());
      long running = secondsSince(kill);
      int sentAtResume = Math.min(n, n / 2 + producer.sent());
      producer.join(120);
      await("all " + n + " ids of job b in the sink", 300, () -> sink.poll() >= n);
      long complete = secondsSince(kill);
      await(
          "all " + n + " events of job b in the aggregate files",
          180,
          () -> aggregatedEvents(out) >= n);
      sink.settle(Duration.ofSeconds(10));
      log(
          "b: no HA: produced=%d killed JobManager at sent=%d sink=%d checkpoints=%d; new"
              + " JobManager's REST API up after %d s knowing jobs=%s, TaskManager registered"
              + " with it after %d s;"
              + " last retained checkpoint %s; resubmitted at sent=%d sink=%d as job %s, RUNNING"
              + " from %s after %d s; produced while no job ran=%d (all read after the resume);"
              + " all in the sink after %d s; sink records=%d distinct ids=%d duplicates=%d"
              + " missing=%d; aggregated events=%d; dead letters=%d (%d s)",
          n,
          sentAtKill,
          inSinkAtKill,
          checkpointsAtKill,
          restUp,
          known,
          jobManagerReady,
          state.relativize(checkpoint),
          sentAtResubmit,
          inSinkAtResubmit,
          again,
          restoredFrom(again).orElse("-"),
          running,
          sentAtResume - sentAtKill,
          complete,
          sink.records(),
          sink.distinct(),
          sink.records() - sink.distinct(),
          n - sink.distinct(),
          aggregatedEvents(out),
          deadLetters(out.resolve("dead-letter")).size(),
          secondsSince(t0));
      assertThat("jobs the new JobManager knows", known, empty());
      assertThat("resubmitted job id", again, not(equalTo(job)));
      assertThat(
          "restored from",
          restoredFrom(again).orElse("-"),
          containsString(job + "/" + checkpoint.getFileName()));
      assertThat("sink records", sink.records(), equalTo(n));
      assertThat("ids", sink.ids(), equalTo(KafkaDrill.expectedIds("nh", 0, n)));
      assertThat("events in the aggregate files", aggregatedEvents(out), equalTo((long) n));
      assertThat("dead letters", deadLetters(out.resolve("dead-letter")), empty());
    } finally {
      if (resumed != null) {
        cancelQuietly(resumed);
      }
    }
    log("b: done in %d s", secondsSince(t0));
  }

  /**
   * The newest {@code chk-N} under a job's checkpoint directory that has its {@code _metadata} (a
   * checkpoint the JobManager completed; one in flight at the kill has none).
   */
  private static Path lastRetainedCheckpoint(Path jobDir) throws Exception {
    try (Stream<Path> dirs = Files.list(jobDir)) {
      Optional<Path> last =
          dirs.filter(d -> d.getFileName().toString().matches("chk-\\d+"))
              .filter(d -> Files.isRegularFile(d.resolve("_metadata")))
              .max(
                  Comparator.comparingLong(
                      d -> Long.parseLong(d.getFileName().toString().substring(4))));
      assertTrue("no completed checkpoint in " + jobDir + diagnostics(), last.isPresent());
      return last.get();
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
    log("submitted %s in %d s", m.group(1), secondsSince(t0));
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

  private static boolean ended(String state) {
    return state.equals("FINISHED") || state.equals("CANCELED") || state.equals("FAILED");
  }

  /** Cancels unless already ended; never hides the test's own failure. */
  private static void cancelQuietly(String job) {
    try {
      String s = flink.state(job);
      if (!ended(s)) {
        flink.cancel(job);
        await("job " + job + " cancelled", 60, () -> ended(stateOf(job)));
      } else {
        log("job %s ended %s; exceptions: %s", job, s, flink.exceptions(job));
      }
    } catch (Exception | AssertionError e) {
      log("could not cancel %s: %s", job, e.getMessage());
    }
  }

  private static String stateOf(String job) {
    try {
      return flink.state(job);
    } catch (Exception e) {
      // Also while a new JobManager waits for its leader election (HTTP 503).
      return "unknown (" + e.getMessage() + ")";
    }
  }

  private static Optional<String> restoredFrom(String job) {
    try {
      return flink.restoredFrom(job);
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  private static long checkpoints(String job) {
    try {
      return flink.completedCheckpoints(job);
    } catch (Exception e) {
      return -1;
    }
  }

  private static List<String> jobIds() throws Exception {
    return flink.jobs().stream().map(FlinkRest.Job::id).collect(Collectors.toList());
  }

  /** Whether the (new) JobManager's REST API answers its overview. */
  private static boolean restAnswers() {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://" + MASTER + "/overview"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && JSON.readTree(r.body()).has("flink-version");
    } catch (Exception e) {
      return false;
    }
  }

  /** Runs {@code task} on a daemon thread; its result (or failure) through the returned task. */
  private static FutureTask<String> background(Callable<String> task) {
    FutureTask<String> future = new FutureTask<>(task);
    Thread t = new Thread(future, "jm-failover-background");
    t.setDaemon(true);
    t.start();
    return future;
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
              .filter(f -> !dir.relativize(f).toString().matches("(^|.*/)\\..*"))
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
              .collect(Collectors.toList())) {
        for (String line : Files.readAllLines(f)) {
          if (!line.isBlank()) {
            records.add(JSON.readTree(line));
          }
        }
      }
    } catch (Exception e) {
      records.add(JSON.createObjectNode().put("unreadable", e.toString()));
    }
    return records;
  }

  // ---- processes, waits, diagnostics ----

  /** {@code cluster.sh} of this test's cluster, in ZooKeeper HA mode or not. */
  private static ProcessBuilder cluster(boolean ha, String... args) {
    ProcessBuilder pb = new ClusterProcesses(state, REST_PORT, RPC_PORT).command(args);
    if (ha) {
      pb.environment().put("TRIBUTARY_FLINK_HA", "zookeeper:" + quorum);
      pb.environment().put("TRIBUTARY_FLINK_HA_CLUSTER_ID", "/job-manager-failover-it");
    } else {
      pb.environment().remove("TRIBUTARY_FLINK_HA");
    }
    return pb;
  }

  private static ProcessBuilder zookeeper(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Testdata.root().resolve("runners-config/zookeeper/zookeeper.sh").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("TRIBUTARY_ZK_HOME", zkState.toString());
    pb.environment().put("ZK_CLIENT_PORT", ZK_PORT);
    // One node: the drill is about the JobManager; zookeeper.sh ZK_NODES=3 runs a quorum.
    pb.environment().put("ZK_NODES", "1");
    return pb;
  }

  private static String run(ProcessBuilder pb, long timeoutSeconds) throws Exception {
    return ClusterProcesses.run(
        pb, timeoutSeconds, TMP.getRoot().toPath(), JobManagerFailoverIT::diagnostics);
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
            .append(" exceptions: ")
            .append(flink.exceptions(j.id()))
            .append("; ");
      }
    } catch (Exception e) {
      b.append(e.getMessage());
    }
    List<Path> logs = new ArrayList<>();
    if (state != null) {
      logs.add(state.resolve("log/jobmanager.log"));
      logs.add(state.resolve("log/jobmanager.out"));
      logs.add(state.resolve("log/taskmanager.log"));
    }
    if (zkState != null) {
      logs.add(zkState.resolve("node-1/log/zookeeper.log"));
    }
    for (Path log : logs) {
      b.append("\n--- tail of ").append(log).append('\n');
      try {
        List<String> lines = Files.readAllLines(log);
        lines
            .subList(Math.max(0, lines.size() - 30), lines.size())
            .forEach(l -> b.append(l).append('\n'));
      } catch (Exception e) {
        b.append("(unreadable: ").append(e.getMessage()).append(")\n");
      }
    }
    return b.toString();
  }

  private static long secondsSince(long nanos) {
    return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - nanos);
  }

  // @FormatMethod would need error_prone_annotations as a test dependency; the callers pass
  // literal formats.
  @SuppressWarnings("AnnotateFormatMethod")
  private static void log(String format, Object... args) {
    System.out.println("[JobManagerFailoverIT] " + String.format(format, args));
  }
}
