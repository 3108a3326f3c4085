package io.tributary.transforms.quality.report;

import io.tributary.transforms.quality.anomaly.DetectAnomaliesFn;
import io.tributary.transforms.quality.constraints.Constraint;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.ReadableInstant;

/**
 * Renders one run's quality results as a self-contained static HTML page: inline CSS and inline
 * SVG, no script and nothing fetched, so it opens from a file, an e-mail or an artifact store.
 *
 * <p>The page leads with the run's status in Deequ's vocabulary ({@code Success}, {@code Warning},
 * {@code Error}: the worst of its checks', see {@link CheckOutcome}) and one line that says how
 * many checks failed or warned and how many rows were quarantined. Deequ has no quarantine; here a
 * run that quarantined rows is never {@code Success}: with every check passing it is {@code
 * Warning}, "passed with N rows quarantined". Then one section per check, worst first: its pass
 * rate (windows where every constraint held / all windows) and the rows behind its failures where
 * the metric says, a plot per constraint with the constraint's bound drawn as a dashed line and the
 * failing windows in red, and the per-window results folded in a {@code <details>} element, worst
 * first. Then the anomalies, the quarantine counts per rule, and a plot of every other metric.
 * Earlier runs' points are grey, anomalies have a red ring; value axes span the data and the
 * bounds, never beyond what the metric can take (no negative count, no share above 100 %), with the
 * unit named; the horizontal axis is the windows' start time (UTC).
 *
 * <pre>{@code
 * String html = QualityReport.builder("clickstream", runId)
 *     .metrics(history, metricsOfThisRun).verification(results).anomalies(anomalies)
 *     .quarantine(3, Map.of("event_id_shape", 3L)).html();
 * Files.writeString(Path.of("report.html"), html);
 * }</pre>
 */
public final class QualityReport {
  private final String dataset;
  private final String runId;
  private final List<Row> history = new ArrayList<>();
  private final List<Row> metrics = new ArrayList<>();
  private final List<Row> verification = new ArrayList<>();
  private final List<Row> anomalies = new ArrayList<>();
  private final Map<String, Long> quarantine = new LinkedHashMap<>();
  private long quarantinedRows;

  private QualityReport(String dataset, String runId) {
    this.dataset = dataset;
    this.runId = runId;
  }

  /** A report for one run of {@code dataset}. */
  public static QualityReport builder(String dataset, String runId) {
    return new QualityReport(dataset, runId);
  }

  /** Metric records: earlier runs' (drawn grey, may be empty) and this run's. */
  public QualityReport metrics(List<Row> earlier, List<Row> current) {
    history.addAll(earlier);
    metrics.addAll(current);
    return this;
  }

  /** Verification records of this run. */
  public QualityReport verification(List<Row> rows) {
    verification.addAll(rows);
    return this;
  }

  /** Anomaly records of this run. */
  public QualityReport anomalies(List<Row> rows) {
    anomalies.addAll(rows);
    return this;
  }

  /**
   * The quarantine: {@code rows} quarantined rows, and how many of them failed each rule (a row
   * that failed two rules counts under both).
   */
  public QualityReport quarantine(long rows, Map<String, Long> failuresByRule) {
    if (rows < 0) {
      throw new IllegalArgumentException(
          "QualityReport.quarantine: rows must be >= 0, got " + rows);
    }
    quarantinedRows = rows;
    quarantine.putAll(failuresByRule);
    return this;
  }

  /**
   * Quarantined rows per failed rule, without the number of rows.
   *
   * @deprecated Use {@link #quarantine(long, Map)}: a row that failed two rules counts twice here,
   *     so the page can only say that rows were quarantined, not how many.
   */
  @Deprecated
  public QualityReport quarantine(Map<String, Long> countsByRule) {
    quarantine.putAll(countsByRule);
    quarantinedRows = -1;
    return this;
  }

  /** The checks of this run, worst first. */
  public List<CheckOutcome> checks() {
    return CheckOutcome.of(verification, metrics);
  }

  private long ruleFailures() {
    return quarantine.values().stream().mapToLong(Long::longValue).sum();
  }

  private boolean quarantined() {
    return quarantinedRows > 0 || (quarantinedRows < 0 && ruleFailures() > 0);
  }

