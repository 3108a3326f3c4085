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
 * network) with the run's state, throughput and accounting, links to its outputs, metrics per stage
 * (event-time lag only for streaming runs), a timeline of the span each stage was active in ({@link
 * StageAccounting#active()}: wall clock, not CPU time), dead letters by reason, quality results
 * (only when a quality stage ran, with a link to its own report), cost with the source of its
 * prices, and the run's lineage graph as inline SVG. {@code PipelineRun} writes it after every run;
 * {@code _run_summary.json} holds the same numbers as JSON.
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
    return html(s, inputs, List.of(), false, lineageSvg, pipelineSvg);
  }

  /**
   * The report with links to every output ({@code outputs}; files under the output directory are
   * linked relative to the report) and, for a streaming run only, the event-time lag per stage (in
   * a batch run over old files the lag is the files' age, not a delay).
   */
  public static String html(
      RunSummary s,
      List<LineageDataset> inputs,
      List<LineageDataset> outputs,
      boolean streaming,
      String lineageSvg,
      String pipelineSvg) {
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
        .append(
            "code{background:#f3f4f6;padding:2px 4px}.note{color:#4b5563;max-width:570px;font-size:14px}")
        .append(".stages{display:flex;flex-wrap:wrap;gap:8px 24px;align-items:flex-start}")
        .append("#stage-timeline h3{margin:8px 0 4px;font-size:16px}")
        .append("</style></head><body>");
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
        .append("</td></tr><tr><th class=\"l\">throughput</th><td class=\"l\" id=\"throughput\">")
        .append(throughput(s))
        .append("</td></tr><tr><th class=\"l\">output</th><td class=\"l\">")
        .append(x(s.output()))
        .append("</td></tr></table>");
    outputs(b, s, outputs);

    b.append("<h2>Accounting</h2><p id=\"accounting\"><code>")
        .append(x(s.accounting().line()))
        .append("</code></p>");

    b.append(
        "<h2>Stages</h2><div class=\"stages\"><table id=\"stages\"><tr><th class=\"l\">stage</th><th class=\"l\">role</th><th>in</th><th>out</th>"
            + "<th>dead-lettered</th><th class=\"l\">other exits</th>"
            + (streaming ? "<th>lag min</th><th>lag mean</th><th>lag max</th>" : "")
            + "<th>balanced</th></tr>");
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
          .append("</td>");
      if (streaming) {
        b.append("<td>")
            .append(st.lag() == null ? "-" : Progress.duration(st.lag().min()))
            .append("</td><td>")
            .append(st.lag() == null ? "-" : Progress.duration((long) st.lag().mean()))
            .append("</td><td>")
            .append(st.lag() == null ? "-" : Progress.duration(st.lag().max()))
            .append("</td>");
      }
      b.append("<td class=\"")
          .append(st.balanced() ? "ok\">yes" : "bad\">NO: " + st.unaccounted() + " unaccounted")
          .append("</td></tr>");
    }
    b.append("</table>");
    // The timeline beside the table (below it on a narrow screen).
    String timeline = RunReportTimeline.svg(s);
    if (!timeline.isEmpty()) {
      b.append("<div id=\"stage-timeline\"><h3>Stage timeline</h3>")
          .append(timeline)
          .append("<p id=\"timeline-note\" class=\"note\">")
          .append(
              "Each bar runs from the first record a stage took in to the last one it let go, on"
                  + " the run's wall clock. Beam fuses stages into one thread, so this is the span"
                  + " in which a stage was active, not its CPU time: fused stages overlap.")
          .append("</p></div>");
    }
    b.append("</div>");

    b.append("<h2>Dead letters by reason</h2>");
    if (s.accounting().deadLettersByReason().isEmpty()) {
      b.append("<p id=\"dead-letters\">None.</p>");
    } else {
      b.append(
          "<table id=\"dead-letters\"><tr><th class=\"l\">stage.reason</th><th>records</th></tr>");
      for (Map.Entry<String, Long> e : s.accounting().deadLettersByReason().entrySet()) {
        b.append("<tr><td class=\"l\">")
            .append(x(e.getKey()))
            .append("</td><td>")
            .append(e.getValue())
            .append("</td></tr>");
      }
      b.append("</table>");
    }

    boolean anyQuality = inputs.stream().anyMatch(in -> in.quality() != null);
    if (anyQuality) {
      b.append("<h2>Quality</h2>");
      java.nio.file.Path qualityReport = localPath(s.output()).resolve("quality/report.html");
      if (java.nio.file.Files.isRegularFile(qualityReport)) {
        b.append(
            "<p>The windows, anomalies and trends: <a href=\"quality/report.html\">quality/report.html</a></p>");
      }
    }
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

  /** Records read per second of wall time, e.g. {@code 1,000 read in 12.3 s: 81 records/s}. */
  static String throughput(RunSummary s) {
    long read = s.accounting().read();
    double wall = s.wallSeconds();
    return String.format(
        Locale.ROOT,
        "%,d read in %.1f s: %s records/s",
        read,
        wall,
        wall > 0 ? String.format(Locale.ROOT, "%,.0f", read / wall) : "-");
  }

  /** A list of the run's outputs, each a link: relative under the output directory, else as is. */
  private static void outputs(StringBuilder b, RunSummary s, List<LineageDataset> outputs) {
    if (outputs.isEmpty()) {
      return;
    }
    b.append("<h2>Outputs</h2><ul id=\"outputs\">");
    java.nio.file.Path root = localPath(s.output());
    for (LineageDataset d : outputs) {
      b.append("<li>");
      if ("file".equals(d.namespace())) {
        java.nio.file.Path p = localPath(d.name());
        String href =
            p.startsWith(root) && !p.equals(root)
                ? root.relativize(p).toString().replace('\\', '/') + "/"
                : p.toUri().toString();
        b.append("<a href=\"").append(x(href)).append("\">").append(x(d.name())).append("</a>");
      } else {
        b.append(x(d.namespace() + ":" + d.name()));
      }
      b.append("</li>");
    }
    b.append("</ul>");
  }

  private static java.nio.file.Path localPath(String pathOrUri) {
    String p = pathOrUri.startsWith("file:") ? java.net.URI.create(pathOrUri).getPath() : pathOrUri;
    return java.nio.file.Path.of(p).toAbsolutePath().normalize();
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

  static String x(@Nullable String s) {
    return s == null
        ? ""
        : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
