package io.tributary.pipelines.clickstream;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/**
 * Options of the {@code clickstream} pipeline.
 *
 * <pre>{@code
 * tributary run clickstream --input=testdata/clickstream/sample.jsonl.gz --output=/tmp/out --windowSize=1h
 * }</pre>
 */
public interface ClickstreamOptions extends PipelineOptions {
  @Description("Input JSON-lines file or glob (gzip detected by the .gz suffix).")
  @Validation.Required
  String getInput();

  void setInput(String value);

  @Description("Output directory: aggregates/, dead-letter/ and _run_summary.json are written here.")
  @Validation.Required
  String getOutput();

  void setOutput(String value);

  @Description("Event-time fixed window size, e.g. 1h, 15m, 30s.")
  @Default.String("1h")
  String getWindowSize();

  void setWindowSize(String value);

  @Description("How long (event time) an event_id is remembered for deduplication, e.g. 24h.")
  @Default.String("24h")
  String getDedupTtl();

  void setDedupTtl(String value);

  @Description("Comma-separated ISO-4217 currency codes accepted by validation.")
  @Default.String("USD,EUR,GBP,JPY,CHF")
  String getCurrencies();

  void setCurrencies(String value);

  @Description("Quality checks file (JSON), e.g. testdata/clickstream/checks.json; none: no quality stage. "
      + "Writes quarantine/ and quality/ (metrics, verification, anomalies, report.html) under --output.")
  String getChecks();

  void setChecks(String value);

  @Description("Metrics repository directory (JSON lines) that anomaly detection reads history from and "
      + "this run's metrics are added to; default <output>/quality/repository.")
  String getQualityRepository();

  void setQualityRepository(String value);
}