  /**
   * The run's status: the worst of its checks' ({@code Error}, {@code Warning}, {@code Success}),
   * and at least {@code Warning} when rows were quarantined.
   */
  public String status() {
    String worst = CheckOutcome.SUCCESS;
    for (CheckOutcome c : checks()) {
      if (CheckOutcome.rank(c.status()) < CheckOutcome.rank(worst)) {
        worst = c.status();
      }
    }
    return CheckOutcome.SUCCESS.equals(worst) && quarantined() ? CheckOutcome.WARNING : worst;
  }

  /**
   * The status with what it counts, e.g. {@code Error: 2 of 3 checks did not pass (1 Error:
   * contact; 1 Warning: ids) · 12 rows quarantined} or {@code Warning: passed with 12 rows
   * quarantined · all 3 checks passed}.
   */
  public String statusLine() {
    List<CheckOutcome> checks = checks();
    List<String> errors = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    for (CheckOutcome c : checks) {
      if (CheckOutcome.ERROR.equals(c.status())) {
        errors.add(c.name());
      } else if (CheckOutcome.WARNING.equals(c.status())) {
        warnings.add(c.name());
      }
    }
    String quarantinePart =
        quarantinedRows > 0
            ? quarantinedRows + (quarantinedRows == 1 ? " row" : " rows") + " quarantined"
            : quarantined()
                ? "rows quarantined (" + ruleFailures() + " rule failures)"
                : "no row quarantined";
    String checksPart;
    if (checks.isEmpty()) {
      checksPart = "no checks ran";
    } else if (errors.isEmpty() && warnings.isEmpty()) {
      checksPart =
          checks.size() == 1 ? "the check passed" : "all " + checks.size() + " checks passed";
    } else {
      List<String> parts = new ArrayList<>();
      if (!errors.isEmpty()) {
        parts.add(errors.size() + " Error: " + String.join(", ", errors));
      }
      if (!warnings.isEmpty()) {
        parts.add(warnings.size() + " Warning: " + String.join(", ", warnings));
      }
      checksPart =
          (errors.size() + warnings.size())
              + " of "
              + checks.size()
              + (checks.size() == 1 ? " check" : " checks")
              + " did not pass ("
              + String.join("; ", parts)
              + ")";
    }
    String status = status();
    if (quarantined() && errors.isEmpty() && warnings.isEmpty()) {
      return status + ": passed with " + quarantinePart + " \u00b7 " + checksPart;
    }
    return status + ": " + checksPart + " \u00b7 " + quarantinePart;
  }

