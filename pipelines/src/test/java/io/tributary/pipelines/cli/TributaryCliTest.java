package io.tributary.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.tributary.pipelines.Testdata;
import io.tributary.testing.TestRunners;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class TributaryCliTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private String out;
  private String err;

  private int run(String... args) {
    CliRun r = CliRun.of(args);
    out = r.out;
    err = r.err;
    return r.code;
  }

  private void assertOneLineUsageError(int code, String expected) {
    assertEquals(err, 2, code);
    assertEquals("one line, no stack trace: " + err, 1, err.strip().lines().count());
    assertThat(err, containsString(expected));
    assertThat(err, not(containsString("Exception")));
  }

  @Test
  public void helpListsPipelinesAndProfiles() {
    assertEquals(0, run("--help"));
    assertThat(out, containsString("clickstream"));
    assertThat(out, containsString("flink-local"));
  }

  @Test
  public void helpListsOrdersMartAndBackfill() {
    assertEquals(0, run("--help"));
    assertThat(out, containsString("orders-mart"));
    assertThat(out, containsString("  backfill "));
    assertEquals(0, run("backfill", "orders-mart", "--help"));
    assertThat(out, containsString("Usage: tributary backfill orders-mart"));
    assertThat(out, containsString("  --from=YYYY-MM-DD "));
    assertThat(out, containsString("  --to=YYYY-MM-DD "));
  }

  @Test
  public void unknownNamesSuggestTheNearestOne() {
    assertOneLineUsageError(
        run("run", "clickstream", "--inptu=x", "--output=y"),
        "unknown option --inptu; did you mean --input?");
    assertOneLineUsageError(run("run", "clikstream"), "did you mean clickstream?");
    assertOneLineUsageError(run("rn"), "unknown command 'rn'; did you mean run?");
    assertOneLineUsageError(
        run("retention", "--conifg=x"), "unknown option --conifg=x; did you mean --config?");
  }

  @Test
  public void backfillUsageErrorsAreOneLine() {
    assertOneLineUsageError(
        run("backfill", "clickstream", "--from=2026-11-01", "--to=2026-11-02"),
        "cannot be backfilled");
    assertOneLineUsageError(
        run("backfill", "orders-mart", "--from=11/01/2026", "--to=2026-11-02"),
        "--from: expected a date YYYY-MM-DD");
    assertOneLineUsageError(
        run("backfill", "orders-mart", "--from=2026-11-02", "--to=2026-11-01"), "is before --from");
    assertOneLineUsageError(
        run("backfill", "orders-mart", "--to=2026-11-01"),
        "--from=YYYY-MM-DD and --to=YYYY-MM-DD are required");
  }

  /** {@code run orders-mart} from topics o and p of a broker nobody runs, then {@code more}. */
  private int runOrdersMartFromAbsentBroker(String... more) {
    java.util.List<String> args =
        new java.util.ArrayList<>(
            java.util.List.of(
                "run",
                "orders-mart",
                "--source=kafka",
                "--bootstrapServers=127.0.0.1:1",
                "--ordersTopic=o",
                "--productsTopic=p"));
    args.addAll(java.util.List.of(more));
    return run(args.toArray(new String[0]));
  }

  @Test
  public void ordersMartSourceUsageErrorsAreOneLine() throws Exception {
    String output = "--output=" + tmp.newFolder("mart");
    assertOneLineUsageError(run("run", "orders-mart", output), "--orders: required");
    assertOneLineUsageError(
        run("run", "orders-mart", "--source=pulsar", output),
        "--source: expected file or kafka, got 'pulsar'");
    assertOneLineUsageError(
        run("run", "orders-mart", "--source=kafka", output),
        "--bootstrapServers: required with --source=kafka");
    assertOneLineUsageError(
        run("run", "orders-mart", "--source=kafka", "--bootstrapServers=127.0.0.1:1", output),
        "--ordersTopic: required with --source=kafka");
    // Offsets given: nothing is asked of the (absent) broker, the option itself is wrong.
    assertOneLineUsageError(
        runOrdersMartFromAbsentBroker("--kafkaOffsets=o:0:10", output),
        "--kafkaOffsets: expected topic:partition:start-end, got 'o:0:10'");
    assertOneLineUsageError(
        runOrdersMartFromAbsentBroker("--kafkaOffsets=o:0:0-10,x:0:0-5", output),
        "--kafkaOffsets: topic 'x' is neither --ordersTopic (o) nor --productsTopic (p)");
  }

  @Test
  public void aKafkaBrokerNobodyRunsIsOneLineExitTwo() throws Exception {
    // Before: the client's reconnect warnings for 30 s (orders-mart's offsets) or a minute
    // (clickstream's reader), then a timeout.
    assertOneLineUsageError(
        run(
            "run",
            "clickstream",
            "--source=kafka",
            "--bootstrapServers=127.0.0.1:1",
            "--topic=clicks",
            "--output=" + tmp.newFolder("clicks")),
        "--bootstrapServers: no Kafka broker answers at 127.0.0.1:1 (");
    assertOneLineUsageError(
        runOrdersMartFromAbsentBroker("--output=" + tmp.newFolder("mart")),
        "--bootstrapServers: no Kafka broker answers at 127.0.0.1:1 (");
  }

  @Test
  public void pipelineHelpListsOptionsWithDefaults() {
    assertEquals(0, run("run", "clickstream", "--help"));
    assertThat(out, containsString("--input="));
    assertThat(out, containsString("(required)"));
    assertThat(out, containsString("--dedupTtl="));
    assertThat(out, containsString("(default: 24h)"));
  }

  @Test
  public void aSavepointNoRunWouldRestoreIsOneLineExitTwo() throws Exception {
    String input = "--input=" + Testdata.file("clickstream/small.jsonl");
    String savepoint = "--from-savepoint=" + tmp.newFolder("savepoint-0a1b2c-3d4e5f");
    // Beam's Flink runner hands the path only to a job submitted to a cluster: an embedded Flink,
    // another runner or a batch job would start without the state and say nothing.
    assertOneLineUsageError(
        run(
            "run",
            "clickstream",
            "--profile=flink-local",
            "--streaming=true",
            input,
            "--output=" + tmp.newFolder("a"),
            savepoint),
        "--from-savepoint: Beam's Flink runner restores a savepoint only into a job submitted to a"
            + " cluster");
    assertOneLineUsageError(
        run(
            "run",
            "clickstream",
            "--profile=direct",
            input,
            "--output=" + tmp.newFolder("b"),
            savepoint),
        "--from-savepoint: only a Flink job restores a savepoint, and this run uses DirectRunner");
    // Checked before anything is submitted: no cluster listens on this port.
    assertOneLineUsageError(
        run(
            "run",
            "clickstream",
            "--profile=flink-cluster",
            "--flinkMaster=localhost:1",
            input,
            "--output=" + tmp.newFolder("c"),
            savepoint),
        "--from-savepoint: this job reads only bounded input and would run as a Flink batch job");
  }

  @Test
  public void aClusterThatDoesNotAnswerIsOneLineExitTwo() throws Exception {
    // Before: Flink's client retried the submission for a minute, a stack trace per attempt.
    assertOneLineUsageError(
        run(
            "run",
            "clickstream",
            "--profile=flink-cluster",
            "--flinkMaster=localhost:1",
            "--input=" + Testdata.file("clickstream/small.jsonl"),
            "--output=" + tmp.newFolder("out")),
        "--flinkMaster: no Flink REST API answers at http://localhost:1");
  }

  @Test
  public void missingInputIsOneLineExitTwo() {
    assertOneLineUsageError(
        run("run", "clickstream", "--input=/no/such/file", "--output=" + tmp.getRoot()),
        "--input: no file matches '/no/such/file'");
  }

  @Test
  public void anEmptyInputDirectoryIsOneLineExitTwo() throws Exception {
    java.io.File empty = tmp.newFolder("empty-in");
    new java.io.File(empty, "_SUCCESS").createNewFile(); // a marker is not data
    assertOneLineUsageError(
        run("run", "clickstream", "--input=" + empty, "--output=" + tmp.newFolder("out")),
        "--input: directory '" + empty + "' holds no file to read");
  }

  @Test
  public void badLimitsAreOneLineExitTwo() throws Exception {
    String input = io.tributary.pipelines.Testdata.file("clickstream/small.jsonl").toString();
    assertOneLineUsageError(
        run(
            "run",
            "clickstream",
            "--input=" + input,
            "--output=" + tmp.getRoot(),
            "--maxRecordBytes=0"),
        "--maxRecordBytes: expected bytes between 16 and 1073741824, got 0");
    assertOneLineUsageError(
        run(
            "run",
            "clickstream",
            "--input=" + input,
            "--output=" + tmp.getRoot(),
            "--unknownFields=drop"),
        "--unknownFields: expected reject or count, got 'drop'");
  }

  @Test
  public void unknownFlagIsOneLineExitTwo() {
    assertOneLineUsageError(
        run("run", "clickstream", "--bogus=1", "--input=x", "--output=y"),
        "unknown option --bogus");
  }

  @Test
  public void missingRequiredOptionNamesIt() {
    assertOneLineUsageError(run("run", "clickstream", "--output=" + tmp.getRoot()), "--input");
  }

  @Test
  public void unwritableOutputIsOneLineExitTwo() throws Exception {
    Path file = tmp.newFile("not-a-dir").toPath();
    assertOneLineUsageError(
        run(
            "run",
            "clickstream",
            "--input=" + Testdata.file("clickstream/small.jsonl"),
            "--output=" + file.resolve("sub")),
        "--output: cannot create directory");
  }

  @Test
  public void badDurationNamesTheOption() {
    assertOneLineUsageError(
        run(
            "run",
            "clickstream",
            "--input=" + Testdata.file("clickstream/small.jsonl"),
            "--output=" + tmp.getRoot(),
            "--dedupTtl=forever"),
        "--dedupTtl: expected a duration");
  }

  @Test
  public void unknownPipelineAndProfile() {
    assertOneLineUsageError(run("run", "nope"), "unknown pipeline 'nope'");
    assertOneLineUsageError(
        run("run", "clickstream", "--profile=nope", "--input=x", "--output=y"),
        "--profile: 'nope'");
    assertOneLineUsageError(run("frobnicate"), "unknown command 'frobnicate'");
  }

  @Test
  public void jobControlErrorsAreOneLine() {
    assertOneLineUsageError(
        run("jobs", "--flinkMaster=localhost:1"),
        "--flinkMaster: no Flink REST API answers at http://localhost:1");
    assertOneLineUsageError(run("cancel", "not-a-job"), "job id: expected 32 hex digits");
    assertOneLineUsageError(
        run("stop", "0123456789abcdef0123456789abcdef"), "stop: add --savepoint");
    assertOneLineUsageError(run("savepoint"), "savepoint: expected one job id");
  }

  @Test
  public void runsTheSmallSampleAndWritesTheSummary() throws Exception {
    Path output = tmp.newFolder("run").toPath();
    String profile = TestRunners.isFlink() ? "flink-local" : "direct";
    int code =
        run(
            "run",
            "clickstream",
            "--profile=" + profile,
            "--input=" + Testdata.file("clickstream/small.jsonl"),
            "--output=" + output);
    assertEquals(err, 0, code);
    assertThat(
        out,
        containsString(
            "read=1000 = written=983 + dead-lettered=7 + quarantined=0 + deduplicated=10 + too-late=0 [balanced]"));
    String summary = Files.readString(output.resolve("_run_summary.json"));
    assertThat(summary, containsString("\"balanced\" : true"));
    assertThat(summary, containsString("\"decode.not_json\" : 1"));
    assertTrue(Files.isDirectory(output.resolve("aggregates/dt=2026-11-01/hour=00")));
  }
}
