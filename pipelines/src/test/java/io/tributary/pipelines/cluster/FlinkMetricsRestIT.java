package io.tributary.pipelines.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.runtime.FlinkRest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Tributary's per-stage metrics in Flink's own metric system: a streaming clickstream job (the
 * bundled jar, {@code --source=watch}) runs on a real standalone Flink cluster
 * (runners-config/flink/cluster.sh), and while it is RUNNING the test reads the counters and the
 * processing-lag distribution back through Flink's REST API ({@code
 * /jobs/<id>/vertices/<vid>/metrics?get=...}), then cancels the job.
 *
 * <p>Runner-explicit (it-direct only): it starts its own cluster and submits the jar itself.
 */
@RunWith(JUnit4.class)
public class FlinkMetricsRestIT {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  // Ports of their own, away from FlinkClusterSubmissionIT's and a developer's 8081.
  private static final String REST_PORT = "18591";
  private static final String RPC_PORT = "16533";
  private static final Pattern SUBMITTED =
      Pattern.compile("submitted clickstream as Flink job ([0-9a-f]{32}) ");
  private static Path state;

  private static ProcessBuilder cluster(String... args) {
    return new ClusterProcesses(state, REST_PORT, RPC_PORT).command(args);
  }

  private static String run(ProcessBuilder pb, long timeoutSeconds) throws Exception {
    return ClusterProcesses.run(pb, timeoutSeconds, TMP.getRoot().toPath(), () -> "");
  }

  @BeforeClass
  public static void startCluster() throws Exception {
    Testdata.assumeClusterExecution();
    state = TMP.newFolder("flink").toPath();
    assertThat(run(cluster("start", "150"), 240), containsString("cluster ready"));
  }

  @AfterClass
  public static void stopCluster() throws Exception {
    if (state != null) {
      run(cluster("stop"), 60);
    }
  }

  @Test
  public void runningJobReportsTributaryCountersAndLagThroughFlinkRest() throws Exception {
    Path in = TMP.newFolder("in").toPath();
    Files.copy(Testdata.file("clickstream/small.jsonl"), in.resolve("part-1.jsonl"));
    Path out = TMP.newFolder("out").toPath();
    String master = "localhost:" + REST_PORT;
    String text =
        run(
            new ProcessBuilder(
                    Testdata.cli(
                        "run",
                        "clickstream",
                        "--profile=flink-cluster",
                        "--flinkMaster=" + master,
                        "--streaming=true",
                        "--source=watch",
                        "--input=" + in + "/*.jsonl",
                        "--pollInterval=1s",
                        "--output=" + out))
                .redirectErrorStream(true),
            300);
    Matcher m = SUBMITTED.matcher(text);
    assertTrue(text, m.find());
    String job = m.group(1);
    FlinkRest rest = new FlinkRest(master);
    try {
      // The whole file is decoded long before the watch ends (it never does): poll until the
      // counters reach their final values for this input, while the job is RUNNING.
      Map<String, Long> counters = new TreeMap<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      while (System.nanoTime() < deadline) {
        assertEquals("RUNNING", rest.state(job));
        counters = sumOverSubtasks(rest.metrics(job, "tributary"));
        // Every vertex's counters, not just the last stage's: Flink's REST API serves each
        // vertex's metrics as its fetcher last saw them, so one vertex can lag behind another
        // (seen once: dedup at 983 while the decode vertex had no counters yet).
        if (counters.getOrDefault("tributary_stage_dedup_out", 0L) >= 983
            && counters.getOrDefault("tributary_stage_decode_in", 0L) >= 1000
            && counters.containsKey("tributary_stage_validate_out")) {
          break;
        }
        Thread.sleep(1000);
      }
      assertEquals(counters.toString(), "RUNNING", rest.state(job));
      assertEquals(
          counters.toString(), Long.valueOf(1000), counters.get("tributary_stage_decode_in"));
      assertEquals(
          counters.toString(), Long.valueOf(995), counters.get("tributary_stage_decode_out"));
      assertEquals(
          counters.toString(),
          Long.valueOf(1),
          counters.get("tributary_dead_letter_decode_not_json"));
      assertEquals(
          counters.toString(), Long.valueOf(993), counters.get("tributary_stage_validate_out"));
      assertEquals(
          counters.toString(), Long.valueOf(983), counters.get("tributary_stage_dedup_out"));
      assertEquals(
          counters.toString(),
          Long.valueOf(10),
          counters.get("tributary_stage_dedup_deduplicated"));
      // the processing-lag distribution: one measurement per record out of dedup; the sample's
      // event times are in the past, so every lag is positive
      assertEquals(
          counters.toString(),
          Long.valueOf(983),
          counters.get("tributary_stage_dedup_lag_ms.count"));
      assertTrue(counters.toString(), counters.get("tributary_stage_dedup_lag_ms.min") > 0);
      assertTrue(
          counters.toString(),
          counters.get("tributary_stage_dedup_lag_ms.max")
              >= counters.get("tributary_stage_dedup_lag_ms.min"));
      // state size, for the cost of a cluster job: the dedup and window state is checkpointed
      // (every 10 s)
      long stateBytes = -1;
      while (stateBytes <= 0 && System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(60)) {
        stateBytes = rest.latestCheckpointStateSize(job);
        Thread.sleep(stateBytes > 0 ? 0 : 1000);
      }
      assertTrue(
          "a completed checkpoint reports its state size, got " + stateBytes, stateBytes > 0);
    } finally {
      rest.cancel(job);
    }
  }

  /**
   * Flink lists an operator metric as {@code <subtask>.<operator>.tributary_<name>}: Beam joins
   * namespace and name with Flink's scope delimiter ({@code .}) and the REST API shows the
   * delimiter inside a name as {@code _} ({@code tributary/stage.dedup.out} becomes {@code
   * tributary_stage_dedup_out}). Sums the subtasks and operators. A Beam distribution is a Flink
   * gauge whose value is {@code DistributionResult{sum=.., count=.., min=.., max=..}}: it becomes
   * {@code .count}, {@code .min} and {@code .max}.
   */
  static Map<String, Long> sumOverSubtasks(Map<String, String> metrics) {
    Map<String, Long> out = new TreeMap<>();
    Pattern name = Pattern.compile(".*\\.(tributary_[a-z0-9_]+)$");
    Pattern distribution =
        Pattern.compile(".*sum=(-?\\d+), count=(\\d+), min=(-?\\d+), max=(-?\\d+).*");
    for (Map.Entry<String, String> e : metrics.entrySet()) {
      Matcher n = name.matcher(e.getKey());
      if (!n.matches()) {
        continue;
      }
      String key = n.group(1);
      Matcher d = distribution.matcher(e.getValue());
      if (d.matches()) {
        out.merge(key + ".count", Long.parseLong(d.group(2)), Long::sum);
        out.merge(key + ".min", Long.parseLong(d.group(3)), Math::min);
        out.merge(key + ".max", Long.parseLong(d.group(4)), Math::max);
        continue;
      }
      try {
        out.merge(key, Long.parseLong(e.getValue().trim()), Long::sum);
      } catch (NumberFormatException ignored) {
        // other gauges are not counters
      }
    }
    return out;
  }
}
