package io.tributary.pipelines.runtime;

import io.tributary.transforms.lineage.LineageDataset;
import io.tributary.transforms.lineage.LineageTransport;
import io.tributary.transforms.lineage.OpenLineageEvents;
import io.tributary.transforms.metrics.RunAccounting;
import java.util.List;
import java.io.IOException;
import java.time.Instant;
import java.util.UUID;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.StreamingOptions;

/**
 * Builds, runs and accounts for one pipeline definition: the same path for the CLI and for tests.
 *
 * <pre>{@code
 * RunSummary summary = PipelineRun.run(job, options);
 * }</pre>
 */
public final class PipelineRun {
  private PipelineRun() {}

  /**
   * Runs {@code job} to completion and writes its summary. OpenLineage START is emitted before the
   * run, COMPLETE, ABORT or FAIL after it (see {@link RunOptions#getLineage()}).
   */
  public static RunSummary run(PipelineDefinition job, PipelineOptions options) throws IOException {
    String runId = UUID.randomUUID().toString();
    RunOptions runOptions = options.as(RunOptions.class);
    LineageTransport lineage = LineageTransport.parse(runOptions.getLineage().isEmpty()
        ? "file:" + job.outputDirectory(options).replaceAll("/+$", "") + "/_openlineage.jsonl"
        : runOptions.getLineage());
    OpenLineageEvents events = OpenLineageEvents.forRun(runOptions.getLineageNamespace(), job.name(), runId,
        Pipeline.class.getPackage().getImplementationVersion() == null ? "2.62.0"
            : Pipeline.class.getPackage().getImplementationVersion(),
        options.as(StreamingOptions.class).isStreaming() ? "STREAMING" : "BATCH");
    List<LineageDataset> inputs = job.lineageInputs(options);
    List<LineageDataset> outputs = job.lineageOutputs(options);

    Pipeline pipeline = Pipeline.create(options);
    job.build(pipeline, options);
    Instant started = Instant.now();
    emit(lineage, events.start(inputs, outputs));
    PipelineResult result;
    PipelineResult.State state;
    try {
      result = pipeline.run();
      state = result.waitUntilFinish();
    } catch (RuntimeException e) {
      emit(lineage, events.fail(inputs, outputs, e));
      throw e;
    }
    Instant finished = Instant.now();
    job.afterRun(options, result);
    RunAccounting accounting = RunAccounting.from(result);
    if (state == PipelineResult.State.DONE) {
      emit(lineage, events.complete(inputs, outputs, job.outputRowCounts(options, accounting)));
    } else if (state == PipelineResult.State.CANCELLED) {
      emit(lineage, events.abort(inputs, outputs));
    } else {
      emit(lineage, events.fail(inputs, outputs, new IllegalStateException("pipeline ended in state " + state)));
    }
    RunSummary summary =
        new RunSummary(
            job.name(),
            runId,
            options.getRunner().getSimpleName(),
            job.input(options),
            job.outputDirectory(options),
            started,
            finished,
            String.valueOf(state),
            accounting);
    summary.write();
    return summary;
  }

  /** Lineage must never fail a run: a delivery problem is reported on stderr and the run goes on. */
  private static void emit(LineageTransport lineage, String event) {
    try {
      lineage.emit(event);
    } catch (IOException | RuntimeException e) {
      System.err.println("tributary: warning: OpenLineage event not delivered: " + e.getMessage());
    }
  }
}
