package io.tributary.pipelines.runtime;

import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * A runnable Tributary job as the command line sees it: a name, its options interface, checks of
 * what the environment must provide, and how to build the pipeline.
 *
 * <pre>{@code
 * PipelineDefinition job = Pipelines.named("clickstream");
 * PipelineOptions options = Profiles.parse(job, args);
 * RunSummary summary = PipelineRun.run(job, options);
 * }</pre>
 */
public interface PipelineDefinition {
  /** The name used on the command line. */
  String name();

  /** One sentence for {@code tributary --help}. */
  String summary();

  /** The job's own options interface (Beam and runner options come on top). */
  Class<? extends PipelineOptions> optionsClass();

  /** Checks inputs, outputs and option values; throws naming the option and what was expected. */
  void validate(PipelineOptions options) throws UsageException;

  /** The directory that receives outputs and {@code _run_summary.json}. */
  String outputDirectory(PipelineOptions options);

  /** The input the job reads, as the user gave it. */
  String input(PipelineOptions options);

  /** Adds the job's stages to {@code pipeline}. */
  void build(Pipeline pipeline, PipelineOptions options);

  /**
   * Runs after the pipeline finished, before the summary is written: for outputs that need the
   * whole run, such as a report. Nothing by default.
   */
  default void afterRun(PipelineOptions options, org.apache.beam.sdk.PipelineResult result) throws java.io.IOException {}
}
