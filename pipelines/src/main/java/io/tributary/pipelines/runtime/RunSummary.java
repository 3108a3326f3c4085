package io.tributary.pipelines.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageAccounting;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.util.MimeTypes;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What a run did: the accounting line and the per-stage table ({@link RunAccounting}, with each
 * stage's active span: {@code first}, {@code last} and {@code active_ms} in the JSON), when, where
 * and on which runner, every {@code tributary} counter, and the cost ({@link RunCost}). Printed at
 * the end of every run and written as {@code _run_summary.json} in the output directory, next to
 * the HTML {@link RunReport}.
 *
 * <pre>{@code
 * RunSummary summary = PipelineRun.run(job, options);
 * System.out.println(summary.accounting().line());
 * }</pre>
 */
public final class RunSummary {
  /** File name of the summary in the output directory. */
  public static final String FILE_NAME = "_run_summary.json";

  private final String pipeline;
  private final String runId;
  private final String runner;
  private final String input;
  private final String output;
  private final Instant started;
  private final Instant finished;
  private final String state;
  private final RunAccounting accounting;
  private final Map<String, Long> counters;
  private final RunCost cost;
  private final Pricing pricing;
  private final @Nullable String errorStage;
  private final @Nullable String errorMessage;

  RunSummary(
      String pipeline,
      String runId,
      String runner,
      String input,
      String output,
      Instant started,
      Instant finished,
      String state,
      RunAccounting accounting,
      Map<String, Long> counters,
      RunCost cost,
      Pricing pricing) {
    this.pipeline = pipeline;
    this.runId = runId;
    this.runner = runner;
    this.input = input;
    this.output = output;
    this.started = started;
    this.finished = finished;
    this.state = state;
    this.accounting = accounting;
    this.counters = new TreeMap<>(counters);
    this.cost = cost;
    this.pricing = pricing;
    this.errorStage = null;
    this.errorMessage = null;
  }

  private RunSummary(RunSummary s, @Nullable String errorStage, String errorMessage) {
    this.pipeline = s.pipeline;
    this.runId = s.runId;
    this.runner = s.runner;
    this.input = s.input;
    this.output = s.output;
    this.started = s.started;
    this.finished = s.finished;
    this.state = s.state;
    this.accounting = s.accounting;
    this.counters = s.counters;
    this.cost = s.cost;
    this.pricing = s.pricing;
    this.errorStage = errorStage;
    this.errorMessage = errorMessage;
  }

  /**
   * This summary with the error that ended the run: the stage where it happened ({@code build} when
   * the pipeline could not be built; null when the runner does not say) and the first error.
   */
  RunSummary withError(@Nullable String stage, String message) {
    return new RunSummary(this, stage, message);
  }

  /** The stage the run failed in, when known. */
  public @Nullable String errorStage() {
    return errorStage;
  }

  /** The first error of a failed run; null for a run that did not fail. */
  public @Nullable String errorMessage() {
    return errorMessage;
  }

  /** Every {@code tributary} counter of the run (attempted values, summed over steps). */
  public Map<String, Long> counters() {
    return Collections.unmodifiableMap(counters);
  }

  /** What the run used. */
  public RunCost cost() {
    return cost;
  }

  /** The prices of the estimate. */
  public Pricing pricing() {
    return pricing;
  }

  /** The pipeline name. */
  public String pipeline() {
    return pipeline;
  }

  /** The run id (the OpenLineage runId). */
  public String runId() {
    return runId;
  }

  /** The runner's simple class name. */
  public String runner() {
    return runner;
  }

  /** The output directory. */
  public String output() {
    return output;
  }

  /** When the run started. */
  public Instant started() {
    return started;
  }

  /** The numbers. */
  public RunAccounting accounting() {
    return accounting;
  }

  /** Final pipeline state, e.g. DONE. */
  public String state() {
    return state;
  }

  /** When the run finished (the runner returned). */
  public Instant finished() {
    return finished;
  }

  /** Wall time of the run in seconds. */
  public double wallSeconds() {
    return (finished.toEpochMilli() - started.toEpochMilli()) / 1000.0;
  }

  /** The summary as pretty JSON. */
  public String toJson() {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode node = mapper.createObjectNode();
    node.put("pipeline", pipeline);
    node.put("run_id", runId);
    node.put("runner", runner);
    node.put("state", state);
    node.put("input", input);
    node.put("output", output);
    node.put("started_at", started.toString());
    node.put("finished_at", finished.toString());
    node.put("wall_seconds", wallSeconds());
    if (errorMessage != null) {
      ObjectNode error = node.putObject("error");
      error.put("stage", errorStage);
      error.put("message", errorMessage);
    }
    node.put("read", accounting.read());
    node.put("written", accounting.written());
    node.put("dead_lettered", accounting.deadLettered());
    ObjectNode reasons = node.putObject("dead_lettered_by_reason");
    accounting.deadLettersByReason().forEach(reasons::put);
    node.put("quarantined", accounting.quarantined());
    node.put("deduplicated", accounting.deduplicated());
    node.put("too_late", accounting.tooLate());
    node.put("filtered", accounting.filtered());
    node.put("skipped", accounting.skipped());
    node.put("unmatched", accounting.unmatched());
    node.put("balanced", accounting.balanced());
    node.put("accounting", accounting.line());
    ArrayNode unbalanced = node.putArray("unbalanced_stages");
    accounting.unbalancedStages().forEach(st -> unbalanced.add(st.name()));
    ArrayNode stages = node.putArray("stages");
    for (StageAccounting st : accounting.stages()) {
      ObjectNode sn = stages.addObject();
      sn.put("stage", st.name());
      sn.put("role", st.role().name().toLowerCase(java.util.Locale.ROOT));
      sn.put("records_in", st.in());
      sn.put("records_out", st.out());
      ObjectNode dl = sn.putObject("dead_lettered");
      st.rejected().forEach(dl::put);
      st.exits().forEach(sn::put);
      if (st.lag() == null) {
        sn.putNull("processing_lag_ms");
      } else {
        ObjectNode lag = sn.putObject("processing_lag_ms");
        lag.put("count", st.lag().count());
        lag.put("min", st.lag().min());
        lag.put("max", st.lag().max());
        lag.put("mean", st.lag().mean());
      }
      // The wall-clock span the stage was active in (StageCounters' active_ms): not CPU time.
      StageAccounting.ActiveSpan active = st.active();
      if (active == null) {
        sn.putNull("first");
        sn.putNull("last");
        sn.putNull("active_ms");
      } else {
        sn.put("first", Instant.ofEpochMilli(active.first()).toString());
        sn.put("last", Instant.ofEpochMilli(active.last()).toString());
        sn.put("active_ms", active.millis());
      }
      sn.put("unaccounted", st.unaccounted());
      sn.put("balanced", st.balanced());
    }
    ObjectNode counterNode = node.putObject("counters");
    counters.forEach(counterNode::put);
    cost.toJson(node.putObject("cost"), pricing);
    node.put("cost_line", cost.line(pricing));
    try {
      return mapper.writeValueAsString(node);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The text printed at the end of a run. */
  public String toText() {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            "tributary %s: %s on %s in %.1f s (run %s)%n",
            pipeline, state, runner, wallSeconds(), runId));
    if (errorMessage != null) {
      b.append("  error: ")
          .append(errorStage == null ? "" : "in stage " + errorStage + ": ")
          .append(errorMessage)
          .append(System.lineSeparator());
    }
    b.append("  ").append(accounting.line()).append(System.lineSeparator());
    accounting
        .deadLettersByReason()
        .forEach((reason, n) -> b.append(String.format("    dead-lettered %-28s %d%n", reason, n)));
    if (!accounting.stages().isEmpty()) {
      b.append(
          String.format(
              "  %-22s %10s %10s %10s %10s  %s%n", "stage", "in", "out", "rejected", "exits", ""));
      for (StageAccounting st : accounting.stages()) {
        long exits = st.exits().values().stream().mapToLong(Long::longValue).sum();
        b.append(
            String.format(
                "  %-22s %10d %10d %10d %10d  %s%n",
                st.name(),
                st.in(),
                st.out(),
                st.rejectedTotal(),
                exits,
                st.balanced() ? "" : "UNBALANCED (" + st.unaccounted() + " unaccounted)"));
      }
    }
    b.append("  ").append(cost.line(pricing)).append(System.lineSeparator());
    b.append("  output:  ").append(output).append(System.lineSeparator());
    b.append("  summary: ").append(summaryPath()).append(System.lineSeparator());
    b.append("  report:  ").append(reportPath()).append(System.lineSeparator());
    String quality = qualityReportPath();
    if (quality != null) {
      b.append("  quality: ").append(quality).append(System.lineSeparator());
    }
    return b.toString();
  }

  /** The quality stage's report ({@code <output>/quality/report.html}) if this run wrote one. */
  public @org.checkerframework.checker.nullness.qual.Nullable String qualityReportPath() {
    try {
      java.nio.file.Path p = java.nio.file.Path.of(output, "quality", "report.html");
      return java.nio.file.Files.isRegularFile(p) ? p.toString() : null;
    } catch (RuntimeException e) {
      return null; // an output that is not a local path (an object store) has no local report
    }
  }

  /** Where {@link #write()} puts the summary. */
  public String summaryPath() {
    return resolve().toString();
  }

  /** Writes {@code _run_summary.json} into the output directory. */
  public void write() throws IOException {
    try (OutputStream out =
        java.nio.channels.Channels.newOutputStream(FileSystems.create(resolve(), MimeTypes.TEXT))) {
      out.write(toJson().getBytes(StandardCharsets.UTF_8));
      out.write('\n');
    }
  }

  /** Where {@link #write()} puts the HTML run report. */
  public String reportPath() {
    return resolve(RunReport.FILE_NAME).toString();
  }

  /** Writes the HTML run report ({@link RunReport}) next to the summary. */
  void writeReport(String html) throws IOException {
    try (OutputStream out =
        java.nio.channels.Channels.newOutputStream(
            FileSystems.create(resolve(RunReport.FILE_NAME), MimeTypes.TEXT))) {
      out.write(html.getBytes(StandardCharsets.UTF_8));
    }
  }

  private ResourceId resolve() {
    return resolve(FILE_NAME);
  }

  private ResourceId resolve(String file) {
    return FileSystems.matchNewResource(output, true)
        .resolve(file, ResolveOptions.StandardResolveOptions.RESOLVE_FILE);
  }
}
