package io.tributary.pipelines.clickstream;

import io.tributary.io.files.WatermarkPolicy;
import io.tributary.io.formats.FileFormat;
import io.tributary.io.kafka.PayloadFormat;
import io.tributary.io.schema.RegisteredSchema;
import io.tributary.io.schema.SchemaRegistry;
import io.tributary.pipelines.options.ParsedSettings;
import io.tributary.pipelines.options.SourceKind;
import io.tributary.pipelines.options.StateOptions;
import io.tributary.pipelines.runtime.RecordLimitsOptions;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.lineage.LineageDataset;
import io.tributary.transforms.privacy.Keyset;
import io.tributary.transforms.privacy.PrivacyPolicy;
import io.tributary.transforms.privacy.ProtectionSpec;
import io.tributary.transforms.quality.Checks;
import io.tributary.transforms.values.Durations;
import io.tributary.transforms.windowing.WindowSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.beam.sdk.options.PipelineOptions;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * The clickstream job's option values, each parsed once ({@link #of}): the window spec, the
 * deduplication TTL, the currencies, the record limits, the source (its {@link SourceKind} and what
 * that kind needs), the Kafka sink, the quality checks and the privacy policy with its keys as one
 * {@link ProtectionSpec}. {@link ClickstreamJob#validate} is parsing them; {@link
 * ClickstreamPipeline#build(org.apache.beam.sdk.Pipeline, ClickstreamSettings)}, the lineage and
 * the quality report use the same instance.
 *
 * <p>A bad value fails the parse with an IllegalArgumentException of one line that names the
 * option, e.g. {@code --dedupTtl: ...} or {@code --source=kafka: --bootstrapServers and --topic are
 * required}. Nothing here touches the environment beyond reading the files the options name (schema
 * registry, privacy policy, checks): whether the input exists, the output is writable or the keys
 * load is for {@link ClickstreamJob#validate}.
 *
 * <pre>{@code
 * ClickstreamSettings s = ClickstreamSettings.of(options); // parsed once per options
 * WindowSpec window = s.window();
 * ProtectionSpec protection = s.protection();
 * }</pre>
 */
public final class ClickstreamSettings {
  private final String output;
  private final WindowSpec window;
  private final Duration dedupTtl;
  private final boolean dedup;
  private final int dedupBuckets;
  private final int routerBuckets;
  private final List<String> currencies;
  private final SchemaRegistry registry;
  private final RegisteredSchema contract;
  private final RecordLimits limits;
  private final SourceKind source;
  private final @Nullable String input;
  private final @Nullable FileFormat format;
  private final @Nullable Duration pollInterval;
  private final @Nullable Duration stopAfterIdle;
  private final @Nullable WatermarkPolicy watchWatermark;
  private final @Nullable String markers;
  private final @Nullable String bootstrapServers;
  private final @Nullable String topic;
  private final @Nullable PayloadFormat payloadFormat;
  private final String consumerGroup;
  private final @Nullable Duration kafkaWatermark;
  private final @Nullable Long maxRecords;
  private final @Nullable String sinkTopic;
  private final int sinkShards;
  private final String sinkGroupId;
  private final @Nullable Checks checks;
  private final Path qualityRepository;
  private final ProtectionSpec protection;
  private final Keyset.@Nullable KeysetSource keyset;
  private final @Nullable String subjectKeys;
  private final String indexKeyId;

  private ClickstreamSettings(ClickstreamOptions o) {
    output = o.getOutput();
    window = ClickstreamPipeline.windowSpec(o.getWindow());
    dedupTtl = Durations.parse(o.getDedupTtl(), "--dedupTtl");
    dedup = !Boolean.FALSE.equals(o.getDedup());
    dedupBuckets = StateOptions.stateBuckets(o);
    routerBuckets = StateOptions.routerBuckets(o);
    registry =
        o.getRegistry() == null
            ? SchemaRegistry.bundled()
            : SchemaRegistry.open(Path.of(o.getRegistry()));
    contract = registry.latest(ClickstreamPipeline.SUBJECT);
    limits = RecordLimitsOptions.limits(o, contract.schema());

    // ---- the source: the one place that says what each kind needs ----
    source = SourceKind.parse(o.getSource(), SourceKind.FILE, SourceKind.WATCH, SourceKind.KAFKA);
    input = o.getInput();
    bootstrapServers = o.getBootstrapServers();
    topic = o.getTopic();
    consumerGroup = o.getConsumerGroup();
    maxRecords = o.getMaxRecords();
    markers = o.getMarkers();
    Duration poll = null;
    Duration idle = null;
    WatermarkPolicy watchPolicy = null;
    Duration kafkaLag = null;
    PayloadFormat payload = null;
    switch (source) {
      case KAFKA:
        if (bootstrapServers == null || topic == null) {
          throw new IllegalArgumentException(
              "--source=kafka: --bootstrapServers and --topic are required");
        }
        payload = PayloadFormat.parse(o.getPayloadFormat());
        if (!"held".equals(o.getKafkaWatermark())) {
          kafkaLag = Durations.parse(o.getKafkaWatermark(), "--kafkaWatermark");
        }
        break;
      case WATCH:
        if (input == null || input.isBlank()) {
          throw new IllegalArgumentException(
              "--input: required for --source=watch; expected a file pattern such as /data/in/*.jsonl");
        }
        poll = Durations.parse(o.getPollInterval(), "--pollInterval");
        if (o.getStopAfterIdle() != null) {
          idle = Durations.parse(o.getStopAfterIdle(), "--stopAfterIdle");
        }
        watchPolicy = watermarkPolicy(o.getWatchWatermark());
        break;
      case FILE:
        break;
    }
    format = source == SourceKind.KAFKA ? null : FileFormat.parse(o.getFormat());
    pollInterval = poll;
    stopAfterIdle = idle;
    watchWatermark = watchPolicy;
    kafkaWatermark = kafkaLag;

    // ---- the per-event Kafka sink ----
    sinkTopic = o.getSinkTopic();
    sinkGroupId = o.getSinkGroupId();
    if (sinkTopic != null) {
      if (bootstrapServers == null) {
        throw new IllegalArgumentException("--sinkTopic: --bootstrapServers is required");
      }
      if (o.getSinkShards() == null || o.getSinkShards() < 1) {
        throw new IllegalArgumentException(
            "--sinkShards: expected a number >= 1, got " + o.getSinkShards());
      }
      if (payload == null) {
        payload = PayloadFormat.parse(o.getPayloadFormat());
      }
    }
    sinkShards = o.getSinkShards() == null ? 1 : o.getSinkShards();
    payloadFormat = payload;

    currencies =
        Arrays.stream(o.getCurrencies().split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toUnmodifiableList());
    if (currencies.isEmpty()) {
      throw new IllegalArgumentException(
          "--currencies: expected a comma-separated list of ISO-4217 codes, got ''");
    }

    // ---- quality ----
    checks = o.getChecks() == null ? null : loadChecks(o.getChecks());
    qualityRepository =
        o.getQualityRepository() != null
            ? Path.of(o.getQualityRepository())
            : ClickstreamQuality.qualityDir(output).resolve("repository");

    // ---- privacy: the one ProtectionSpec of the run ----
    PrivacyPolicy policy =
        o.getPrivacyPolicy() == null
            ? PrivacyPolicy.fromAvro(
                SchemaRegistry.bundled().latest(ClickstreamPipeline.SUBJECT).schema())
            : PrivacyPolicy.fromFile(Path.of(o.getPrivacyPolicy()));
    keyset = o.getKeyset() == null ? null : Keyset.KeysetSource.parse(o.getKeyset(), "--keyset");
    subjectKeys = o.getSubjectKeys();
    indexKeyId = o.getIndexKeyId();
    if (policy.needsKeys() && keyset == null) {
      throw new IllegalArgumentException(
          "--keyset: the privacy policy tokenizes or encrypts; expected file:<path> or env:<VARIABLE>");
    }
    if (policy.encrypts() && subjectKeys == null) {
      throw new IllegalArgumentException(
          "--subjectKeys: the privacy policy encrypts per subject; expected a directory");
    }
    protection =
        ProtectionSpec.of(policy, keyset, subjectKeys, subjectKeys == null ? null : indexKeyId);
  }

  /**
   * The settings of {@code options}: parsed now, or the same instance as before when no option
   * changed since. Throws an IllegalArgumentException of one line naming the bad option.
   */
  public static ClickstreamSettings of(PipelineOptions options) {
    return ParsedSettings.of(
        options, ClickstreamOptions.class, ClickstreamSettings.class, ClickstreamSettings::parse);
  }

  /** Parses {@code options} anew (no cache); {@link #of} is what a run uses. */
  public static ClickstreamSettings parse(ClickstreamOptions options) {
    return new ClickstreamSettings(options);
  }

  private static Checks loadChecks(String path) {
    try {
      Path file = Path.of(path);
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("no checks file '" + file + "'");
      }
      Checks c = Checks.fromFile(file);
      c.checkIn(ClickstreamPipeline.EVENT_SCHEMA);
      return c;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--checks: " + e.getMessage(), e);
    }
  }

  /** {@code held}, {@code arrival} or a lag such as {@code 5m}. */
  static WatermarkPolicy watermarkPolicy(String spec) {
    if ("held".equals(spec)) {
      return WatermarkPolicy.heldUntilStopped();
    }
    if ("arrival".equals(spec)) {
      return WatermarkPolicy.arrivalTime();
    }
    try {
      return WatermarkPolicy.arrivalTimeMinus(Durations.parse(spec, "--watchWatermark"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--watchWatermark: expected held, arrival or a lag like 5m, got '" + spec + "'");
    }
  }

  /** {@code --output}. */
  public String output() {
    return output;
  }

  /** {@code --window}, parsed. */
  public WindowSpec window() {
    return window;
  }

  /** {@code --dedupTtl}. */
  public Duration dedupTtl() {
    return dedupTtl;
  }

  /** {@code --stateBuckets}: how many Beam keys Dedup hashes ids into. */
  public int dedupBuckets() {
    return dedupBuckets;
  }

  /** {@code --routerBuckets}: how many keys the window stage's too-late router runs on. */
  public int routerBuckets() {
    return routerBuckets;
  }

  /** {@code --dedup}: whether the Dedup stage runs (true unless turned off). */
  public boolean dedup() {
    return dedup;
  }

  /** {@code --currencies}, trimmed, never empty. */
  public List<String> currencies() {
    return currencies;
  }

  /** The schema registry ({@code --registry}, else the bundled one). */
  public SchemaRegistry registry() {
    return registry;
  }

  /** The newest contract of {@link ClickstreamPipeline#SUBJECT} in {@link #registry}. */
  public RegisteredSchema contract() {
    return contract;
  }

  /** The record limits: the contract's rules, then the options. */
  public RecordLimits limits() {
    return limits;
  }

  /** {@code --source}. */
  public SourceKind source() {
    return source;
  }

  /** {@code --input} (file and watch sources). */
  public @Nullable String input() {
    return input;
  }

  /** {@code --format} (file and watch sources; null for Kafka). */
  public @Nullable FileFormat format() {
    return format;
  }

  /** {@code --pollInterval} (watch). */
  public @Nullable Duration pollInterval() {
    return pollInterval;
  }

  /** {@code --stopAfterIdle} (watch; null: never). */
  public @Nullable Duration stopAfterIdle() {
    return stopAfterIdle;
  }

  /** {@code --watchWatermark} (watch). */
  public @Nullable WatermarkPolicy watchWatermark() {
    return watchWatermark;
  }

  /** {@code --markers} (watch). */
  public @Nullable String markers() {
    return markers;
  }

  /** {@code --bootstrapServers}. */
  public @Nullable String bootstrapServers() {
    return bootstrapServers;
  }

  /** {@code --topic} (Kafka source). */
  public @Nullable String topic() {
    return topic;
  }

  /** {@code --payloadFormat} (Kafka source and sink; null when neither is used). */
  public @Nullable PayloadFormat payloadFormat() {
    return payloadFormat;
  }

  /** {@code --consumerGroup}. */
  public String consumerGroup() {
    return consumerGroup;
  }

  /** {@code --kafkaWatermark} as a lag; null when held. */
  public @Nullable Duration kafkaWatermark() {
    return kafkaWatermark;
  }

  /** {@code --maxRecords}. */
  public @Nullable Long maxRecords() {
    return maxRecords;
  }

  /** {@code --sinkTopic}; null: no sink. */
  public @Nullable String sinkTopic() {
    return sinkTopic;
  }

  /** {@code --sinkShards}. */
  public int sinkShards() {
    return sinkShards;
  }

  /** {@code --sinkGroupId}. */
  public String sinkGroupId() {
    return sinkGroupId;
  }

  /** The checks of {@code --checks}, loaded and checked against the contract; null: none. */
  public @Nullable Checks checks() {
    return checks;
  }

  /** {@code --qualityRepository}, else {@code <output>/quality/repository}. */
  public Path qualityRepository() {
    return qualityRepository;
  }

  /** The privacy policy and its key sources: the one instance of the run. */
  public ProtectionSpec protection() {
    return protection;
  }

  /** {@code --keyset}, parsed; null when not given. */
  public Keyset.@Nullable KeysetSource keyset() {
    return keyset;
  }

  /** {@code --subjectKeys}. */
  public @Nullable String subjectKeys() {
    return subjectKeys;
  }

  /** {@code --indexKeyId}. */
  public String indexKeyId() {
    return indexKeyId;
  }

  /** The input as the user gave it: the file pattern, or {@code kafka://servers/topic}. */
  public @Nullable String inputName() {
    return source == SourceKind.KAFKA ? "kafka://" + bootstrapServers + "/" + topic : input;
  }

  /** The input as a lineage dataset (the file pattern or the topic), with the contract. */
  public LineageDataset inputDataset() {
    LineageDataset in =
        source == SourceKind.KAFKA
            ? LineageDataset.kafka(bootstrapServers, topic)
            : LineageDataset.file(input);
    return in.withSchema(ClickstreamPipeline.EVENT_SCHEMA);
  }
}
