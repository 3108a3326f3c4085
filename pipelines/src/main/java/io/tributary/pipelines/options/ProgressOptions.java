package io.tributary.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The live progress line on stderr ({@code --progress}, {@code --progressInterval}).
 *
 * <pre>{@code
 * tributary run clickstream ... --progress=always --progressInterval=2
 * }</pre>
 */
@Description("Progress")
public interface ProgressOptions extends PipelineOptions {
  @Description(
      "Live progress line on stderr: auto (only when stderr is a terminal), always, never.")
  @Default.String("auto")
  String getProgress();

  void setProgress(String value);

  @Description("Seconds between progress lines.")
  @Default.Integer(5)
  Integer getProgressInterval();

  void setProgressInterval(Integer value);
}
