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
public interface ClickstreamOptions
    extends PipelineOptions, io.tributary.pipelines.runtime.RecordLimitsOptions {
  @Description("Input file or glob for --source=file|watch (gzip detected by the .gz suffix).")
  String getInput();

  void setInput(String value);

  // ---- source (issue 3): where events come from; the stages after decoding do not change ----

  @Description(
      "Where events come from: file (read --input once), watch (poll --input for new files) or kafka (--topic).")
  @Default.String("file")
  String getSource();

  void setSource(String value);

  @Description("File format for --source=file|watch: jsonl, csv, avro or parquet.")
  @Default.String("jsonl")
  String getFormat();

  void setFormat(String value);

  @Description(
      "Schema registry directory; default: the registry bundled in the jar (runners-config/schemas).")
  String getRegistry();

  void setRegistry(String value);

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

  @Description("--source=kafka: bootstrap servers, host:port[,host:port].")
  String getBootstrapServers();

  void setBootstrapServers(String value);

  @Description("--source=kafka: topic to read.")
  String getTopic();

  void setTopic(String value);

  @Description("--source=kafka: message values: avro (Confluent wire format) or json.")
  @Default.String("avro")
  String getPayloadFormat();

  void setPayloadFormat(String value);

  @Description("--source=kafka: consumer group whose offsets are committed.")
  @Default.String("tributary-clickstream")
  String getConsumerGroup();

  void setConsumerGroup(String value);

  @Description(
      "--source=kafka: watermark: held (until the read ends; replays with --maxRecords) or a lag behind Kafka create time like 1m.")
  @Default.String("held")
  String getKafkaWatermark();

  void setKafkaWatermark(String value);

  @Description("--source=kafka: stop after this many messages (makes the run bounded).")
  Long getMaxRecords();

  void setMaxRecords(Long value);

  // ---- per-event Kafka sink (issue 9): the validated, deduplicated events, exactly once ----

  @Description(
      "Kafka topic that receives every validated, deduplicated event (key: event_id, value: "
          + "--payloadFormat), written exactly once with Kafka transactions; none by default. Needs "
          + "--bootstrapServers and, on Flink, checkpointing (the flink-cluster profile has it).")
  String getSinkTopic();

  void setSinkTopic(String value);

  @Description("--sinkTopic: transactional writers (shards) of the exactly-once sink.")
  @Default.Integer(1)
  Integer getSinkShards();

  void setSinkShards(Integer value);

  @Description(
      "--sinkTopic: consumer group in which the exactly-once sink keeps its progress; one job "
          + "per group (a job resumed from its savepoint keeps it).")
  @Default.String("tributary-clickstream-sink")
  String getSinkGroupId();

  void setSinkGroupId(String value);

  @Description(
      "Output directory: aggregates/, dead-letter/, late/ and _run_summary.json are written here.")
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

  @Description(
      "Quality checks file (JSON), e.g. testdata/clickstream/checks.json; none: no quality stage. "
          + "Writes quarantine/ and quality/ (metrics, verification, anomalies, report.html) under --output.")
  String getChecks();

  void setChecks(String value);

  @Description(
      "Metrics repository directory (JSON lines) that anomaly detection reads history from and "
          + "this run's metrics are added to; default <output>/quality/repository.")
  String getQualityRepository();

  void setQualityRepository(String value);

  // ---- privacy (issue 7): personal data is protected before anything is written ----

  @Description(
      "Privacy policy file (JSON: {\"subject\": FIELD, \"fields\": {FIELD: ACTION}}); default: the "
          + "contract's \"pii\" field properties (email masked, ip masked to /24).")
  String getPrivacyPolicy();

  void setPrivacyPolicy(String value);

  @Description(
      "Keyset for tokenize/encrypt policies: file:<path> or env:<VARIABLE> (never on the command line itself).")
  String getKeyset();

  void setKeyset(String value);

  @Description(
      "Directory of per-subject keys for encrypt policies (crypto-shredding); every worker must see it.")
  String getSubjectKeys();

  void setSubjectKeys(String value);

  @Description(
      "Id of the keyset key that indexes subject ids in --subjectKeys; keep it when rotating the primary.")
  @Default.String("k1")
  String getIndexKeyId();

  void setIndexKeyId(String value);
}
