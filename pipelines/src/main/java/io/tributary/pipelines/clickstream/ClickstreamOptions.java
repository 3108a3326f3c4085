package io.tributary.pipelines.clickstream;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/**
 * Options of the {@code clickstream} pipeline.
 *
 * <pre>{@code
 * tributary run clickstream --input=testdata/clickstream/sample.jsonl.gz --output=/tmp/out --window=fixed:1h
 * }</pre>
 */
public interface ClickstreamOptions extends PipelineOptions {
  @Description("Input JSON-lines file or glob (gzip detected by the .gz suffix).")
  @Validation.Required
  String getInput();

  void setInput(String value);

  @Description("Output directory: aggregates/, dead-letter/, late/ and _run_summary.json are written here.")
  @Validation.Required
  String getOutput();

  void setOutput(String value);

  @Description(
      "Event-time window and trigger spec, e.g. fixed:1h, sliding:1h/5m, session:30m, "
          + "fixed:1h;early=1m;late=every;lateness=2h;accumulating (grammar: docs/streaming.md). "
          + "Records later than the lateness are written to late/.")
  @Default.String("fixed:1h")
  String getWindow();

  void setWindow(String value);

  @Description("How long (event time) an event_id is remembered for deduplication, e.g. 24h.")
  @Default.String("24h")
  String getDedupTtl();

  void setDedupTtl(String value);

  @Description("Comma-separated ISO-4217 currency codes accepted by validation.")
  @Default.String("USD,EUR,GBP,JPY,CHF")
  String getCurrencies();

  void setCurrencies(String value);
}
