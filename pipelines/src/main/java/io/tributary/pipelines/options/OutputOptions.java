package io.tributary.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/**
 * Where a run writes ({@code --output}) and whether it may replace an earlier run's outputs there
 * ({@code --overwrite}).
 *
 * <pre>{@code
 * tributary run clickstream --input=... --output=/tmp/out --overwrite=true
 * String out = options.as(OutputOptions.class).getOutput();
 * }</pre>
 */
@Description("Output")
public interface OutputOptions extends PipelineOptions {
  @Description(
      "Output directory: the pipeline's datasets, dead-letter/, _run_summary.json and "
          + "_run_report.html are written here.")
  @Validation.Required
  String getOutput();

  void setOutput(String value);

  @Description(
      "Replace the outputs of an earlier run in --output (moved aside, deleted when this run "
          + "ends DONE, restored otherwise). Without it a run refuses an output that holds "
          + "another run's outputs.")
  @Default.Boolean(false)
  Boolean getOverwrite();

  void setOverwrite(Boolean value);
}
