package io.tributary.pipelines.erasure;

import io.tributary.pipelines.options.JdbcOptions;
import io.tributary.pipelines.options.ParsedSettings;
import io.tributary.transforms.privacy.Keyset;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.beam.sdk.options.PipelineOptions;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The erasure job's option values, each parsed once ({@link #of}): where the requests come from (a
 * file or a topic), the erasure config (loaded), the keyset and subject key store, the PostgreSQL
 * target and the audit log. {@link ErasureJob#validate} is parsing them; {@link
 * ErasurePipeline#build(org.apache.beam.sdk.Pipeline, ErasureSettings)} uses the same instance.
 *
 * <p>A bad value fails the parse with an IllegalArgumentException of one line that names the
 * option; the keyset is loaded here, so a missing key fails the parse too. Whether the request file
 * exists, the subject key store is there and the output is writable is for {@link
 * ErasureJob#validate}.
 *
 * <pre>{@code
 * ErasureSettings s = ErasureSettings.of(options); // parsed once per options
 * ErasureConfig config = s.config();
 * }</pre>
 */
public final class ErasureSettings {
  private final String output;
  private final @Nullable String requests;
  private final @Nullable String requestsTopic;
  private final @Nullable String bootstrapServers;
  private final @Nullable Long maxRecords;
  private final String requestsGroup;
  private final ErasureConfig config;
  private final Keyset.KeysetSource keyset;
  private final String indexKeyId;
  private final @Nullable String subjectKeys;
  private final String jdbcUrl;
  private final String jdbcUser;
  private final String jdbcPassword;
  private final String audit;

  private ErasureSettings(ErasureOptions o) {
    output = o.getOutput();
    requests = o.getRequests();
    requestsTopic = o.getRequestsTopic();
    bootstrapServers = o.getBootstrapServers();
    if ((requests == null) == (requestsTopic == null)) {
      throw new IllegalArgumentException(
          "--requests: give either --requests=FILE or --requestsTopic=TOPIC (with --bootstrapServers), not both or neither");
    }
    if (requestsTopic != null && (bootstrapServers == null || bootstrapServers.isBlank())) {
      throw new IllegalArgumentException(
          "--bootstrapServers: required with --requestsTopic; expected host:port[,host:port]");
    }
    maxRecords = o.getMaxRecords();
    requestsGroup = o.getRequestsGroup();
    if (!Files.isReadable(Path.of(o.getConfig()))) {
      throw new IllegalArgumentException(
          "--config: '" + o.getConfig() + "' is not a readable file");
    }
    if (o.getKeyset() == null || o.getKeyset().isBlank()) {
      throw new IllegalArgumentException(
          "--keyset: required; expected file:<path> or env:<VARIABLE> (the keyset the producing pipelines used)");
    }
    config = ErasureConfig.load(Path.of(o.getConfig()));
    keyset = Keyset.KeysetSource.parse(o.getKeyset(), "--keyset");
    indexKeyId = o.getIndexKeyId();
    Keyset.load(keyset).key(indexKeyId); // fails now, naming the source, if a key is missing
    jdbcUrl = o.getJdbcUrl();
    jdbcUser = o.getJdbcUser();
    jdbcPassword = JdbcOptions.password(o);
    if (config.needsDatabase() && !jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "--jdbcUrl: --config names PostgreSQL tables; expected jdbc:postgresql://host:port/database, got '"
              + jdbcUrl
              + "'");
    }
    subjectKeys = o.getSubjectKeys();
    audit = ErasurePipeline.auditPath(o);
  }

  /**
   * The settings of {@code options}: parsed now, or the same instance as before when no option
   * changed since. Throws an IllegalArgumentException of one line naming the bad option.
   */
  public static ErasureSettings of(PipelineOptions options) {
    return ParsedSettings.of(
        options, ErasureOptions.class, ErasureSettings.class, ErasureSettings::new);
  }

  /** {@code --output}. */
  public String output() {
    return output;
  }

  /** {@code --requests}; null when the requests come from {@link #requestsTopic}. */
  public @Nullable String requests() {
    return requests;
  }

  /** {@code --requestsTopic}; null when the requests come from {@link #requests}. */
  public @Nullable String requestsTopic() {
    return requestsTopic;
  }

  /** {@code --bootstrapServers}. */
  public @Nullable String bootstrapServers() {
    return bootstrapServers;
  }

  /** {@code --maxRecords}. */
  public @Nullable Long maxRecords() {
    return maxRecords;
  }

  /** {@code --requestsGroup}. */
  public String requestsGroup() {
    return requestsGroup;
  }

  /** The config of {@code --config}, loaded. */
  public ErasureConfig config() {
    return config;
  }

  /** {@code --keyset}, parsed. */
  public Keyset.KeysetSource keyset() {
    return keyset;
  }

  /** {@code --indexKeyId}. */
  public String indexKeyId() {
    return indexKeyId;
  }

  /** {@code --subjectKeys}; null: no keys to destroy. */
  public @Nullable String subjectKeys() {
    return subjectKeys;
  }

  /** {@code --jdbcUrl}. */
  public String jdbcUrl() {
    return jdbcUrl;
  }

  /** {@code --jdbcUser}. */
  public String jdbcUser() {
    return jdbcUser;
  }

  /** {@code --jdbcPassword}, else {@code PGPASSWORD}. */
  public String jdbcPassword() {
    return jdbcPassword;
  }

  /** The audit log: {@code --audit}, else {@code <output>/erasure-audit.jsonl}. */
  public String audit() {
    return audit;
  }
}
