package io.tributary.pipelines.runtime;

import io.tributary.transforms.lineage.DataQuality;
import io.tributary.transforms.lineage.LineageDataset;
import io.tributary.transforms.metrics.StageAccounting;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The run report: a self-contained HTML page ({@code <output>/_run_report.html}, no scripts, no
 * network) with the run's state and accounting, metrics per stage, dead letters by reason, quality
 * results, cost, and the run's lineage graph as inline SVG. {@code PipelineRun} writes it after
 * every run; {@code _run_summary.json} holds the same numbers as JSON.
 *
 * <pre>{@code
 * RunSummary summary = PipelineRun.run(job, options);
 * // open <output>/_run_report.html in a browser
 * }</pre>
 */
public final class RunReport {
  /** File name of the report in the output directory. */
  public static final String FILE_NAME = "_run_report.html";

  private RunReport() {}

  /**
   * The page. {@code inputs} may carry quality results ({@link LineageDataset#quality()}); {@code
   * lineageSvg} is the graph of the run's events ({@link LineageGraph#svg()}).
   */
  public static String html(RunSummary s, List<LineageDataset> inputs, String lineageSvg) {
    return html(s, inputs, lineageSvg, "");
  }

  /**
   * The report, with {@code pipelineSvg} (the job's own graph, e.g. a spec's steps; empty for none)
   * before the lineage.
   */
  public static String html(
      RunSummary s, List<LineageDataset> inputs, String lineageSvg, String pipelineSvg) {
    StringBuilder b = new StringBuilder();
    boolean ok = "DONE".equals(s.state()) && s.accounting().balanced();
    b.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Run report: ")
        .append(x(s.pipeline()))
        .append("</title><style>")
        .append(
            "body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#111;max-width:1280px}")
        .append(
            "table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #d1d5db;padding:4px 10px;text-align:right}")
        .append(
            "th{background:#f3f4f6}td.l,th.l{text-align:left}.ok{color:#047857}.bad{color:#b91c1c;font-weight:bold}")
        .append("code{background:#f3f4f6;padding:2px 4px}</style></head><body>");
    b.append("<h1>Run report: ").append(x(s.pipeline())).append("</h1>");
    b.append("<p id=\"state\" class=\"")
        .append(ok ? "ok" : "bad")
        .append("\">")
        .append(x(s.state()))
        .append(ok ? " (balanced)" : s.accounting().balanced() ? "" : " (UNBALANCED)")
        .append("</p>");
    if (s.errorMessage() != null) {
      b.append("<p id=\"error\" class=\"bad\">")
          .append(s.errorStage() == null ? "" : "In stage <code>" + x(s.errorStage()) + "</code>: ")
          .append(x(s.errorMessage()))
          .append("</p>");
    }
    b.append("<table id=\"run\"><tr><th class=\"l\">run id</th><td class=\"l\">")
        .append(x(s.runId()))
        .append("</td></tr><tr><th class=\"l\">runner</th><td class=\"l\">")
        .append(x(s.runner()))
        .append("</td></tr><tr><th class=\"l\">started</th><td class=\"l\">")
        .append(x(String.valueOf(s.started())))
        .append("</td></tr><tr><th class=\"l\">wall time</th><td class=\"l\">")
        .append(String.format(Locale.ROOT, "%.1f s", s.wallSeconds()))
        .append("</td></tr><tr><th class=\"l\">output</th><td class=\"l\">")
        .append(x(s.output()))
        .append("</td></tr></table>");

    b.append("<h2>Accounting</h2><p id=\"accounting\"><code>")
        .append(x(s.accounting().line()))
        .append("</code></p>");

    b.append(
        "<h2>Stages</h2><table id=\"stages\"><tr><th class=\"l\">stage</th><th class=\"l\">role</th><th>in</th><th>out</th>"
            + "<th>dead-lettered</th><th class=\"l\">other exits</th><th>lag min</th><th>lag mean</th><th>lag max</th><th>balanced</th></tr>");
    for (StageAccounting st : s.accounting().stages()) {
      StringBuilder exits = new StringBuilder();
      st.exits()
          .forEach(
              (k, v) ->
                  exits.append(exits.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
      b.append("<tr><td class=\"l\">")
          .append(x(st.name()))
          .append("</td><td class=\"l\">")
          .append(st.role().name().toLowerCase(Locale.ROOT))
          .append("</td><td>")
          .append(st.in())
          .append("</td><td>")
          .append(st.out())
          .append("</td><td>")
          .append(st.rejectedTotal())
          .append("</td><td class=\"l\">")
          .append(x(exits.toString()))
          .append("</td><td>")
          .append(st.lag() == null ? "-" : Progress.duration(st.lag().min()))
          .append("</td><td>")
          .append(st.lag() == null ? "-" : Progress.duration((long) st.lag().mean()))
          .append("</td><td>")
          .append(st.lag() == null ? "-" : Progress.duration(st.lag().max()))
          .append("</td><td class=\"")
          .append(st.balanced() ? "ok\">yes" : "bad\">NO: " + st.unaccounted() + " unaccounted")
          .append("</td></tr>");
    }
    b.append("</table>");

    b.append(
        "<h2>Dead letters by reason</h2><table id=\"dead-letters\"><tr><th class=\"l\">stage.reason</th><th>records</th></tr>");
    for (Map.Entry<String, Long> e : s.accounting().deadLettersByReason().entrySet()) {
      b.append("<tr><td class=\"l\">")
          .append(x(e.getKey()))
          .append("</td><td>")
          .append(e.getValue())
          .append("</td></tr>");
    }
    b.append("</table>");

    b.append("<h2>Quality</h2>");
    boolean anyQuality = false;
    for (LineageDataset in : inputs) {
      DataQuality q = in.quality();
      if (q == null) {
        continue;
      }
      anyQuality = true;
      b.append("<p>")
          .append(x(in.namespace() + ":" + in.name()))
          .append(q.rowCount() == null ? "" : ", " + q.rowCount() + " rows evaluated")
          .append("</p>");
      b.append(
          "<table id=\"quality\"><tr><th class=\"l\">assertion</th><th class=\"l\">column</th><th class=\"l\">result</th></tr>");
      for (DataQuality.Assertion a : q.assertions()) {
        b.append("<tr><td class=\"l\">")
            .append(x(a.assertion()))
            .append("</td><td class=\"l\">")
            .append(a.column() == null ? "" : x(a.column()))
            .append("</td><td class=\"l ")
            .append(a.success() ? "ok\">passed" : "bad\">FAILED")
            .append("</td></tr>");
      }
      b.append("</table>");
    }
    if (!anyQuality) {
      b.append("<p>No quality stage in this run (clickstream: <code>--checks</code>).</p>");
    }

    RunCost c = s.cost();
    Pricing p = s.pricing();
    b.append(
        "<h2>Cost</h2><table id=\"cost\"><tr><th class=\"l\">item</th><th>used</th><th>unit price</th><th>cost</th></tr>");
    costRow(
        b,
        "CPU",
        c.cpuSeconds() == null
            ? "not measured"
            : String.format(Locale.ROOT, "%.1f s", c.cpuSeconds()),
        p.perVcpuHour() + " / vCPU-h",
        c.cpuCost(p),
        p);
    costRow(
        b,
        "stored",
        RunCost.human(c.totalBytesWritten())
            + (c.stateBytes() == null ? "" : " + state " + RunCost.human(c.stateBytes())),
        p.perGbStored() + " / GB",
        c.storageCost(p),
        p);
    costRow(
        b, "egress", RunCost.human(c.egressBytes()), p.perGbEgress() + " / GB", c.egressCost(p), p);
    b.append("<tr><th class=\"l\">total (estimate)</th><td></td><td></td><th>")
        .append(String.format(Locale.ROOT, "%.6f %s", c.total(p), x(p.currency())))
        .append("</th></tr></table>");
    b.append("<p class=\"prices\">prices: ").append(x(p.source())).append("</p>");
    b.append("<p>read ")
        .append(RunCost.human(c.totalBytesRead()))
        .append(", written ")
        .append(RunCost.human(c.totalBytesWritten()))
        .append("</p>");

    if (!pipelineSvg.isEmpty()) {
      b.append("<h2>Pipeline</h2><div id=\"pipeline\">").append(pipelineSvg).append("</div>");
    }
    b.append("<h2>Lineage</h2><div id=\"lineage\">").append(lineageSvg).append("</div>");
    b.append("</body></html>\n");
    return b.toString();
  }

  private static void costRow(
      StringBuilder b, String item, String used, String price, double cost, Pricing p) {
    b.append("<tr><td class=\"l\">")
        .append(item)
        .append("</td><td>")
        .append(x(used))
        .append("</td><td>")
        .append(x(price))
        .append("</td><td>")
        .append(String.format(Locale.ROOT, "%.6f %s", cost, x(p.currency())))
        .append("</td></tr>");
  }

  private static String x(@Nullable String s) {
    return s == null
        ? ""
        : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
