package io.tributary.pipelines.runtime;

import io.tributary.transforms.lineage.LineageDataset;
import io.tributary.transforms.metrics.RunAccounting;
import java.util.List;
import java.util.Map;
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
   * The outputs that belong to one run: a new run refuses to write beside them unless {@code
   * --overwrite=true} ({@link RunOutputs}). By default the whole output directory; a job whose
   * datasets are replaced partition by partition names only its run-scoped files.
   */
  default List<String> runOutputs(PipelineOptions options) {
    return List.of(outputDirectory(options));
  }

  /**
   * Whether this run continues an earlier one into the same outputs (a resume from a savepoint is
   * always one), so {@link RunOutputs} does not refuse it. False by default.
   */
  default boolean continuesEarlierRun(PipelineOptions options) {
    return false;
  }

  /** What the job reads, for lineage; by default the input as a file dataset. */
  default List<LineageDataset> lineageInputs(PipelineOptions options) {
    return List.of(LineageDataset.file(input(options)));
  }

  /** What the job writes, for lineage; by default the output directory as a file dataset. */
  default List<LineageDataset> lineageOutputs(PipelineOptions options) {
    return List.of(LineageDataset.file(outputDirectory(options)));
  }

  /**
   * What the job read, for the COMPLETE event, once the run is over: the inputs with facets that
   * only the finished run knows, such as quality results ({@link LineageDataset#withQuality}). By
   * default {@link #lineageInputs}.
   */
  default List<LineageDataset> lineageInputsAfterRun(
      PipelineOptions options, RunAccounting accounting) throws java.io.IOException {
    return lineageInputs(options);
  }

  /** Row counts of outputs, from the run's accounting, for the {@code outputStatistics} facet. */
  default Map<LineageDataset, Long> outputRowCounts(
      PipelineOptions options, RunAccounting accounting) {
    return Map.of();
  }

  /**
   * Runs after the pipeline finished, before the summary is written: for outputs that need the
   * whole run, such as a report. Nothing by default.
   */
  default void afterRun(PipelineOptions options, org.apache.beam.sdk.PipelineResult result)
      throws java.io.IOException {}

  /**
   * The job's own graph as inline SVG for the run report (a spec's steps), or empty for none. Empty
   * by default.
   */
  default String graphSvg(PipelineOptions options) {
    return "";
  }
}
