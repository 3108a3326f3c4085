package io.tributary.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * A watched input ({@code --source=watch}): how often it is polled, when the watch stops, its
 * watermark and the processed-file markers.
 *
 * <pre>{@code
 * tributary run clickstream --source=watch --input='/data/in/*.jsonl' --pollInterval=10s \
 *     --stopAfterIdle=10m --watchWatermark=5m --markers=/data/markers ...
 * }</pre>
 */
@Description("Watched input (--source=watch)")
public interface WatchOptions extends PipelineOptions {
  @Description("--source=watch: poll interval, e.g. 10s.")
  @Default.String("10s")
  String getPollInterval();

  void setPollInterval(String value);

  @Description(
      "--source=watch: stop after this long without a new file, e.g. 10m (default: never).")
  String getStopAfterIdle();

  void setStopAfterIdle(String value);

  @Description(
      "--source=watch: watermark policy: held (until the watch stops), arrival, or a lag like 5m (arrival minus lag).")
  @Default.String("held")
  String getWatchWatermark();

  void setWatchWatermark(String value);

  @Description(
      "--source=watch: directory of processed-file markers, so a fresh start skips files already read.")
  String getMarkers();

  void setMarkers(String value);
}
