package io.tributary.pipelines.iot;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.runtime.PipelineRun;
import io.tributary.pipelines.runtime.RunSummary;
import io.tributary.pipelines.spec.SpecJob;
import io.tributary.pipelines.spec.SpecOptions;
import io.tributary.testing.TestRunners;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptions;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The spec-only IoT pipeline (pipelines/specs/iot-sensors.yaml) on testdata/iot/readings.jsonl, on
 * the runner of this execution (Direct and Flink): the accounting is exactly the manifest's, term
 * by term, reason by reason and stage by stage ({@link IotSpec#assertManifestAccounting}, which
 * also says what the run's one-line summary still gets wrong), and the lake partitions hold exactly
 * the golden device windows.
 *
 * <p>The spec's PostgreSQL sink needs a database, which IotSpecClusterIT starts; here the spec runs
 * without that one step, cut out of the spec's own text ({@link IotSpec#withoutStep}), so every
 * other step is the showcase's, unchanged. The sink is no term of the accounting (a SINK stage
 * balances on its own), so the numbers are the same with and without it.
 */
@RunWith(JUnit4.class)
public class IotSpecTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void accountingIsTheManifestsAndTheLakeHoldsTheGoldenWindows() throws Exception {
    Path spec = IotSpec.withoutStep(IotSpec.file(), IotSpec.POSTGRES_STEP, tmp.getRoot().toPath());
    assertTrue(
        "the variant has no Postgres step",
        Files.readString(spec).lines().noneMatch(l -> l.contains("PostgresUpsert")));
    Path out = tmp.newFolder("out").toPath();
    SpecJob job =
        SpecJob.load(
            spec,
            List.of(
                "--input=" + Testdata.file("iot/readings.jsonl"),
                "--checks=" + Testdata.file("iot/checks.json"),
                "--devices=" + Testdata.file("iot/devices.jsonl")));
    PipelineOptions options = TestRunners.options();
    options.as(SpecOptions.class).setOutput(out.toString());
    options.setJobName("iot-spec-test-" + TestRunners.current());
    // The test options refuse unstable names; the spec engine gives flag_anomalies (error_handling)
    // a second bad-record handler, and Beam names the parts of every handler alike ("Flatten.
    // PCollections", "Write to error Sink"). A run of the CLI only warns, as here; the engine
    // should
    // name its step handlers apart.
    options.setStableUniqueNames(PipelineOptions.CheckEnabled.WARNING);

    RunSummary summary = PipelineRun.run(job, options);

    assertEquals("DONE", summary.state());
    IotSpec.assertManifestAccounting(new ObjectMapper().readTree(summary.toJson()));

    assertEquals(
        IotSpec.goldenRows(), IotSpec.normalize(Testdata.jsonLines(out.resolve("device_windows"))));
    // The 4 spikes, each with the rule that quarantined it.
    List<String> quarantine = Testdata.jsonLines(out.resolve("quarantine"));
    assertEquals(quarantine.toString(), 4, quarantine.size());
    quarantine.forEach(q -> assertThat(q, containsString("temperature_c_plausible")));
  }
}
