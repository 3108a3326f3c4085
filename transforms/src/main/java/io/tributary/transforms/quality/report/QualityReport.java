package io.tributary.transforms.quality.report;

import io.tributary.transforms.quality.anomaly.DetectAnomaliesFn;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.values.Row;
import org.joda.time.ReadableInstant;

/**
 * Renders one run's quality results as a self-contained static HTML page: inline CSS and inline
 * SVG, no script and nothing fetched, so it opens from a file, an e-mail or an artifact store.
 *
 * <p>Sections: a summary line; the failed constraint results (errors before warnings), then the
 * passed ones folded in a {@code <details>} element; the anomalies; quarantine counts per rule; and
 * one line plot per metric over its windows, with earlier runs' points in grey and anomalies marked
 * by a red ring.
 *
 * <pre>{@code
 * String html = QualityReport.builder("clickstream", runId)
 *     .metrics(history, metricsOfThisRun).verification(results).anomalies(anomalies)
 *     .quarantine(Map.of("event_id_shape", 3L)).html();
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

  /** Quarantined rows per failed rule. */
  public QualityReport quarantine(Map<String, Long> countsByRule) {
    quarantine.putAll(countsByRule);
    return this;
  }

  /** The page. */
  public String html() {
    StringBuilder b = new StringBuilder();
    long failed =
        verification.stream().filter(v -> "Failure".equals(v.getString("status"))).count();
    long failedErrors =
        verification.stream()
            .filter(
                v ->
                    "Failure".equals(v.getString("status")) && "error".equals(v.getString("level")))
            .count();
    String status = failedErrors > 0 ? "Error" : failed > 0 ? "Warning" : "Success";
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>Quality report: ")
        .append(esc(dataset))
        .append("</title>\n<style>")
        .append(
            "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#1b1f24;background:#fff}")
        .append(
            "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}")
        .append(
            ".meta{color:#57606a;font-size:13px}.badge{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-weight:600}")
        .append(
            ".Success{background:#1a7f37}.Warning{background:#9a6700}.Error{background:#cf222e}")
        .append(
            "table{border-collapse:collapse;font-size:13px;width:100%}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}")
        .append(
            "th{background:#f6f8fa}tr.fail td{background:#ffebe9}tr.warnfail td{background:#fff8c5}")
        .append(
            ".plots{display:flex;flex-wrap:wrap;gap:12px}.plot{border:1px solid #d0d7de;border-radius:6px;padding:6px}")
        .append(
            ".plot h3{font-size:12px;margin:0 0 4px;font-weight:600;max-width:380px;overflow-wrap:anywhere}")
        .append("</style></head><body>\n");
    b.append("<h1>Quality report: ")
        .append(esc(dataset))
        .append(" <span class=\"badge ")
        .append(status)
        .append("\" id=\"status\">")
        .append(status)
        .append("</span></h1>\n");
    b.append("<p class=\"meta\">run ")
        .append(esc(runId))
        .append(" &middot; ")
        .append(verification.size())
        .append(" constraint results, <b id=\"failures\">")
        .append(failed)
        .append(" failed</b> &middot; ")
        .append(anomalies.size())
        .append(" anomalies &middot; ")
        .append(quarantine.values().stream().mapToLong(Long::longValue).sum())
        .append(" rule failures in quarantine &middot; ")
        .append(metrics.size())
        .append(" metric values</p>\n");

    List<Row> sorted = new ArrayList<>(verification);
    sorted.sort(
        Comparator.comparing((Row v) -> "Failure".equals(v.getString("status")) ? 0 : 1)
            .thenComparing(v -> "error".equals(v.getString("level")) ? 0 : 1)
            .thenComparing(v -> v.getString("check"))
            .thenComparing(v -> window(v)));
    List<Row> failures = new ArrayList<>();
    List<Row> passes = new ArrayList<>();
    for (Row v : sorted) {
      ("Failure".equals(v.getString("status")) ? failures : passes).add(v);
    }
    b.append("<h2>Verification results</h2>\n");
    b.append("<table id=\"verification\">").append(HEADER);
    failures.forEach(v -> resultRow(b, v));
    if (failures.isEmpty()) {
      b.append("<tr class=\"ok\"><td colspan=\"7\">every constraint holds</td></tr>\n");
    }
    b.append("</table>\n");
    // Passed results stay one click away (no script needed) so the plots fit on the first screen.
    b.append("<details><summary>")
        .append(passes.size())
        .append(" passed constraint results</summary>")
        .append("<table id=\"passed\">")
        .append(HEADER);
    passes.forEach(v -> resultRow(b, v));
    b.append("</table></details>\n");

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
    if (quarantine.isEmpty()) {
      b.append("<p class=\"meta\">no row failed a rule</p>\n");
    } else {
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

    b.append("<h2>Metrics over windows</h2>\n<div class=\"plots\">\n");
    Map<String, List<Row>> series = new LinkedHashMap<>();
    List<Row> all = new ArrayList<>(history);
    all.addAll(metrics);
    all.sort(DetectAnomaliesFn.ORDER);
    Set<String> current = new HashSet<>();
    for (Row m : metrics) {
      current.add(m.getString("name"));
    }
    for (Row m : all) {
      if (current.contains(m.getString("name"))) {
        series.computeIfAbsent(m.getString("name"), k -> new ArrayList<>()).add(m);
      }
    }
    Set<String> flagged = new HashSet<>();
    for (Row a : anomalies) {
      flagged.add(a.getString("metric") + "@" + window(a));
    }
    for (Map.Entry<String, List<Row>> e : series.entrySet()) {
      b.append(plot(e.getKey(), e.getValue(), flagged));
    }
    b.append("</div>\n</body></html>\n");
    return b.toString();
  }

  private static final String HEADER =
      "<tr><th>status</th><th>check</th><th>level</th><th>constraint</th>"
          + "<th>window</th><th>actual</th><th>message</th></tr>\n";

  private static void resultRow(StringBuilder b, Row v) {
    boolean fail = "Failure".equals(v.getString("status"));
    b.append("<tr class=\"")
        .append(fail ? ("error".equals(v.getString("level")) ? "fail" : "warnfail") : "ok")
        .append("\"><td>")
        .append(esc(v.getString("status")))
        .append("</td><td>")
        .append(esc(v.getString("check")))
        .append("</td><td>")
        .append(esc(v.getString("level")))
        .append("</td><td><code>")
        .append(esc(v.getString("constraint")))
        .append("</code></td><td>")
        .append(esc(window(v)))
        .append("</td><td>")
        .append(v.getDouble("actual") == null ? "undefined" : num(v.getDouble("actual")))
        .append("</td><td>")
        .append(esc(v.getString("message")))
        .append("</td></tr>\n");
  }

  private String plot(String name, List<Row> points, Set<String> flagged) {
    int w = 380;
    int h = 130;
    int left = 52;
    int right = 8;
    int top = 8;
    int bottom = 22;
    double min = Double.MAX_VALUE;
    double max = -Double.MAX_VALUE;
    for (Row p : points) {
      Double v = p.getDouble("value");
      if (v != null) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    StringBuilder s =
        new StringBuilder("<div class=\"plot\"><h3>").append(esc(name)).append("</h3>");
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(w)
        .append("\" height=\"")
        .append(h)
        .append("\" role=\"img\" aria-label=\"")
        .append(esc(name))
        .append("\">");
    s.append("<rect x=\"")
        .append(left)
        .append("\" y=\"")
        .append(top)
        .append("\" width=\"")
        .append(w - left - right)
        .append("\" height=\"")
        .append(h - top - bottom)
        .append("\" fill=\"#f6f8fa\"/>");
    if (min == Double.MAX_VALUE) {
      s.append("<text x=\"")
          .append(left + 8)
          .append("\" y=\"")
          .append(h / 2)
          .append("\" font-size=\"12\">undefined in every window</text>");
      return s.append("</svg></div>\n").toString();
    }
    if (max == min) {
      max = min + Math.max(1e-9, Math.abs(min) * 0.05 + 0.5);
      min = min - (max - min);
    }
    int n = points.size();
    StringBuilder line = new StringBuilder();
    StringBuilder dots = new StringBuilder();
    for (int i = 0; i < n; i++) {
      Row p = points.get(i);
      Double v = p.getDouble("value");
      if (v == null) {
        continue;
      }
      double x =
          left + (n == 1 ? (w - left - right) / 2.0 : i * (w - left - right) / (double) (n - 1));
      double y = top + (h - top - bottom) * (1 - (v - min) / (max - min));
      line.append(line.length() == 0 ? "" : " ").append(fmt(x)).append(',').append(fmt(y));
      boolean mine = runId.equals(p.getString("run_id"));
      boolean anomaly = mine && flagged.contains(name + "@" + window(p));
      dots.append("<circle cx=\"")
          .append(fmt(x))
          .append("\" cy=\"")
          .append(fmt(y))
          .append("\" r=\"2.5\" fill=\"")
          .append(mine ? "#0969da" : "#8c959f")
          .append("\"><title>")
          .append(esc(window(p)))
          .append(": ")
          .append(num(v))
          .append("</title></circle>");
      if (anomaly) {
        dots.append("<circle class=\"anomaly\" cx=\"")
            .append(fmt(x))
            .append("\" cy=\"")
            .append(fmt(y))
            .append("\" r=\"7\" fill=\"none\" stroke=\"#cf222e\" stroke-width=\"2\"/>");
      }
    }
    s.append("<polyline fill=\"none\" stroke=\"#0969da\" stroke-width=\"1.5\" points=\"")
        .append(line)
        .append("\"/>");
    s.append(dots);
    s.append(label(4, top + 10, num(max))).append(label(4, h - bottom, num(min)));
    s.append(label(left, h - 6, window(points.get(0))));
    if (n > 1) {
      s.append("<text x=\"")
          .append(w - right)
          .append("\" y=\"")
          .append(h - 6)
          .append("\" font-size=\"10\" fill=\"#57606a\" text-anchor=\"end\">")
          .append(esc(window(points.get(n - 1))))
          .append("</text>");
    }
    return s.append("</svg></div>\n").toString();
  }

  private static String label(int x, int y, String text) {
    return "<text x=\""
        + x
        + "\" y=\""
        + y
        + "\" font-size=\"10\" fill=\"#57606a\">"
        + esc(text)
        + "</text>";
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

  private static String fmt(double d) {
    return String.format(Locale.ROOT, "%.1f", d);
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
