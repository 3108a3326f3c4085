package io.tributary.pipelines.runtime;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Options every Tributary run accepts, whatever the pipeline: where its lineage goes, the live
 * progress line, and the unit prices of the cost estimate.
 *
 * <pre>{@code
 * tributary run clickstream ... --lineage=http://localhost:5000   # a Marquez endpoint
 * tributary run clickstream ... --lineage=none
 * tributary run clickstream ... --progress=always --pricePerVcpuHour=0.04 --pricePerGbStored=0.02
 * }</pre>
 */
public interface RunOptions extends PipelineOptions {
  @Description(
      "OpenLineage events: file:<path>, http(s)://host:port (Marquez API), or none. "
          + "Default: file:<output>/_openlineage.jsonl")
  @Default.String("")
  String getLineage();

  void setLineage(String value);

  @Description("OpenLineage job namespace.")
  @Default.String("tributary")
  String getLineageNamespace();

  void setLineageNamespace(String value);

  @Description(
      "Live progress line on stderr: auto (only when stderr is a terminal), always, never.")
  @Default.String("auto")
  String getProgress();

  void setProgress(String value);

  @Description("Seconds between progress lines.")
  @Default.Integer(5)
  Integer getProgressInterval();

  void setProgressInterval(Integer value);

  @Description(
      "Cost estimate: JSON file with currency, pricePerVcpuHour, pricePerGbStored, pricePerGbEgress.")
  String getPricing();

  void setPricing(String value);

  @Description("Cost estimate: price per vCPU-hour (overrides --pricing).")
  Double getPricePerVcpuHour();

  void setPricePerVcpuHour(Double value);

  @Description("Cost estimate: price per GB (10^9 bytes) stored (overrides --pricing).")
  Double getPricePerGbStored();

  void setPricePerGbStored(Double value);

  @Description("Cost estimate: price per GB (10^9 bytes) of egress (overrides --pricing).")
  Double getPricePerGbEgress();

  void setPricePerGbEgress(Double value);

  @Description(
      "Replace the outputs of an earlier run in --output (moved aside, deleted when this run "
          + "ends DONE, restored otherwise). Without it a run refuses an output that holds "
          + "another run's outputs.")
  @Default.Boolean(false)
  Boolean getOverwrite();

  void setOverwrite(Boolean value);
}
