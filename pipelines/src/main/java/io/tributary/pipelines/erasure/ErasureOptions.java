package io.tributary.pipelines.erasure;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/**
 * Options of the {@code erasure} pipeline.
 *
 * <pre>{@code
 * tributary run erasure --requests=requests.jsonl --config=erasure.json --output=/tmp/erasure \
 *     --keyset=env:TRIBUTARY_KEYSET --subjectKeys=/var/lib/tributary/subject-keys
 * tributary run erasure --requestsTopic=erasure-requests --bootstrapServers=localhost:9092 ...
 * }</pre>
 */
public interface ErasureOptions extends PipelineOptions {
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

  // Shared with ClickstreamOptions (same annotations, as Beam requires).
  @Description("--source=kafka: bootstrap servers, host:port[,host:port].")
  String getBootstrapServers();

  void setBootstrapServers(String value);

  @Description("--source=kafka: stop after this many messages (makes the run bounded).")
  Long getMaxRecords();

  void setMaxRecords(Long value);

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
      "Output directory: dead-letter/ (bad requests), _run_summary.json and, by default, the audit log.")
  @Validation.Required
  String getOutput();

  void setOutput(String value);

  @Description(
      "Append-only audit log (JSON lines), one record per request; default <output>/erasure-audit.jsonl.")
  @Default.String("")
  String getAudit();

  void setAudit(String value);

  // keyset and subjectKeys are shared with ClickstreamOptions: Beam requires the same @Default
  // annotations on every interface declaring a property, so neither has one; validate() checks
  // them.
  @Description(
      "Keyset (file:<path> or env:<VARIABLE>), required: hashes subject ids in the audit and indexes the subject key store.")
  String getKeyset();

  void setKeyset(String value);

  @Description(
      "Per-subject key store: a directory or a jdbc:postgresql:// URL (the same as the producing pipelines' "
          + "--subjectKeys); unset: no keys to destroy.")
  String getSubjectKeys();

  void setSubjectKeys(String value);

  @Description("Id of the keyset key that indexes subject ids in --subjectKeys.")
  @Default.String("k1")
  String getIndexKeyId();

  void setIndexKeyId(String value);

  @Description("PostgreSQL JDBC URL of the tables named in --config; required when it names any.")
  @Default.String("")
  String getJdbcUrl();

  void setJdbcUrl(String value);

  @Description("PostgreSQL user.")
  @Default.String("postgres")
  String getJdbcUser();

  void setJdbcUser(String value);

  @Description("PostgreSQL password (prefer the PGPASSWORD environment variable).")
  @Default.String("")
  String getJdbcPassword();

  void setJdbcPassword(String value);
}
