package io.tributary.pipelines.clickstream;

import io.tributary.pipelines.options.FileInputOptions;
import io.tributary.pipelines.options.KafkaSinkOptions;
import io.tributary.pipelines.options.KafkaTopicOptions;
import io.tributary.pipelines.options.OutputOptions;
import io.tributary.pipelines.options.PrivacyOptions;
import io.tributary.pipelines.options.QualityOptions;
import io.tributary.pipelines.options.SourceOptions;
import io.tributary.pipelines.options.WatchOptions;
import io.tributary.pipelines.runtime.RecordLimitsOptions;
import io.tributary.pipelines.runtime.RunOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * Options of the {@code clickstream} pipeline: its own (registry, window, deduplication,
 * currencies) and the shared mixins it extends (output, source, file and watched input, Kafka topic
 * and sink, privacy, quality, record limits, and what every run takes). {@link ClickstreamSettings}
 * parses them.
 *
 * <pre>{@code
 * tributary run clickstream --input=testdata/clickstream/sample.jsonl.gz --output=/tmp/out --window=fixed:1h
 * ClickstreamSettings settings = ClickstreamSettings.of(options.as(ClickstreamOptions.class));
 * }</pre>
 */
@Description("Clickstream")
public interface ClickstreamOptions
    extends OutputOptions,
        SourceOptions,
        FileInputOptions,
        WatchOptions,
        KafkaTopicOptions,
        KafkaSinkOptions,
        PrivacyOptions,
        QualityOptions,
        RecordLimitsOptions,
        RunOptions {
  @Description(
      "Schema registry directory; default: the registry bundled in the jar (runners-config/schemas).")
  String getRegistry();

  void setRegistry(String value);

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

  @Description(
      "Whether a Dedup stage drops repeated event_ids before the outputs (true, the default). "
          + "false runs without it: every event read reaches the sinks, so the exactly-once "
          + "guarantees of the source and the sinks alone decide what a restore writes "
          + "(docs/operations.md).")
  @Default.Boolean(true)
  Boolean getDedup();

  void setDedup(Boolean value);

  @Description("Comma-separated ISO-4217 currency codes accepted by validation.")
  @Default.String("USD,EUR,GBP,JPY,CHF")
  String getCurrencies();

  void setCurrencies(String value);
}
