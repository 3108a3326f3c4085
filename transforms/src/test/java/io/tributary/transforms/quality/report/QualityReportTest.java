package io.tributary.transforms.quality.report;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.tributary.transforms.quality.QualitySchemas;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The quality report's data and drawing: checks grouped over windows with their pass rate and rows
 * failing, worst first; the run's status counting quarantine; plot axes that stay within what a
 * metric can take and show the constraint's bound.
 */
@RunWith(JUnit4.class)
public class QualityReportTest {
  static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

  static Row verification(
      String check,
      String level,
      String constraint,
      String metric,
      int hour,
      Double actual,
      boolean ok) {
    Instant start = T0.plus(Duration.standardHours(hour));
    return Row.withSchema(QualitySchemas.VERIFICATION)
        .withFieldValue("dataset", "d")
        .withFieldValue("run_id", "r")
        .withFieldValue("window_start", start)
        .withFieldValue("window_end", start.plus(Duration.standardHours(1)))
        .withFieldValue("check", check)
        .withFieldValue("level", level)
        .withFieldValue("constraint", constraint)
        .withFieldValue("metric", metric)
        .withFieldValue("status", ok ? "Success" : "Failure")
        .withFieldValue("actual", actual)
        .withFieldValue("message", ok ? "" : "value " + actual + " does not meet the requirement")
        .build();
  }

  static Row metric(String name, String kind, int hour, double value) {
    Instant start = T0.plus(Duration.standardHours(hour));
    return Row.withSchema(QualitySchemas.METRIC)
        .withFieldValue("dataset", "d")
        .withFieldValue("run_id", "r")
        .withFieldValue("window_start", start)
        .withFieldValue("window_end", start.plus(Duration.standardHours(1)))
        .withFieldValue("name", name)
        .withFieldValue("metric", kind)
        .withFieldValue("instance", "*")
        .withFieldValue("value", value)
        .build();
  }

  /**
   * Four hourly windows. "contact" (error): completeness(email) >= 0.95 fails in hours 1 (0.9 of 20
   * rows: 2 rows) and 3 (0.5 of 10 rows: 5 rows, the worst). "ids" (warn): uniqueness fails in hour
   * 2. "volume" (error) always holds.
   */
  static List<Row> verifications() {
    List<Row> v = new ArrayList<>();
    double[] completeness = {1.0, 0.9, 0.97, 0.5};
    for (int h = 0; h < 4; h++) {
      v.add(
          verification(
              "contact",
              "error",
              "completeness(email) >= 0.95",
              "Completeness(email)",
              h,
              completeness[h],
              completeness[h] >= 0.95));
      v.add(
          verification(
              "ids",
              "warning",
              "uniqueness(event_id) == 1",
              "Uniqueness(event_id)",
              h,
              h == 2 ? 0.8 : 1.0,
              h != 2));
      v.add(verification("volume", "error", "size >= 1", "Size(*)", h, 10.0, true));
    }
    return v;
  }

  static List<Row> metrics() {
    List<Row> m = new ArrayList<>();
    double[] size = {12, 20, 15, 10};
    double[] completeness = {1.0, 0.9, 0.97, 0.5};
    for (int h = 0; h < 4; h++) {
      m.add(metric("Size(*)", "Size", h, size[h]));
      m.add(metric("Completeness(email)", "Completeness", h, completeness[h]));
      m.add(metric("Uniqueness(event_id)", "Uniqueness", h, h == 2 ? 0.8 : 1.0));
      m.add(metric("Mean(price)", "Mean", h, 10 + h));
    }
    return m;
  }