  /** The page. */
  public String html() {
    StringBuilder b = new StringBuilder();
    List<CheckOutcome> checks = checks();
    String status = status();
    long failed = verification.stream().filter(CheckOutcome::failed).count();
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>Quality report: ")
        .append(esc(dataset))
        .append("</title>\n<style>")
        .append(
            "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#1b1f24;background:#fff;max-width:1320px}")
        .append(
            "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}")
        .append("h3{font-size:15px;margin:0 0 6px}")
        .append(
            ".meta{color:#57606a;font-size:13px}.badge{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-weight:600;font-size:13px}")
        .append("h1 .badge{font-size:18px}")
        .append(
            ".Success{background:#1a7f37}.Warning{background:#9a6700}.Error{background:#cf222e}")
        .append(
            ".statusline{font-size:15px;margin:8px 0;padding:8px 12px;border-radius:6px;border-left:6px solid}")
        .append(
            ".statusline.Success{background:#dafbe1;border-color:#1a7f37}.statusline.Warning{background:#fff8c5;border-color:#9a6700}.statusline.Error{background:#ffebe9;border-color:#cf222e}")
        .append(
            "table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}")
        .append(
            "th{background:#f6f8fa}tr.fail td{background:#ffebe9}tr.warnfail td{background:#fff8c5}td.n{text-align:right}")
        .append(
            ".rate{display:inline-block;width:120px;height:10px;background:#ffebe9;border:1px solid #d0d7de;vertical-align:middle;margin-right:6px}")
        .append(".rate span{display:block;height:100%;background:#1a7f37}")
        .append(
            ".check{border:1px solid #d0d7de;border-radius:6px;padding:10px 12px;margin:12px 0}")
        .append(
            ".plots{display:flex;flex-wrap:wrap;gap:12px}.plot{border:1px solid #d0d7de;border-radius:6px;padding:6px;background:#fff}")
        .append(
            ".plot h4{font-size:12px;margin:0 0 4px;font-weight:600;max-width:420px;overflow-wrap:anywhere}")
        .append("details{margin-top:8px}summary{cursor:pointer;font-size:13px}")
        .append("</style></head><body>\n");
    b.append("<h1>Quality report: ")
        .append(esc(dataset))
        .append(" <span class=\"badge ")
        .append(status)
        .append("\" id=\"status\">")
        .append(status)
        .append("</span></h1>\n");
    b.append("<p id=\"status-line\" class=\"statusline ")
        .append(status)
        .append("\">")
        .append(esc(statusLine()))
        .append("</p>\n");
    b.append("<p class=\"meta\">run ")
        .append(esc(runId))
        .append(" &middot; ")
        .append(checks.size())
        .append(" checks, ")
        .append(verification.size())
        .append(" constraint results, <b id=\"failures\">")
        .append(failed)
        .append(" failed</b> &middot; ")
        .append(anomalies.size())
        .append(" anomalies &middot; ")
        .append(metrics.size())
        .append(" metric values</p>\n");

    Set<String> flagged = new HashSet<>();
    for (Row a : anomalies) {
      flagged.add(a.getString("metric") + "@" + window(a));
    }
    List<Row> all = new ArrayList<>(history);
    all.addAll(metrics);
    all.sort(DetectAnomaliesFn.ORDER);

    b.append("<h2>Checks</h2>\n");
    if (checks.isEmpty()) {
      b.append("<p class=\"meta\">no constraint was checked</p>\n");
    } else {
      b.append(
          "<table id=\"checks\"><tr><th>status</th><th>check</th><th>level</th><th>pass rate (windows)</th>"
              + "<th>failed windows</th><th>rows failing</th></tr>\n");
      int i = 0;
      for (CheckOutcome c : checks) {
        b.append("<tr class=\"")
            .append(rowClass(c.status()))
            .append("\"><td><span class=\"badge ")
            .append(c.status())
            .append("\">")
            .append(c.status())
            .append("</span></td><td><a href=\"#check-")
            .append(i++)
            .append("\">")
            .append(esc(c.name()))
            .append("</a></td><td>")
            .append(esc(c.level()))
            .append("</td><td class=\"passrate\">")
            .append(rateBar(c))
            .append("</td><td class=\"n\">")
            .append(c.failedWindows())
            .append("</td><td class=\"n\">")
            .append(rows(c))
            .append("</td></tr>\n");
      }
      b.append("</table>\n");
      i = 0;
      Set<String> plotted = new HashSet<>();
      for (CheckOutcome c : checks) {
        checkSection(b, c, i++, all, flagged, plotted);
      }
      plotsOfOtherMetrics(b, all, flagged, plotted);
    }
    if (checks.isEmpty()) {
      plotsOfOtherMetrics(b, all, flagged, new HashSet<>());
    }

    b.append("<h2>Anomalies</h2>\n");
    if (anomalies.isEmpty()) {
      b.append("<p class=\"meta\">none</p>\n");
    } else {
      b.append(
          "<table id=\"anomalies\"><tr><th>metric</th><th>window</th><th>value</th><th>strategy</th><th>message</th></tr>\n");
      for (Row a : anomalies) {
        b.append("<tr class=\"fail\"><td>")
            .append(esc(a.getString("metric")))
            .append("</td><td>")
            .append(esc(window(a)))
            .append("</td><td>")
            .append(num(a.getDouble("value")))
            .append("</td><td>")
            .append(esc(a.getString("strategy")))
            .append("</td><td>")
            .append(esc(a.getString("message")))
            .append("</td></tr>\n");
      }
      b.append("</table>\n");
    }

    b.append("<h2>Quarantine</h2>\n");
    if (quarantine.isEmpty() && quarantinedRows <= 0) {
      b.append("<p class=\"meta\">no row failed a rule</p>\n");
    } else {
      b.append("<p id=\"quarantined\">")
          .append(
              quarantinedRows >= 0
                  ? quarantinedRows + " rows quarantined"
                  : "rows quarantined (their number was not given)")
          .append("; rows per failed rule (a row that failed two rules counts under both):</p>\n");
      b.append("<table id=\"quarantine\"><tr><th>rule</th><th>rows</th></tr>\n");
      quarantine.forEach(
          (rule, n) ->
              b.append("<tr><td>")
                  .append(esc(rule))
                  .append("</td><td>")
                  .append(n)
                  .append("</td></tr>\n"));
      b.append("</table>\n");
    }
    b.append("</body></html>\n");
    return b.toString();
  }

