package io.tributary.transforms.quality.report;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;

import io.tributary.transforms.quality.QualitySchemas;
import io.tributary.transforms.quality.repository.JsonLinesMetricsRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class ReportAndRepositoryTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();
  static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

  static Row metric(String run, int hour, double value) {
    Instant start = T0.plus(Duration.standardHours(hour));
    return Row.withSchema(QualitySchemas.METRIC)
        .withFieldValue("dataset", "d")
        .withFieldValue("run_id", run)
        .withFieldValue("window_start", start)
        .withFieldValue("window_end", start.plus(Duration.standardHours(1)))
        .withFieldValue("name", "Size(*)")
        .withFieldValue("metric", "Size")
        .withFieldValue("instance", "*")
        .withFieldValue("value", value)
        .build();
  }

  static Row verification(String status, String level, String constraint) {
    return Row.withSchema(QualitySchemas.VERIFICATION)
        .withFieldValue("dataset", "d")
        .withFieldValue("run_id", "r2")
        .withFieldValue("check", "c")
        .withFieldValue("level", level)
        .withFieldValue("constraint", constraint)
        .withFieldValue("metric", "Size(*)")
        .withFieldValue("status", status)
        .withFieldValue("actual", 1.0)
        .withFieldValue("message", "m <script>")
        .build();
  }

  @Test
  public void repositoryKeepsOneFilePerRunAndReplacesARerun() throws Exception {
    JsonLinesMetricsRepository repo =
        JsonLinesMetricsRepository.at(tmp.getRoot().toPath().resolve("repo"));
    assertEquals(List.of(), repo.load("d"));
    repo.save(List.of(metric("r1", 0, 10), metric("r1", 1, 11)));
    repo.save(List.of(metric("r2", 2, 12)));
    repo.save(List.of(metric("r2", 2, 13))); // the same run again replaces its records
    List<Row> all = repo.load("d");
    assertEquals(3, all.size());
    assertEquals(
        List.of(10.0, 11.0, 13.0),
        all.stream()
            .map(r -> r.getDouble("value"))
            .sorted()
            .collect(java.util.stream.Collectors.toList()));
    assertEquals(List.of(), repo.load("other"));
    assertEquals(
        true,
        java.nio.file.Files.isRegularFile(
            tmp.getRoot().toPath().resolve("repo/dataset=d/run=r2.jsonl")));
  }

  @Test
  public void reportPutsFailuresFirstMarksAnomaliesAndEscapes() {
    List<Row> history = List.of(metric("r1", 0, 10), metric("r1", 1, 11));
    List<Row> current = new ArrayList<>(List.of(metric("r2", 2, 10), metric("r2", 3, 50)));
    Row anomaly =
        Row.withSchema(QualitySchemas.ANOMALY)
            .withFieldValue("dataset", "d")
            .withFieldValue("run_id", "r2")
            .withFieldValue("window_start", T0.plus(Duration.standardHours(3)))
            .withFieldValue("window_end", T0.plus(Duration.standardHours(4)))
            .withFieldValue("metric", "Size(*)")
            .withFieldValue("value", 50.0)
            .withFieldValue("strategy", "k_sigma")
            .withFieldValue("message", "outside")
            .build();
    String html =
        QualityReport.builder("d", "r2")
            .metrics(history, current)
            .verification(
                List.of(
                    verification("Success", "error", "size >= 1"),
                    verification("Failure", "warning", "size <= 20")))
            .anomalies(List.of(anomaly))
            .quarantine(2, Map.of("id_shape", 2L))
            .html();
    assertThat(html, containsString("id=\"status\">Warning<"));
    // The failing constraint's results come before the passing one's (a window, two constraints).
    assertThat(html.indexOf("<td>Failure</td>"), lessThan(html.indexOf("<td>Success</td>")));
    assertThat(html, containsString("class=\"anomaly\""));
    assertThat(html, containsString("m &lt;script&gt;"));
    assertThat(html, not(containsString("<script")));
    assertThat(html, containsString("<td>id_shape</td><td>2</td>"));
    // one plot per constraint of check "c" (the metric's series, with its bound); no other metric
    assertEquals(2, html.split("<svg", -1).length - 1);
  }
}