  @Test
  public void checksAreGroupedOverWindowsWithPassRateAndRowsFailingWorstFirst() {
    List<CheckOutcome> checks = CheckOutcome.of(verifications(), metrics());
    assertEquals(3, checks.size());
    CheckOutcome contact = checks.get(0);
    assertEquals("contact", contact.name());
    assertEquals(CheckOutcome.ERROR, contact.status());
    assertEquals(4, contact.windows());
    assertEquals(2, contact.passedWindows());
    assertEquals(0.5, contact.passRate(), 0);
    assertEquals(Long.valueOf(2 + 5), contact.failingRows());
    assertTrue(contact.failingRowsExact());
    // worst first: 0.5 is further below 0.95 than 0.9
    assertEquals(0.5, contact.results().get(0).getDouble("actual"), 0);
    assertEquals(Long.valueOf(5), contact.rowsFailing(contact.results().get(0)));
    assertEquals(0.9, contact.results().get(1).getDouble("actual"), 0);
    assertEquals("Success", contact.results().get(2).getString("status"));

    CheckOutcome ids = checks.get(1);
    assertEquals(CheckOutcome.WARNING, ids.status());
    assertEquals(0.75, ids.passRate(), 0);
    assertNull("uniqueness is a share of values, not rows: no row count", ids.failingRows());

    CheckOutcome volume = checks.get(2);
    assertEquals(CheckOutcome.SUCCESS, volume.status());
    assertEquals(1.0, volume.passRate(), 0);
    assertEquals(Long.valueOf(0), volume.failingRows());
  }

  @Test
  public void twoFailedConstraintsInAWindowMakeTheRowCountALowerBound() {
    List<Row> v = new ArrayList<>();
    v.add(
        verification(
            "contact",
            "error",
            "completeness(email) >= 0.95",
            "Completeness(email)",
            0,
            0.9,
            false));
    v.add(
        verification(
            "contact",
            "error",
            "pattern_match(email, '@x$') == 1",
            "PatternMatch(email, '@x$')",
            0,
            0.7,
            false));
    List<Row> m = List.of(metric("Size(*)", "Size", 0, 10));
    CheckOutcome c = CheckOutcome.of(v, m).get(0);
    assertEquals(1, c.windows());
    assertEquals(0, c.passedWindows());
    assertEquals(Long.valueOf(3), c.failingRows()); // the larger of 1 and 3
    assertFalse(c.failingRowsExact());
  }

  @Test
  public void statusIsTheWorstCheckAndCountsQuarantine() {
    QualityReport failing =
        QualityReport.builder("d", "r").metrics(List.of(), metrics()).verification(verifications());
    assertEquals("Error", failing.status());
    assertEquals(
        "Error: 2 of 3 checks did not pass (1 Error: contact; 1 Warning: ids) \u00b7 no row"
            + " quarantined",
        failing.statusLine());

    List<Row> passing = new ArrayList<>();
    for (Row r : verifications()) {
      if ("volume".equals(r.getString("check"))) {
        passing.add(r);
      }
    }
    QualityReport clean = QualityReport.builder("d", "r").verification(passing);
    assertEquals("Success", clean.status());
    assertEquals("Success: the check passed \u00b7 no row quarantined", clean.statusLine());

    QualityReport quarantined =
        QualityReport.builder("d", "r")
            .verification(passing)
            .quarantine(12, Map.of("email_shape", 12L, "id_shape", 3L));
    assertEquals("a run that quarantined rows is not a Success", "Warning", quarantined.status());
    assertEquals(
        "Warning: passed with 12 rows quarantined \u00b7 the check passed",
        quarantined.statusLine());
    String html = quarantined.html();
    assertThat(html, containsString("id=\"status\">Warning<"));
    assertThat(html, containsString("class=\"statusline Warning\""));
    assertThat(html, containsString("12 rows quarantined"));
    assertThrows(
        IllegalArgumentException.class,
        () -> QualityReport.builder("d", "r").quarantine(-1, Map.of()));
  }

  @Test
  public void thePageGroupsChecksWithPassRatesThresholdLinesAndFoldedWindows() {
    String html =
        QualityReport.builder("d", "r")
            .metrics(List.of(), metrics())
            .verification(verifications())
            .quarantine(0, Map.of())
            .html();
    assertThat(html, not(containsString("<script")));
    // the summary table: worst first, pass rates, rows failing
    assertThat(html.indexOf(">contact</a>"), lessThan(html.indexOf(">ids</a>")));
    assertThat(html.indexOf(">ids</a>"), lessThan(html.indexOf(">volume</a>")));
    assertThat(html, containsString("2 of 4 passed (50.0 %)"));
    assertThat(html, containsString("3 of 4 passed (75.0 %)"));
    assertThat(html, containsString("<td class=\"n\">7</td>"));
    // one plot per constraint, each with its bound as a dashed line; Mean(price) is "other"
    assertEquals(3, count(html, "class=\"threshold\""));
    assertThat(html, containsString(">&gt;= 95 %</text>"));
    assertThat(html, containsString("Other metrics over windows"));
    assertThat(html, containsString("<h4>Mean(price)</h4>"));
    // failing windows are red points; the per-window rows are folded
    assertEquals(3, count(html, "class=\"failing\""));
    assertEquals(3, count(html, "<details>"));
    assertThat(html, containsString("2 failing windows, worst first; 4 results"));
    assertThat(html, containsString("window start (UTC)"));
    assertThat(html, containsString(">% of rows</text>"));
  }

