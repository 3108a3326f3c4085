package io.tributary.pipelines.ordersmart;

import io.tributary.io.kafka.KafkaChecks;
import io.tributary.io.kafka.KafkaReplay;
import io.tributary.pipelines.options.JdbcOptions;
import io.tributary.pipelines.options.ParsedSettings;
import io.tributary.pipelines.options.SourceKind;
import io.tributary.pipelines.runtime.RecordLimitsOptions;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.values.Durations;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.beam.sdk.options.PipelineOptions;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The orders-mart job's option values, each parsed once ({@link #of}): the dates to build, the
 * source ({@link SourceKind#FILE} or {@link SourceKind#KAFKA}) with its change logs or topics and
 * the Kafka offsets to replay, the PostgreSQL target with its batch size and retries, and the
 * record limits. {@link OrdersMartJob#validate} is parsing them; {@link
 * OrdersMartPipeline#build(org.apache.beam.sdk.Pipeline, OrdersMartSettings)}, the lineage and the
 * backfill's input fingerprint use the same instance.
 *
 * <p>With {@code --source=kafka} and no {@code --kafkaOffsets}, parsing captures the end offsets of
 * both topics and stores them in the option, so every later build with the same options (the dates
 * of one backfill) replays exactly the same messages. A bad value fails the parse with an
 * IllegalArgumentException of one line that names the option.
 *
 * <pre>{@code
 * OrdersMartSettings s = OrdersMartSettings.of(options); // parsed once per options
 * List<String> dates = s.partitions();
 * }</pre>
 */
public final class OrdersMartSettings {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(OrdersMartSettings.class);

  private final String output;
  private final List<String> partitions;
  private final String jdbcUrl;
  private final String jdbcUser;
  private final String jdbcPassword;
  private final int jdbcBatchSize;
  private final int jdbcRetries;
  private final long jdbcRetryBackoffMillis;
  private final long jdbcMaxRetryBackoffMillis;
  private final SourceKind source;
  private final @Nullable String orders;
  private final @Nullable String products;
  private final @Nullable String bootstrapServers;
  private final @Nullable String ordersTopic;
  private final @Nullable String productsTopic;
  private final List<KafkaReplay.OffsetRange> kafkaOffsets;
  private final RecordLimits limits;

  private OrdersMartSettings(OrdersMartOptions o) {
    output = o.getOutput();
    partitions = partitions(o.getPartitions());
    jdbcUrl = o.getJdbcUrl();
    if (!jdbcUrl.isEmpty() && !jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "--jdbcUrl: expected jdbc:postgresql://host:port/database, got '" + jdbcUrl + "'");
    }
    jdbcUser = o.getJdbcUser();
    jdbcPassword = JdbcOptions.password(o);
    jdbcBatchSize = positive(o.getJdbcBatchSize(), "--jdbcBatchSize", 1);
    jdbcRetries = positive(o.getJdbcRetries(), "--jdbcRetries", 0);
    jdbcRetryBackoffMillis =
        Durations.parse(o.getJdbcRetryBackoff(), "--jdbcRetryBackoff").getMillis();
    jdbcMaxRetryBackoffMillis =
        Durations.parse(o.getJdbcMaxRetryBackoff(), "--jdbcMaxRetryBackoff").getMillis();
    if (jdbcMaxRetryBackoffMillis < jdbcRetryBackoffMillis) {
      throw new IllegalArgumentException(
          "--jdbcMaxRetryBackoff: must be at least --jdbcRetryBackoff ("
              + o.getJdbcRetryBackoff()
              + "), got '"
              + o.getJdbcMaxRetryBackoff()
              + "'");
    }
    source = SourceKind.parse(o.getSource(), SourceKind.FILE, SourceKind.KAFKA);
    orders = o.getOrders();
    products = o.getProducts();
    bootstrapServers = o.getBootstrapServers();
    ordersTopic = o.getOrdersTopic();
    productsTopic = o.getProductsTopic();
    if (source == SourceKind.KAFKA) {
      for (String[] required :
          new String[][] {
            {"--bootstrapServers", bootstrapServers},
            {"--ordersTopic", ordersTopic},
            {"--productsTopic", productsTopic}
          }) {
        if (required[1] == null || required[1].isBlank()) {
          throw new IllegalArgumentException(required[0] + ": required with --source=kafka");
        }
      }
      kafkaOffsets = kafkaOffsets(o);
    } else {
      kafkaOffsets = List.of();
    }
    limits = RecordLimitsOptions.limits(o, null);
  }

  /**
   * The settings of {@code options}: parsed now, or the same instance as before when no option
   * changed since. Throws an IllegalArgumentException of one line naming the bad option.
   */
  public static OrdersMartSettings of(PipelineOptions options) {
    return ParsedSettings.of(
        options, OrdersMartOptions.class, OrdersMartSettings.class, OrdersMartSettings::new);
  }

  private static int positive(@Nullable Integer value, String option, int min) {
    if (value == null || value < min) {
      throw new IllegalArgumentException(
          option + ": must be " + (min == 0 ? ">= 0" : "> 0") + ", got " + value);
    }
    return value;
  }

  /** The dates of {@code --partitions}, validated. */
  private static List<String> partitions(String option) {
    List<String> dates =
        Arrays.stream(option.split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toUnmodifiableList());
    for (String d : dates) {
      try {
        LocalDate.parse(d);
      } catch (java.time.format.DateTimeParseException e) {
        throw new IllegalArgumentException(
            "--partitions: expected dates YYYY-MM-DD, got '" + d + "'");
      }
    }
    return dates;
  }

  /**
   * The Kafka offsets this run replays ({@code --kafkaOffsets}). When the option is empty, the end
   * offsets of both topics are captured now and stored in it.
   */
  private static List<KafkaReplay.OffsetRange> kafkaOffsets(OrdersMartOptions options) {
    if (options.getKafkaOffsets() == null || options.getKafkaOffsets().isBlank()) {
      List<KafkaReplay.OffsetRange> now;
      // A broker nobody runs: one line now, not the client's reconnect warnings for 30 s.
      KafkaChecks.requireBroker("--bootstrapServers", options.getBootstrapServers());
      try {
        now =
            KafkaReplay.currentRanges(
                options.getBootstrapServers(),
                List.of(options.getOrdersTopic(), options.getProductsTopic()));
      } catch (org.apache.kafka.common.KafkaException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      options.setKafkaOffsets(KafkaReplay.OffsetRange.formatList(now));
      LOG.info("orders-mart: replaying Kafka offsets --kafkaOffsets={}", options.getKafkaOffsets());
    }
    List<KafkaReplay.OffsetRange> ranges;
    try {
      ranges = KafkaReplay.OffsetRange.parseList(options.getKafkaOffsets());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--kafkaOffsets: " + e.getMessage());
    }
    for (KafkaReplay.OffsetRange r : ranges) {
      if (!r.topic.equals(options.getOrdersTopic())
          && !r.topic.equals(options.getProductsTopic())) {
        throw new IllegalArgumentException(
            "--kafkaOffsets: topic '"
                + r.topic
                + "' is neither --ordersTopic ("
                + options.getOrdersTopic()
                + ") nor --productsTopic ("
                + options.getProductsTopic()
                + ")");
      }
    }
    return List.copyOf(ranges);
  }

  /** {@code --output}. */
  public String output() {
    return output;
  }

  /** The dates of {@code --partitions}; empty: every date in the input. */
  public List<String> partitions() {
    return partitions;
  }

  /** {@code --jdbcUrl}; empty: the lake only. */
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

  /** {@code --jdbcBatchSize}: rows per JDBC batch (an upsert's transaction). */
  public int jdbcBatchSize() {
    return jdbcBatchSize;
  }

  /** {@code --jdbcRetries}: retries of a transaction on connection errors. */
  public int jdbcRetries() {
    return jdbcRetries;
  }

  /** {@code --jdbcRetryBackoff} in milliseconds: the wait before the first retry. */
  public long jdbcRetryBackoffMillis() {
    return jdbcRetryBackoffMillis;
  }

  /** {@code --jdbcMaxRetryBackoff} in milliseconds: the longest wait between two retries. */
  public long jdbcMaxRetryBackoffMillis() {
    return jdbcMaxRetryBackoffMillis;
  }

  /** {@code --source}: {@link SourceKind#FILE} or {@link SourceKind#KAFKA}. */
  public SourceKind source() {
    return source;
  }

  /** {@code --orders}. */
  public @Nullable String orders() {
    return orders;
  }

  /** {@code --products}. */
  public @Nullable String products() {
    return products;
  }

  /** {@code --bootstrapServers}. */
  public @Nullable String bootstrapServers() {
    return bootstrapServers;
  }

  /** {@code --ordersTopic}. */
  public @Nullable String ordersTopic() {
    return ordersTopic;
  }

  /** {@code --productsTopic}. */
  public @Nullable String productsTopic() {
    return productsTopic;
  }

  /** The offset ranges the Kafka source replays (captured when not given); empty for files. */
  public List<KafkaReplay.OffsetRange> kafkaOffsets() {
    return kafkaOffsets;
  }

  /** The record limits of {@code --maxRecordBytes} and the others. */
  public RecordLimits limits() {
    return limits;
  }
}
