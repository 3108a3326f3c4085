package io.tributary.pipelines.clickstream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.runtime.PipelineRun;
import io.tributary.pipelines.runtime.RunSummary;
import io.tributary.testing.TestRunners;
import io.tributary.transforms.quality.QualitySchemas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.beam.sdk.values.Row;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Clickstream over small.jsonl with testdata/clickstream/checks.json, on this execution's runner:
 * the quality stage quarantines nothing on the sample (so the accounting and the golden aggregates
 * are unchanged), measures every hourly window, and reports the ids warning where a window holds a
 * re-sent duplicate (dedup runs after quality, so quality sees the duplicates).
 */
@RunWith(JUnit4.class)
public class ClickstreamQualityTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void smallSampleWithChecks() throws Exception {
    Path out = tmp.newFolder("out").toPath();
    ClickstreamOptions options = TestRunners.options().as(ClickstreamOptions.class);
    options.setInput(Testdata.file("clickstream/small.jsonl").toString());
    options.setOutput(out.toString());
    options.setChecks(Testdata.file("clickstream/checks.json").toString());
    options.setJobName("quality-test-run");
    if (TestRunners.isFlink()) {
      options.setRunner(org.apache.beam.runners.flink.FlinkRunner.class);
    }
    RunSummary summary = PipelineRun.run(new ClickstreamJob(), options);

    assertEquals(
        "read=1000 = written=983 + dead-lettered=7 + quarantined=0 + deduplicated=10 + too-late=0 [balanced]",
        summary.accounting().line());
    Testdata.assertMatchesGolden("small", out.resolve("aggregates"));
    assertEquals(
        List.of(),
        ClickstreamQuality.read(
            QualitySchemas.QUARANTINE, ClickstreamQuality.quarantineDir(out.toString())));

    List<Row> metrics =
        ClickstreamQuality.read(QualitySchemas.METRIC, out.resolve("quality/metrics"));
    // 48 hourly windows x 11 series (10 metrics, approx_quantiles giving two)
    assertEquals(48 * 11, metrics.size());
    double sizeSum =
        metrics.stream()
            .filter(m -> m.getString("name").equals("Size(*)"))
            .mapToDouble(m -> m.getDouble("value"))
            .sum();
    assertEquals(
        "quality measures what reached it: valid unique + duplicates", 983 + 10, sizeSum, 0);
    Set<String> windowsWithDuplicates =
        metrics.stream()
            .filter(
                m ->
                    m.getString("name").equals("Uniqueness(event_id)")
                        && m.getDouble("value") < 1.0)
            .map(m -> m.getDateTime("window_start").toString())
            .collect(Collectors.toCollection(TreeSet::new));

    List<Row> verification =
        ClickstreamQuality.read(QualitySchemas.VERIFICATION, out.resolve("quality/verification"));
    assertEquals(48 * 4, verification.size());
    Map<String, Long> failures = new TreeMap<>();
    for (Row v : verification) {
      if ("Failure".equals(v.getString("status"))) {
        failures.merge(v.getString("check") + "/" + v.getString("level"), 1L, Long::sum);
      }
    }
    assertTrue(
        "a re-sent duplicate within one hour is expected in small.jsonl",
        !windowsWithDuplicates.isEmpty());
    assertEquals(Map.of("ids/warning", (long) windowsWithDuplicates.size()), failures);

    String report = Files.readString(out.resolve("quality/report.html"));
    assertThat(report, containsString("uniqueness(event_id) == 1"));
    assertTrue(
        Files.isRegularFile(
            out.resolve("quality/repository/dataset=clickstream/run=quality-test-run.jsonl")));
  }
}
