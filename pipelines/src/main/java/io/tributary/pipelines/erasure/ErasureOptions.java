package io.tributary.pipelines.erasure;

import io.tributary.pipelines.options.JdbcOptions;
import io.tributary.pipelines.options.KafkaReadOptions;
import io.tributary.pipelines.options.KeyOptions;
import io.tributary.pipelines.options.OutputOptions;
import io.tributary.pipelines.runtime.RunOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/**
 * Options of the {@code erasure} pipeline: its own (the requests as a file or a topic, the config,
 * the audit log) and the shared mixins it extends (output, Kafka, keys, PostgreSQL, and what every
 * run takes). {@link ErasureSettings} parses them.
 *
 * <pre>{@code
 * tributary run erasure --requests=requests.jsonl --config=erasure.json --output=/tmp/erasure \
 *     --keyset=env:TRIBUTARY_KEYSET --subjectKeys=/var/lib/tributary/subject-keys
 * tributary run erasure --requestsTopic=erasure-requests --bootstrapServers=localhost:9092 ...
 * ErasureSettings settings = ErasureSettings.of(options.as(ErasureOptions.class));
 * }</pre>
 */
@Description("Erasure")
public interface ErasureOptions
    extends OutputOptions, KafkaReadOptions, KeyOptions, JdbcOptions, RunOptions {
  @Description(
      "Deletion requests, one per line: a bare subject id, or {\"subject\": ID, \"request_id\": ID} "
          + "(file or glob); or use --requestsTopic.")
  String getRequests();

  void setRequests(String value);

  @Description(
      "Kafka topic of deletion requests (message value = one request line), instead of --requests; "
          + "needs --bootstrapServers.")
  String getRequestsTopic();

  void setRequestsTopic(String value);

  @Description("--requestsTopic: consumer group whose offsets are committed.")
  @Default.String("tributary-erasure")
  String getRequestsGroup();

  void setRequestsGroup(String value);

  @Description(
      "Erasure config (JSON): the datasets to erase from, each with its kind, location, subject field and action.")
  @Validation.Required
  String getConfig();

  void setConfig(String value);

  @Description(
      "Append-only audit log (JSON lines), one record per request; default <output>/erasure-audit.jsonl.")
  @Default.String("")
  String getAudit();

  void setAudit(String value);
}
