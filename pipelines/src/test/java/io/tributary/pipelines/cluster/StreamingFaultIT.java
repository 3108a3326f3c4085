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
import io.tributary.pipelines.cli.Tributary;
import io.tributary.pipelines.cluster.KafkaDrill.Producer;
import io.tributary.pipelines.cluster.KafkaDrill.SinkReader;
import io.tributary.pipelines.fuzz.FuzzCorpus;
import io.tributary.pipelines.runtime.FlinkRest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
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
 * The fault drills of issue 9 on a real Flink 1.19 session cluster and a real Kafka broker: the
 * streaming clickstream job (bundled jar, submitted by the CLI with {@code --profile=flink-cluster
 * --streaming=true}) reads a topic, writes every unique event exactly once to a sink topic (Kafka
 * transactions, read here with {@code read_committed}) plus windowed aggregate files, while a
 * producer sends events with known ids.
 *
 * <ol>
 *   <li>{@code a}: kill -9 of the TaskManager mid-stream (after a checkpoint, while events still
 *       arrive), a new TaskManager, then 100 old ids re-sent: the job restores from its last
 *       checkpoint and every id is in the sink topic once and counted once in the aggregates.
 *   <li>{@code b}: stop with a savepoint, events produced while stopped (plus re-sent old ids), the
 *       same jar resubmitted from the savepoint: no loss, no duplicates.
 *   <li>{@code c}: poison messages into the resumed job of {@code b}: dead letters, job keeps
 *       running, no restart.
 * </ol>
 *
 * <p>One cluster and one broker for the steps (they run in name order; {@code c} reuses the job
 * {@code b} resumed, and {@code b} sends {@code c}'s poison into it once its own checks are done,
 * so that the minute dead letters take to reach their files runs beside {@code b}'s last waits).
 * Every wait is bounded and fails with the cluster's log tails.
 *
 * <pre>{@code
 * mvn -B verify -pl pipelines -am -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=StreamingFaultIT
 * }</pre>
 */
@RunWith(JUnit4.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class StreamingFaultIT {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  // Away from 8081/6123 and from FlinkClusterSubmissionIT's 18581/16523.
  private static final String REST_PORT = "18681";
  private static final String RPC_PORT = "16623";
  private static final String MASTER = "localhost:" + REST_PORT;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Runs the job without Dedup's CLI calls beside the Dedup job's. */
  private static final java.util.concurrent.ExecutorService BESIDE =
      java.util.concurrent.Executors.newSingleThreadExecutor();

  private static KafkaBroker kafka;
  private static Path state;
  private static ClickstreamDrill drill;
  private static FlinkRest flink;

  /** The job step b resumed from its savepoint; step c sends poison into it. */
  private static String resumedJob;

  private static Path resumedOutput;
  private static String resumedTopic;
  private static String resumedSink;

  @BeforeClass
  public static void startClusterAndBroker() throws Exception {
    Testdata.assumeClusterExecution();
    long t0 = System.nanoTime();
    kafka = KafkaBroker.start();
    state = TMP.newFolder("flink").toPath();
    drill =
        new ClickstreamDrill(
            "StreamingFaultIT",
            MASTER,
            kafka,
            TMP.getRoot().toPath(),
            StreamingFaultIT::diagnostics);
    flink = drill.flink;
    drill.run(cluster("start", "150"), 240);
    drill.log(
        "broker %s and cluster %s ready in %d s",
        kafka.bootstrapServers(), MASTER, ClickstreamDrill.secondsSince(t0));
  }

  @AfterClass
  public static void stopEverything() throws Exception {
    BESIDE.shutdownNow();
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
      System.out.println("[StreamingFaultIT] could not cancel jobs: " + e);
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
  public void a_killTaskManagerMidStreamRestoresFromTheLastCheckpoint() throws Exception {
    long t0 = System.nanoTime();
    int n = 2000;
    int resent = 100;
    kafka.createTopic("fa-in", 2);
    kafka.createTopic("fa-out", 1);
    Path out = TMP.newFolder("out-a").toPath();
    // Beside it, on the same TaskManager, the same job without Dedup: what it writes is what the
    // source and the sinks deliver after the restore, nothing hides a second read. The two CLI
    // submissions run at once (each is a JVM uploading the bundled jar).
    java.util.concurrent.Future<PassThrough> passing =
        BESIDE.submit(() -> PassThrough.submit("pa"));
    String job = drill.submit("fa-in", "fa-out", "fa", out, "--sinkShards=2");
    PassThrough pass = passing.get(10, TimeUnit.MINUTES);
    drill.await("job a RUNNING", 120, () -> "RUNNING".equals(drill.stateOf(job)));
    pass.awaitRunning();
    try (SinkReader sink = new SinkReader(kafka, "fa-out");
        SinkReader passSink = new SinkReader(kafka, pass.sinkTopic)) {
      Producer.start(kafka, List.of("fa-in", pass.topic), "a", 0, n / 2, 200).join(60);
      pass.sendPoison("before the kill", 3);
      drill.await("first records of job a in the sink", 120, () -> sink.poll() >= 200);
      // Kill after a checkpoint that follows the sink's first commits, while the producer sends
      // the second half: the restore must replay Kafka from the checkpoint, skip what the sink
      // committed since, and keep the Dedup state of the ids seen before it.
      long completed = drill.checkpoints(job);
      long passCompleted = drill.checkpoints(pass.job);
      drill.await(
          "a checkpoint after the first commits",
          60,
          () -> drill.checkpoints(job) > completed && drill.checkpoints(pass.job) > passCompleted);
      Producer producer = Producer.start(kafka, List.of("fa-in", pass.topic), "a", n / 2, n, 100);
      drill.await("the second half under way", 30, () -> producer.sent() >= 200);
      int sentAtKill = n / 2 + producer.sent();
      long inSinkAtKill = sink.poll();
      drill.log(
          "a: kill -9 of the TaskManager: %s", drill.run(cluster("kill-taskmanager"), 30).trim());
      drill.log(
          "a: %s", drill.run(cluster("start-taskmanager", "150"), 200).trim().replace('\n', ' '));
      producer.join(120);
      drill.await(
          "job a restored from a checkpoint",
          180,
          () -> "RUNNING".equals(drill.stateOf(job)) && drill.restoredFrom(job).isPresent());
      drill.await(
          "the job without Dedup restored from a checkpoint",
          180,
          () ->
              "RUNNING".equals(drill.stateOf(pass.job))
                  && drill.restoredFrom(pass.job).isPresent());
      pass.sendPoison("after the restore", 3);
      // Old ids again, after the restore: only Dedup state restored from the checkpoint knows them.
      Producer.start(kafka, "fa-in", "a", 0, resent, 200).join(60);
      drill.await("all " + n + " ids of job a in the sink", 300, () -> sink.poll() >= n);
      // Both sinks full before the waits for files, so that both settle meanwhile.
      drill.await(
          "all " + n + " ids of the job without Dedup in its sink",
          300,
          () -> passSink.poll() >= n);
      drill.await(
          "all " + n + " events of job a in the aggregate files",
          180,
          () -> ClickstreamDrill.aggregatedEvents(out) >= n);
      sink.settleAfterLastNewId(ClickstreamDrill.SETTLE);
      drill.log(
          "a: produced=%d (+%d re-sent ids) killed at sent=%d sink=%d; restored from %s; failures recorded=%d; "
              + "sink records=%d distinct ids=%d duplicates=%d missing=%d; aggregated events=%d; dead letters=%d (%d s)",
          n,
          resent,
          sentAtKill,
          inSinkAtKill,
          drill.restoredFrom(job).orElse("-"),
          flink.exceptions(job).size(),
          sink.records(),
          sink.distinct(),
          sink.records() - sink.distinct(),
          n - sink.distinct(),
          ClickstreamDrill.aggregatedEvents(out),
          ClickstreamDrill.deadLetters(out.resolve("dead-letter")).size(),
          ClickstreamDrill.secondsSince(t0));
      assertThat(
          "restored from",
          drill.restoredFrom(job).orElse("-"),
          org.hamcrest.Matchers.containsString("/chk-"));
      assertThat(
          "failures Flink recorded (the lost TaskManager)",
          flink.exceptions(job).size(),
          org.hamcrest.Matchers.greaterThanOrEqualTo(1));
      assertThat("sink records", sink.records(), equalTo(n));
      assertThat("ids", sink.ids(), equalTo(KafkaDrill.expectedIds("a", 0, n)));
      assertThat(
          "events in the aggregate files\n" + ClickstreamDrill.aggregateReport(out),
          ClickstreamDrill.aggregatedEvents(out),
          equalTo((long) n));
      assertThat("dead letters", ClickstreamDrill.deadLetters(out.resolve("dead-letter")), empty());
      pass.assertExactlyOnce("a", passSink, "a", n, t0);
    } finally {
      drill.cancelQuietly(job);
      drill.cancelQuietly(pass.job);
    }
    drill.log("a: done in %d s", ClickstreamDrill.secondsSince(t0));
  }

  @Test
  public void b_stopWithSavepointAndResumeLosesNothingAndDuplicatesNothing() throws Exception {
    long t0 = System.nanoTime();
    int half = 500;
    int resent = 50;
    kafka.createTopic("fb-in", 2);
    kafka.createTopic("fb-out", 1);
    Path out = TMP.newFolder("out-b").toPath();
    java.util.concurrent.Future<PassThrough> passing =
        BESIDE.submit(() -> PassThrough.submit("pb"));
    String job = drill.submit("fb-in", "fb-out", "fb", out);
    PassThrough pass = passing.get(10, TimeUnit.MINUTES);
    drill.await("job b RUNNING", 120, () -> "RUNNING".equals(drill.stateOf(job)));
    pass.awaitRunning();
    try (SinkReader sink = new SinkReader(kafka, "fb-out");
        SinkReader passSink = new SinkReader(kafka, pass.sinkTopic)) {
      Producer.start(kafka, List.of("fb-in", pass.topic), "b", 0, half, 200).join(60);
      pass.sendPoison("before the savepoint", 3);
      drill.await("first " + half + " ids of job b in the sink", 180, () -> sink.poll() >= half);
      drill.await(
          "first " + half + " ids of the job without Dedup in its sink",
          180,
          () -> passSink.poll() >= half);
      java.util.concurrent.Future<?> passStopped =
          BESIDE.submit(
              () -> {
                pass.stopWithSavepoint();
                return null;
              });
      String stopped =
          drill.run(drill.cli("stop", job, "--savepoint", "--flinkMaster=" + MASTER), 300);
      passStopped.get(10, TimeUnit.MINUTES);
      Matcher m = Pattern.compile("with savepoint (\\S+)").matcher(stopped);
      assertTrue("no savepoint path in: " + stopped, m.find());
      String savepoint = m.group(1);
      drill.log(
          "b: stopped %s with savepoint %s after %d sink records", job, savepoint, sink.poll());
      // A build of the job without Dedup has no operator for the savepoint's Dedup state: the
      // cluster refuses it, and the CLI says so in one line that names the flag, no stack trace.
      String refused =
          drill.submitRefused(
              Tributary.USAGE,
              "fb-in",
              "fb-out",
              "fb",
              TMP.newFolder("out-b-refused").toPath(),
              "--dedup=false",
              "--from-savepoint=" + savepoint);
      drill.log("b: without Dedup from the savepoint: %s", refused.strip());
      assertThat(
          refused,
          containsString(
              "tributary: --from-savepoint: the savepoint " + savepoint + " holds state"));
      assertThat(refused, containsString("add --allowNonRestoredState=true"));
      assertThat(refused, not(containsString("\tat ")));
      // While the job is down: the second half, and ids the job has already written (Dedup state
      // restored from the savepoint must drop them).
      Producer.start(kafka, List.of("fb-in", pass.topic), "b", half, 2 * half, 500).join(60);
      Producer.start(kafka, "fb-in", "b", 0, resent, 500).join(60);
      java.util.concurrent.Future<?> passResumed =
          BESIDE.submit(
              () -> {
                pass.resume();
                return null;
              });
      String resumed = drill.submit("fb-in", "fb-out", "fb", out, "--from-savepoint=" + savepoint);
      passResumed.get(10, TimeUnit.MINUTES);
      drill.await("resumed job b RUNNING", 120, () -> "RUNNING".equals(drill.stateOf(resumed)));
      pass.awaitRunning();
      pass.sendPoison("after the resume", 3);
      resumedJob = resumed;
      resumedOutput = out;
      resumedTopic = "fb-in";
      resumedSink = sink.topic;
      drill.await(
          "all " + 2 * half + " ids of job b in the sink", 240, () -> sink.poll() >= 2 * half);
      // Both sinks full before the waits for files, so that both settle meanwhile.
      drill.await(
          "all " + 2 * half + " ids of the job without Dedup in its sink",
          300,
          () -> passSink.poll() >= 2 * half);
      sink.settleAfterLastNewId(ClickstreamDrill.SETTLE);
      drill.log(
          "b: produced=%d (+%d re-sent ids) sink records=%d distinct ids=%d duplicates=%d missing=%d (%d s)",
          2 * half,
          resent,
          sink.records(),
          sink.distinct(),
          sink.records() - sink.distinct(),
          2 * half - sink.distinct(),
          ClickstreamDrill.secondsSince(t0));
      assertThat("sink records", sink.records(), equalTo(2 * half));
      assertThat("ids", sink.ids(), equalTo(KafkaDrill.expectedIds("b", 0, 2 * half)));
      // Step c's poison, into the resumed job now that its checks are done: dead letters reach
      // their files a minute after the first one (JsonLinesFiles' processing-time panes), so that
      // minute runs while the job without Dedup's dead letters are awaited here, not after them.
      sendPoisonIntoTheResumedJob();
      pass.assertExactlyOnce("b", passSink, "b", 2 * half, t0);
    } finally {
      drill.cancelQuietly(pass.job);
    }
    drill.log("b: done in %d s", ClickstreamDrill.secondsSince(t0));
  }

  @Test
  public void c_poisonMessagesGoToDeadLettersWithoutRestarts() throws Exception {
    long t0 = System.nanoTime();
    assertTrue("step b must leave its resumed job running", resumedJob != null);
    assertTrue("step b must send the poison into its resumed job", corpus != null);
    String job = resumedJob;
    List<String> poison = POISON;
    try (SinkReader sink = new SinkReader(kafka, resumedSink)) {
      sink.settle(Duration.ofSeconds(2));
      int already = sink.distinct();
      // The poison and the hostile lines are in the topic already (sendPoisonIntoTheResumedJob):
      // events after them.
      Producer.start(kafka, resumedTopic, "c", 0, 100, 200).join(60);
      drill.await(
          "the 100 events after the poison in the sink", 180, () -> sink.poll() >= already + 100);
      Path deadLetters = resumedOutput.resolve("dead-letter");
      drill.await(
          "both poison messages and the fuzz corpus's " + hostile.size() + " in " + deadLetters,
          180,
          () ->
              deadLetterPayloads(deadLetters).containsAll(poison)
                  && ClickstreamDrill.deadLetters(deadLetters).size()
                      >= poison.size() + hostile.size());
      List<String> payloads = deadLetterPayloads(deadLetters);
      long restarts = drill.restarts(job);
      List<String> exceptions = flink.exceptions(job);
      drill.log(
          "c: poison and fuzz sent=%d dead letters=%d (%s) events after the poison in the sink=%d state=%s restarts=%d exceptions=%d (%d s)",
          poison.size() + hostile.size(),
          payloads.size(),
          deadLetterReasons(deadLetters),
          sink.distinct() - already,
          drill.stateOf(job),
          restarts,
          exceptions.size(),
          ClickstreamDrill.secondsSince(t0));
      // Each poison message and each hostile line is one dead letter with the predicted reason.
      java.util.Map<String, Long> expected =
          new java.util.TreeMap<>(corpus.expectedDeadLetters("kafka_hostile"));
      expected.merge("decode.not_json", 1L, Long::sum); // "this is not json {"
      expected.merge("decode.missing_field", 1L, Long::sum); // poison-2 has no user_id
      // This job was resumed from a savepoint. Beam 2.62's Flink source read every partition
      // twice after a restore (apache/beam#31313), writing each dead letter twice; with the
      // patched enumerator (pipelines/src/main/java/org/apache/beam/...) each is written once.
      List<JsonNode> all = FuzzCorpus.deadLetters(deadLetters);
      List<JsonNode> distinct = new ArrayList<>(new java.util.LinkedHashSet<>(all));
      drill.log("c: dead letters written=%d distinct=%d", all.size(), distinct.size());
      assertThat("dead letters by reason", FuzzCorpus.byReason(all), equalTo(expected));
      assertThat("dead letters written once each", all.size(), equalTo(distinct.size()));
      assertThat("dead-letter payloads", payloads.containsAll(poison), equalTo(true));
      corpus.assertNoPlantedValueIn(deadLetters);
      assertThat("job state", drill.stateOf(job), equalTo("RUNNING"));
      assertThat("restarts", restarts, equalTo(0L));
      assertThat("exceptions", exceptions, empty());
      assertThat("sink records", sink.records(), equalTo(sink.distinct()));
    } finally {
      drill.cancelQuietly(job);
    }
  }

  /** Step c's poison messages: not JSON, and JSON without a user_id. */
  private static final List<String> POISON =
      List.of("this is not json {", "{\"event_id\":\"poison-2\",\"price\":\"abc\"}");

  /** The fuzz corpus whose hostile lines step b sent into its resumed job, for step c. */
  private static FuzzCorpus corpus;

  private static List<byte[]> hostile;

  /**
   * Sends step c's input into the job step b resumed: {@link #POISON}, then every hostile line of
   * the fuzz corpus that fits a message (testdata/fuzz).
   */
  private static void sendPoisonIntoTheResumedJob() throws Exception {
    try (KafkaProducer<String, String> p = KafkaDrill.producer(kafka)) {
      for (String value : POISON) {
        p.send(new ProducerRecord<>(resumedTopic, value)).get(30, TimeUnit.SECONDS);
      }
    }
    FuzzCorpus generated = FuzzCorpus.generate(Files.createTempDirectory("fuzz"));
    List<byte[]> lines = FuzzCorpus.lines(generated.dir.resolve("kafka/hostile.jsonl"));
    Properties bytesProps = new Properties();
    bytesProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    bytesProps.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(
            bytesProps,
            new org.apache.kafka.common.serialization.ByteArraySerializer(),
            new org.apache.kafka.common.serialization.ByteArraySerializer())) {
      for (byte[] value : lines) {
        p.send(new ProducerRecord<>(resumedTopic, value)).get(30, TimeUnit.SECONDS);
      }
    }
    hostile = lines;
    corpus = generated;
  }

  /**
   * The clickstream job with {@code --dedup=false} on topics of its own: nothing between the Kafka
   * source and the sinks drops a repeated event, so a second read after a restore would show in
   * every count. Its checks are exact: sink records (read_committed) = events produced, each id
   * once with the value it was sent with, per-type counts and revenue in the aggregate files equal
   * to the produced ones, each poison message one dead letter.
   */
  private static final class PassThrough {
    final String group;
    final String topic;
    final String sinkTopic;
    final Path out;
    String job;
    private String savepoint;
    private int poisonSent;

    private PassThrough(String group, Path out) {
      this.group = group;
      this.topic = group + "-in";
      this.sinkTopic = group + "-out";
      this.out = out;
    }

    static PassThrough submit(String group) throws Exception {
      PassThrough p = new PassThrough(group, TMP.newFolder("out-" + group).toPath());
      kafka.createTopic(p.topic, 2);
      kafka.createTopic(p.sinkTopic, 1);
      p.job = drill.submit(p.topic, p.sinkTopic, group, p.out, "--dedup=false");
      return p;
    }

    void awaitRunning() throws Exception {
      drill.await(group + " (no Dedup) RUNNING", 120, () -> "RUNNING".equals(drill.stateOf(job)));
    }

    /** Sends {@code count} messages that are not JSON, each different. */
    void sendPoison(String when, int count) throws Exception {
      try (KafkaProducer<String, String> p = KafkaDrill.producer(kafka)) {
        for (int i = 0; i < count; i++) {
          p.send(new ProducerRecord<>(topic, "not json: " + group + " " + when + " #" + i))
              .get(30, TimeUnit.SECONDS);
          poisonSent++;
        }
      }
    }

    void stopWithSavepoint() throws Exception {
      String stopped =
          drill.run(drill.cli("stop", job, "--savepoint", "--flinkMaster=" + MASTER), 300);
      Matcher m = Pattern.compile("with savepoint (\\S+)").matcher(stopped);
      assertTrue("no savepoint path in: " + stopped, m.find());
      savepoint = m.group(1);
      drill.log("%s: stopped %s (no Dedup) with savepoint %s", group, job, savepoint);
    }

    void resume() throws Exception {
      job =
          drill.submit(
              topic, sinkTopic, group, out, "--dedup=false", "--from-savepoint=" + savepoint);
    }

    void assertExactlyOnce(String name, SinkReader sink, String prefix, int n, long t0)
        throws Exception {
      drill.await(name + ": all " + n + " ids (no Dedup) in the sink", 300, () -> sink.poll() >= n);
      drill.await(
          name + ": all " + n + " events (no Dedup) in the aggregate files",
          180,
          () -> ClickstreamDrill.aggregatedEvents(out) >= n);
      Path dir = out.resolve("dead-letter");
      drill.await(
          name + ": " + poisonSent + " dead letters (no Dedup)",
          180,
          () -> ClickstreamDrill.deadLetters(dir).size() >= poisonSent);
      sink.settleAfterLastNewId(ClickstreamDrill.SETTLE);
      int wrongValues = 0;
      for (Map.Entry<String, String> e : sink.values().entrySet()) {
        int i = KafkaDrill.indexOf(e.getKey());
        JsonNode v = JSON.readTree(e.getValue());
        if (!KafkaDrill.eventType(i).equals(v.path("event_type").asText())
            || KafkaDrill.price(i).compareTo(new java.math.BigDecimal(v.path("price").asText()))
                != 0) {
          wrongValues++;
        }
      }
      Map<String, Long> byType = new java.util.TreeMap<>();
      java.math.BigDecimal revenue = java.math.BigDecimal.ZERO;
      for (Path f : ClickstreamDrill.aggregateFiles(out)) {
        for (String line : Files.readAllLines(f)) {
          if (!line.isBlank()) {
            JsonNode a = JSON.readTree(line);
            a.path("events_by_type")
                .fields()
                .forEachRemaining(t -> byType.merge(t.getKey(), t.getValue().asLong(), Long::sum));
            if (a.path("revenue_by_currency").has("EUR")) {
              revenue =
                  revenue.add(
                      new java.math.BigDecimal(a.path("revenue_by_currency").path("EUR").asText()));
            }
          }
        }
      }
      java.math.BigDecimal expectedRevenue =
          KafkaDrill.priceSumsByType(0, n).getOrDefault("purchase", java.math.BigDecimal.ZERO);
      List<JsonNode> letters = ClickstreamDrill.deadLetters(dir);
      int distinctLetters = new java.util.HashSet<>(letters).size();
      drill.log(
          "%s (no Dedup, %s): produced=%d sink records=%d distinct ids=%d duplicates=%d missing=%d "
              + "wrong values=%d; aggregated events=%d by type=%s (expected %s) purchase revenue EUR=%s "
              + "(expected %s); poison sent=%d dead letters written=%d distinct=%d; restored from %s (%d s)",
          name,
          job,
          n,
          sink.records(),
          sink.distinct(),
          sink.records() - sink.distinct(),
          n - sink.distinct(),
          wrongValues,
          ClickstreamDrill.aggregatedEvents(out),
          byType,
          KafkaDrill.countsByType(0, n),
          revenue.toPlainString(),
          expectedRevenue.toPlainString(),
          poisonSent,
          letters.size(),
          distinctLetters,
          drill.restoredFrom(job).orElse("-"),
          ClickstreamDrill.secondsSince(t0));
      assertThat("no Dedup: sink records", sink.records(), equalTo(n));
      assertThat("no Dedup: ids", sink.ids(), equalTo(KafkaDrill.expectedIds(prefix, 0, n)));
      assertThat("no Dedup: values as sent", wrongValues, equalTo(0));
      assertThat(
          "no Dedup: aggregated events\n" + ClickstreamDrill.aggregateReport(out),
          ClickstreamDrill.aggregatedEvents(out),
          equalTo((long) n));
      assertThat("no Dedup: events per type", byType, equalTo(KafkaDrill.countsByType(0, n)));
      assertThat("no Dedup: purchase revenue EUR", revenue.compareTo(expectedRevenue), equalTo(0));
      assertThat("no Dedup: dead letters written", letters.size(), equalTo(poisonSent));
      assertThat("no Dedup: dead letters distinct", distinctLetters, equalTo(poisonSent));
    }
  }

  // ---- outputs ----

  /** The original message values of the dead letters (the Kafka source stores them base64). */
  private static List<String> deadLetterPayloads(Path dir) {
    List<String> values = new ArrayList<>();
    for (JsonNode record : ClickstreamDrill.deadLetters(dir)) {
      try {
        String value = JSON.readTree(record.path("payload").asText()).path("value_base64").asText();
        values.add(new String(java.util.Base64.getDecoder().decode(value), StandardCharsets.UTF_8));
      } catch (Exception e) {
        values.add("<unreadable dead letter: " + record + ">");
      }
    }
    values.sort(java.util.Comparator.comparing(v -> v.startsWith("this") ? 0 : 1));
    return values;
  }

  private static String deadLetterReasons(Path dir) {
    return ClickstreamDrill.deadLetters(dir).stream()
        .map(r -> r.path("stage").asText() + "/" + r.path("reason").asText())
        .collect(Collectors.joining(", "));
  }

  // ---- processes, waits, diagnostics ----

  private static ProcessBuilder cluster(String... args) {
    ProcessBuilder pb = new ClusterProcesses(state, REST_PORT, RPC_PORT).command(args);
    // Two jobs of parallelism 2 side by side in drills a and b: with Dedup and without.
    pb.environment().put("FLINK_TASK_SLOTS", "4");
    return pb;
  }

  private static String diagnostics() {
    return drill.jobs()
        + ClickstreamDrill.tails(
            List.of(state.resolve("log/jobmanager.log"), state.resolve("log/taskmanager.log")), 40);
  }
}
