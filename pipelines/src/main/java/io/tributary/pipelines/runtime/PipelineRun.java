package io.tributary.pipelines.runtime;

import io.tributary.transforms.metrics.RunAccounting;
import java.io.IOException;
import java.time.Instant;
import java.util.UUID;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Builds, runs and accounts for one pipeline definition: the same path for the CLI and for tests.
 *
 * <pre>{@code
 * RunSummary summary = PipelineRun.run(job, options);
 * }</pre>
 */
public final class PipelineRun {
  private PipelineRun() {}

  /** Runs {@code job} to completion and writes its summary. */
  public static RunSummary run(PipelineDefinition job, PipelineOptions options) throws IOException {
    Pipeline pipeline = Pipeline.create(options);
    job.build(pipeline, options);
    Instant started = Instant.now();
    PipelineResult result = pipeline.run();
    PipelineResult.State state = result.waitUntilFinish();
    Instant finished = Instant.now();
    job.afterRun(options, result);
    RunSummary summary =
        new RunSummary(
            job.name(),
            UUID.randomUUID().toString(),
            options.getRunner().getSimpleName(),
            job.input(options),
            job.outputDirectory(options),
            started,
            finished,
            String.valueOf(state),
            RunAccounting.from(result));
    summary.write();
    return summary;
  }
}
