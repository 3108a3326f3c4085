package io.tributary.pipelines.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.io.kafka.testing.KafkaBroker;
import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.cluster.KafkaDrill.Producer;
import io.tributary.pipelines.cluster.KafkaDrill.SinkReader;
import io.tributary.pipelines.runtime.FlinkRest;
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
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private static KafkaBroker kafka;
  private static Path state;
  private static Path zkState;
  private static ClickstreamDrill drill;
  private static FlinkRest flink;
  private static String quorum;

  @BeforeClass
  public static void startZooKeeperClusterAndBroker() throws Exception {
    Testdata.assumeClusterExecution();
    long t0 = System.nanoTime();
    zkState = TMP.newFolder("zookeeper").toPath();
    FutureTask<String> zookeeperStart =
        background(
            () ->
                ClusterProcesses.run(
                    zookeeper("start", "120"),
                    240,
                    TMP.getRoot().toPath(),
                    JobManagerFailoverIT::diagnostics));
    kafka = KafkaBroker.start();
    drill =
        new ClickstreamDrill(
            "JobManagerFailoverIT",
            MASTER,
            kafka,
            TMP.getRoot().toPath(),
            JobManagerFailoverIT::diagnostics);
    flink = drill.flink;
    String zk = zookeeperStart.get(300, TimeUnit.SECONDS);
    quorum = drill.run(zookeeper("connect-string"), 30).trim();
    state = TMP.newFolder("flink").toPath();
    drill.run(cluster(true, "start", "150"), 240);
    drill.log(
        "broker %s, ZooKeeper %s (%s) and HA cluster %s ready in %d s",
        kafka.bootstrapServers(),
        quorum,
        zk.lines().filter(l -> l.startsWith("zookeeper ready")).findFirst().orElse("?"),
        MASTER,
        ClickstreamDrill.secondsSince(t0));
  }

  @AfterClass
  public static void stopEverything() throws Exception {
    try {
      if (flink != null) {
        for (FlinkRest.Job job : flink.jobs()) {
          if (!ClickstreamDrill.ended(job.state())) {
            flink.cancel(job.id());
          }
        }
      }
    } catch (Exception e) {
      System.out.println("[JobManagerFailoverIT] could not cancel jobs: " + e);
    } finally {
      try {
        if (state != null) {
          drill.run(cluster(false, "stop"), 60);
        }
      } finally {
        try {
          if (zkState != null) {
            drill.run(zookeeper("stop"), 60);
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
    String job = drill.submit("ha-in", "ha-out", "ha", out, "--dedup=false");
    drill.await("job a RUNNING", 120, () -> "RUNNING".equals(drill.stateOf(job)));
    try (SinkReader sink = new SinkReader(kafka, "ha-out")) {
      Producer.start(kafka, "ha-in", "ha", 0, n / 2, 150).join(60);
      drill.await("first records of job a in the sink", 120, () -> sink.poll() >= 200);
      // Kill after a checkpoint that follows the sink's first commits, while the second half
      // arrives: the new JobManager must restore from a checkpoint and replay Kafka from there.
      long completed = drill.checkpoints(job);
      drill.await(
          "a checkpoint after the first commits", 60, () -> drill.checkpoints(job) > completed);
      Producer producer = Producer.start(kafka, "ha-in", "ha", n / 2, n, 100);
      drill.await("the second half under way", 30, () -> producer.sent() >= 150);
      int sentAtKill = n / 2 + producer.sent();
      int inSinkAtKill = sink.poll();
      long checkpointsAtKill = drill.checkpoints(job);
      long kill = System.nanoTime();
      drill.log("a: %s", drill.run(cluster(true, "kill-jobmanager"), 30).trim());
      String started = drill.run(cluster(true, "start-jobmanager", "240"), 300);
      long jobManagerReady = ClickstreamDrill.secondsSince(kill);
      drill.log("a: %s", started.trim().replace('\n', ' '));
      drill.await(
          "job a recovered by the new JobManager and restored from a checkpoint",
          240,
          () -> "RUNNING".equals(drill.stateOf(job)) && drill.restoredFrom(job).isPresent());
      long recovered = ClickstreamDrill.secondsSince(kill);
      int sentAtRecovery = Math.min(n, n / 2 + producer.sent());
      producer.join(120);
      drill.await("all " + n + " ids of job a in the sink", 300, () -> sink.poll() >= n);
      long complete = ClickstreamDrill.secondsSince(kill);
      drill.await(
          "all " + n + " events of job a in the aggregate files",
          180,
          () -> ClickstreamDrill.aggregatedEvents(out) >= n);
      sink.settleAfterLastNewId(ClickstreamDrill.SETTLE);
      List<String> jobIds = jobIds();
      drill.log(
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
          drill.stateOf(job),
          jobIds.size(),
          drill.restoredFrom(job).orElse("-"),
          recovered,
          sentAtRecovery,
          complete,
          sink.records(),
          sink.distinct(),
          sink.records() - sink.distinct(),
          n - sink.distinct(),
          ClickstreamDrill.aggregatedEvents(out),
          ClickstreamDrill.deadLetters(out.resolve("dead-letter")).size(),
          ClickstreamDrill.secondsSince(t0));
      assertThat("jobs the new JobManager knows", jobIds, equalTo(List.of(job)));
      assertThat("job state", drill.stateOf(job), equalTo("RUNNING"));
      assertThat("restored from", drill.restoredFrom(job).orElse("-"), containsString("/chk-"));
      assertThat("sink records", sink.records(), equalTo(n));
      assertThat("ids", sink.ids(), equalTo(KafkaDrill.expectedIds("ha", 0, n)));
      assertThat(
          "events in the aggregate files\n" + ClickstreamDrill.aggregateReport(out),
          ClickstreamDrill.aggregatedEvents(out),
          equalTo((long) n));
      assertThat("dead letters", ClickstreamDrill.deadLetters(out.resolve("dead-letter")), empty());
    } finally {
      drill.cancelQuietly(job);
    }
    drill.log("a: done in %d s", ClickstreamDrill.secondsSince(t0));
  }

  @Test
  public void b_withoutHighAvailabilityTheJobResumesFromItsLastRetainedCheckpoint()
      throws Exception {
    long t0 = System.nanoTime();
    // The same cluster (state directory, ports) restarted without HA: config.yaml is rewritten.
    drill.run(cluster(false, "stop"), 60);
    drill.run(cluster(false, "start", "150"), 240);
    drill.log("b: cluster restarted without HA in %d s", ClickstreamDrill.secondsSince(t0));
    int n = 1500;
    kafka.createTopic("nh-in", 2);
    kafka.createTopic("nh-out", 1);
    Path out = TMP.newFolder("out-nh").toPath();
    String job = drill.submit("nh-in", "nh-out", "nh", out, "--dedup=false");
    drill.await("job b RUNNING", 120, () -> "RUNNING".equals(drill.stateOf(job)));
    String resumed = null;
    try (SinkReader sink = new SinkReader(kafka, "nh-out")) {
      Producer.start(kafka, "nh-in", "nh", 0, n / 2, 150).join(60);
      drill.await("first records of job b in the sink", 120, () -> sink.poll() >= 200);
      long completed = drill.checkpoints(job);
      drill.await(
          "a checkpoint after the first commits", 60, () -> drill.checkpoints(job) > completed);
      // Slower: the producer keeps sending while no job runs, to show Kafka keeps it all.
      Producer producer = Producer.start(kafka, "nh-in", "nh", n / 2, n, 50);
      drill.await("the second half under way", 30, () -> producer.sent() >= 100);
      int sentAtKill = n / 2 + producer.sent();
      int inSinkAtKill = sink.poll();
      long checkpointsAtKill = drill.checkpoints(job);
      long kill = System.nanoTime();
      drill.log("b: %s", drill.run(cluster(false, "kill-jobmanager"), 30).trim());
      // A new JobManager; cluster.sh returns once the TaskManager has registered with it, which
      // takes the TaskManager's heartbeat timeout (50 s): meanwhile its REST API answers and the
      // job is resubmitted (it waits for the slots the TaskManager frees).
      AtomicLong taskManagerRegistered = new AtomicLong(-1);
      FutureTask<String> jobManagerStart =
          background(
              () -> {
                String text = drill.run(cluster(false, "start-jobmanager", "240"), 300);
                taskManagerRegistered.set(ClickstreamDrill.secondsSince(kill));
                return text;
              });
      drill.await("the new JobManager's REST API", 120, JobManagerFailoverIT::restAnswers);
      long restUp = ClickstreamDrill.secondsSince(kill);
      // What is lost: the new JobManager has never heard of the job.
      List<String> known = jobIds();
      Path checkpoint = lastRetainedCheckpoint(state.resolve("checkpoints").resolve(job));
      int sentAtResubmit = Math.min(n, n / 2 + producer.sent());
      int inSinkAtResubmit = sink.poll();
      String again =
          drill.submit(
              "nh-in", "nh-out", "nh", out, "--dedup=false", "--from-savepoint=" + checkpoint);
      resumed = again;
      String started = jobManagerStart.get(300, TimeUnit.SECONDS);
      long jobManagerReady = taskManagerRegistered.get();
      drill.log("b: %s", started.trim().replace('\n', ' '));
      drill.await(
          "job b resumed from " + checkpoint,
          180,
          () -> "RUNNING".equals(drill.stateOf(again)) && drill.restoredFrom(again).isPresent());
      long running = ClickstreamDrill.secondsSince(kill);
      int sentAtResume = Math.min(n, n / 2 + producer.sent());
      producer.join(120);
      drill.await("all " + n + " ids of job b in the sink", 300, () -> sink.poll() >= n);
      long complete = ClickstreamDrill.secondsSince(kill);
      drill.await(
          "all " + n + " events of job b in the aggregate files",
          180,
          () -> ClickstreamDrill.aggregatedEvents(out) >= n);
      sink.settleAfterLastNewId(ClickstreamDrill.SETTLE);
      drill.log(
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
          drill.restoredFrom(again).orElse("-"),
          running,
          sentAtResume - sentAtKill,
          complete,
          sink.records(),
          sink.distinct(),
          sink.records() - sink.distinct(),
          n - sink.distinct(),
          ClickstreamDrill.aggregatedEvents(out),
          ClickstreamDrill.deadLetters(out.resolve("dead-letter")).size(),
          ClickstreamDrill.secondsSince(t0));
      assertThat("jobs the new JobManager knows", known, empty());
      assertThat("resubmitted job id", again, not(equalTo(job)));
      assertThat(
          "restored from",
          drill.restoredFrom(again).orElse("-"),
          containsString(job + "/" + checkpoint.getFileName()));
      assertThat("sink records", sink.records(), equalTo(n));
      assertThat("ids", sink.ids(), equalTo(KafkaDrill.expectedIds("nh", 0, n)));
      assertThat(
          "events in the aggregate files\n" + ClickstreamDrill.aggregateReport(out),
          ClickstreamDrill.aggregatedEvents(out),
          equalTo((long) n));
      assertThat("dead letters", ClickstreamDrill.deadLetters(out.resolve("dead-letter")), empty());
    } finally {
      if (resumed != null) {
        drill.cancelQuietly(resumed);
      }
    }
    drill.log("b: done in %d s", ClickstreamDrill.secondsSince(t0));
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

  private static String diagnostics() {
    List<Path> logs = new ArrayList<>();
    if (state != null) {
      logs.add(state.resolve("log/jobmanager.log"));
      logs.add(state.resolve("log/jobmanager.out"));
      logs.add(state.resolve("log/taskmanager.log"));
    }
    if (zkState != null) {
      logs.add(zkState.resolve("node-1/log/zookeeper.log"));
    }
    return (drill == null ? "" : drill.jobs()) + ClickstreamDrill.tails(logs, 30);
  }
}