  private static String rowClass(String status) {
    return CheckOutcome.ERROR.equals(status)
        ? "fail"
        : CheckOutcome.WARNING.equals(status) ? "warnfail" : "ok";
  }

  private static String rateBar(CheckOutcome c) {
    return "<span class=\"rate\" title=\"passed windows / all windows\"><span style=\"width:"
        + String.format(Locale.ROOT, "%.1f", c.passRate() * 100)
        + "%\"></span></span>"
        + c.passedWindows()
        + " of "
        + c.windows()
        + " passed ("
        + String.format(Locale.ROOT, "%.1f %%", c.passRate() * 100)
        + ")";
  }

  private static String rows(CheckOutcome c) {
    Long n = c.failingRows();
    if (n == null) {
      return "<span title=\"the failed metrics do not count rows\">not known</span>";
    }
    return (c.failingRowsExact() ? "" : "&ge; ") + n;
  }

  private void checkSection(
      StringBuilder b,
      CheckOutcome c,
      int index,
      List<Row> all,
      Set<String> flagged,
      Set<String> plotted) {
    b.append("<section class=\"check\" id=\"check-")
        .append(index)
        .append("\"><h3><span class=\"badge ")
        .append(c.status())
        .append("\">")
        .append(c.status())
        .append("</span> ")
        .append(esc(c.name()))
        .append(" <span class=\"meta\">")
        .append(esc(c.level()))
        .append(" check &middot; ")
        .append(c.passedWindows())
        .append(" of ")
        .append(c.windows())
        .append(" windows passed")
        .append(c.failedWindows() == 0 ? "" : " &middot; rows failing: " + rows(c))
        .append("</span></h3>\n<div class=\"plots\">\n");
    for (String text : c.constraints()) {
      Row example = null;
      Set<String> failing = new HashSet<>();
      for (Row v : c.results()) {
        if (text.equals(v.getString("constraint"))) {
          example = example == null ? v : example;
          if (CheckOutcome.failed(v)) {
            failing.add(window(v));
          }
        }
      }
      if (example == null) {
        continue;
      }
      String metric = example.getString("metric");
      plotted.add(metric);
      Constraint constraint = CheckOutcome.constraint(example);
      MetricUnit unit =
          constraint == null ? unitOf(metric, all) : MetricUnit.of(constraint.metric().kind());
      List<SeriesPlot.Point> points = new ArrayList<>();
      for (Row m : all) {
        if (metric.equals(m.getString("name"))) {
          points.add(point(m, m.getDouble("value"), failing, flagged, metric));
        }
      }
      if (points.isEmpty()) {
        // No metric records given: the constraint's own view of the value.
        for (Row v : c.results()) {
          if (text.equals(v.getString("constraint"))) {
            points.add(point(v, v.getDouble("actual"), failing, flagged, metric));
          }
        }
        points.sort(Comparator.comparing(p -> p.time == null ? Long.MIN_VALUE : p.time));
      }
      b.append("<div class=\"plot constraint\"><h4><code>")
          .append(esc(text))
          .append("</code> &middot; ")
          .append(failing.size())
          .append(failing.size() == 1 ? " failing window" : " failing windows")
          .append("</h4>")
          .append(SeriesPlot.svg(text, unit, points, thresholds(constraint, unit)))
          .append("</div>\n");
    }
    b.append("</div>\n");
    // The per-window results stay one click away (no script needed), worst first.
    b.append("<details><summary>")
        .append(c.failedWindows() == 0 ? "" : c.failedWindows() + " failing windows, worst first; ")
        .append(c.results().size())
        .append(" results</summary><table class=\"results\">")
        .append(
            "<tr><th>status</th><th>window</th><th>constraint</th><th>actual</th><th>rows failing</th><th>message</th></tr>\n");
    for (Row v : c.results()) {
      boolean fail = CheckOutcome.failed(v);
      Long n = c.rowsFailing(v);
      b.append("<tr class=\"")
          .append(fail ? ("error".equals(v.getString("level")) ? "fail" : "warnfail") : "ok")
          .append("\"><td>")
          .append(esc(v.getString("status")))
          .append("</td><td>")
          .append(esc(window(v)))
          .append("</td><td><code>")
          .append(esc(v.getString("constraint")))
          .append("</code></td><td class=\"n\">")
          .append(v.getDouble("actual") == null ? "undefined" : num(v.getDouble("actual")))
          .append("</td><td class=\"n\">")
          .append(n == null ? "" : String.valueOf(n))
          .append("</td><td>")
          .append(esc(v.getString("message")))
          .append("</td></tr>\n");
    }
    b.append("</table></details></section>\n");
  }