  @Test
  public void aShareAxisStaysWithinZeroAndOneHundredPercent() {
    PlotAxis full = PlotAxis.of(MetricUnit.SHARE_OF_ROWS, List.of(1.0, 1.0, 1.0), List.of(1.0));
    assertThat(full.hi(), lessThanOrEqualTo(1.0));
    assertThat(full.lo(), lessThan(1.0));
    assertThat(full.lo(), greaterThanOrEqualTo(0.0));
    PlotAxis spread = PlotAxis.of(MetricUnit.SHARE_OF_ROWS, List.of(0.0, 0.02, 1.0), List.of(0.95));
    assertEquals(0.0, spread.lo(), 0);
    assertEquals(1.0, spread.hi(), 0);
    PlotAxis near = PlotAxis.of(MetricUnit.SHARE_OF_VALUES, List.of(0.78, 0.94, 1.0), List.of(1.0));
    assertThat(near.hi(), lessThanOrEqualTo(1.0));
    assertThat(near.lo(), lessThanOrEqualTo(0.78));
    assertThat(near.lo(), greaterThanOrEqualTo(0.5));
    for (double t : near.ticks()) {
      assertThat(t, lessThanOrEqualTo(1.0));
      assertThat(near.label(t), containsString("%"));
    }
  }

  @Test
  public void aCountAxisNeverGoesBelowZeroAndIncludesTheThreshold() {
    PlotAxis zeros = PlotAxis.of(MetricUnit.ROWS, List.of(0.0, 0.0), List.of());
    assertEquals(0.0, zeros.lo(), 0);
    assertThat(zeros.hi(), greaterThanOrEqualTo(1.0));
    PlotAxis small = PlotAxis.of(MetricUnit.ROWS, List.of(3.0, 5.0, 41.0), List.of(1.0, 50.0));
    assertEquals(0.0, small.lo(), 0);
    assertThat(small.hi(), greaterThanOrEqualTo(50.0));
    for (double t : small.ticks()) {
      assertThat(t, greaterThanOrEqualTo(0.0));
      assertEquals("whole ticks for counts", Math.rint(t), t, 0);
    }
    // unbounded values (a mean) may go negative, from the data only
    PlotAxis mean = PlotAxis.of(MetricUnit.VALUE, List.of(-5.0, 5.0), List.of());
    assertThat(mean.lo(), lessThan(-5.0));
  }

  @Test
  public void aValueOutsideTheMetricsRangeIsStillOnTheAxis() {
    PlotAxis odd = PlotAxis.of(MetricUnit.SHARE_OF_ROWS, List.of(0.9), List.of(1.5));
    assertThat(odd.hi(), greaterThanOrEqualTo(1.5));
  }

  @Test
  public void pointsAndThresholdLinesLieInsideThePlot() {
    String html =
        QualityReport.builder("d", "r")
            .metrics(List.of(), metrics())
            .verification(verifications())
            .html();
    Matcher m = Pattern.compile("<(?:circle|line)[^>]* (?:cy|y1)=\"(-?[0-9.]+)\"").matcher(html);
    int n = 0;
    while (m.find()) {
      double y = Double.parseDouble(m.group(1));
      assertThat(y, greaterThanOrEqualTo(0.0));
      assertThat(y, lessThanOrEqualTo((double) SeriesPlot.HEIGHT));
      n++;
    }
    assertThat(n, greaterThanOrEqualTo(16));
  }

  private static int count(String s, String what) {
    return s.split(Pattern.quote(what), -1).length - 1;
  }
}