  private void plotsOfOtherMetrics(
      StringBuilder b, List<Row> all, Set<String> flagged, Set<String> plotted) {
    Map<String, List<SeriesPlot.Point>> series = new LinkedHashMap<>();
    Map<String, MetricUnit> units = new LinkedHashMap<>();
    Set<String> current = new HashSet<>();
    for (Row m : metrics) {
      current.add(m.getString("name"));
    }
    for (Row m : all) {
      String name = m.getString("name");
      if (current.contains(name) && !plotted.contains(name)) {
        series
            .computeIfAbsent(name, k -> new ArrayList<>())
            .add(point(m, m.getDouble("value"), Set.of(), flagged, name));
        units.putIfAbsent(name, MetricUnit.of(MetricUnit.kind(m.getString("metric"))));
      }
    }
    if (series.isEmpty()) {
      return;
    }
    b.append("<h2>Other metrics over windows</h2>\n<div class=\"plots\">\n");
    for (Map.Entry<String, List<SeriesPlot.Point>> e : series.entrySet()) {
      b.append("<div class=\"plot\"><h4>")
          .append(esc(e.getKey()))
          .append("</h4>")
          .append(SeriesPlot.svg(e.getKey(), units.get(e.getKey()), e.getValue(), List.of()))
          .append("</div>\n");
    }
    b.append("</div>\n");
  }

  private static MetricUnit unitOf(String metricName, List<Row> all) {
    for (Row m : all) {
      if (metricName.equals(m.getString("name"))) {
        return MetricUnit.of(MetricUnit.kind(m.getString("metric")));
      }
    }
    return MetricUnit.VALUE;
  }

  private SeriesPlot.Point point(
      Row r, @Nullable Double value, Set<String> failing, Set<String> flagged, String metric) {
    ReadableInstant start = r.getDateTime("window_start");
    boolean mine = runId.equals(r.getString("run_id"));
    String w = window(r);
    return new SeriesPlot.Point(
        start == null ? null : start.getMillis(),
        mine ? w : w + " (run " + r.getString("run_id") + ")",
        value,
        mine,
        mine && failing.contains(w),
        mine && flagged.contains(metric + "@" + w));
  }

  /** The bounds of {@code c} as lines: one for a comparison, two for {@code between}. */
  static List<SeriesPlot.Threshold> thresholds(@Nullable Constraint c, MetricUnit unit) {
    if (c == null) {
      return List.of();
    }
    if (c.op() == Constraint.Op.BETWEEN) {
      return List.of(
          new SeriesPlot.Threshold(c.bound(), ">= " + show(unit, c.bound())),
          new SeriesPlot.Threshold(c.upperBound(), "<= " + show(unit, c.upperBound())));
    }
    return List.of(
        new SeriesPlot.Threshold(c.bound(), c.op().symbol() + " " + show(unit, c.bound())));
  }

  private static String show(MetricUnit unit, double v) {
    return unit.percent() ? num(v * 100) + " %" : num(v);
  }

  /** The window as text: its start, or "whole input (run X)" in the global window. */
  static String window(Row r) {
    ReadableInstant start =
        r.getSchema().hasField("window_start") ? r.getDateTime("window_start") : null;
    if (start == null) {
      return "whole input"
          + (r.getSchema().hasField("run_id") ? " (" + r.getString("run_id") + ")" : "");
    }
    String s = start.toInstant().toString();
    return s.endsWith(":00.000Z") ? s.substring(0, s.length() - 8).replace('T', ' ') : s;
  }

  private static String num(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return String.valueOf((long) v);
    }
    return String.format(Locale.ROOT, "%.4g", v);
  }

  static String esc(String s) {
    if (s == null) {
      return "";
    }
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;")
        .replace("'", "&#39;");
  }
}
