package io.tributary.io.kafka;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;
import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkState;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.StageCounters;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A bounded replay of Kafka topics between fixed offsets: the text values of every message from
 * each partition's start offset up to its end offset, as captured once (by default when the
 * pipeline is built), so a replay reads exactly the same messages on every runner, every
 * parallelism and every rerun.
 *
 * <p>This is the bound to use for backfills and tests instead of KafkaIO's {@code
 * withMaxNumRecords}, which splits its record budget evenly over readers and, on Flink with
 * parallelism above 1 and uneven partitions, keeps polling forever (see docs/ingestion.md). Each
 * partition range is read by one worker with a plain consumer ({@code assign} + {@code seek}, no
 * consumer group, nothing committed, {@code isolation.level=read_committed}); the ranges are spread
 * over workers by a reshuffle. The output is a bounded {@code PCollection}, so windows, state and
 * {@code GroupByKey} downstream behave as for a file.
 *
 * <p>Values are decoded as UTF-8 text. A message with a null value (a tombstone, as Debezium sends
 * after a delete for log compaction) becomes the text {@code null}, which is how JSON readers such
 * as {@code Cdc.apply} recognize a tombstone. A value that is not UTF-8 goes to the bad-record
 * handler, stage {@code decode}, reason {@code invalid_utf8} (or {@code too_large} over {@link
 * Read#withLimits}), with a JSON payload of topic, partition, offset, timestamp, key and value
 * (base64). Values are raw text, as {@code ReadLines}' lines are: an empty or blank value is output
 * as it is, for the decoder after the replay to reject ({@code Cdc.apply}, {@code DecodeJson}:
 * {@code empty_line}).
 *
 * <p><b>Accounting.</b> The replay is one {@link AccountedStage}, named {@value #STAGE} by default
 * ({@link Read#withStageName}), the stage its rejections have always carried: every message is
 * counted in {@code tributary/stage.decode.in}, every value output in {@code stage.decode.out},
 * every rejection in {@code dead_letter.decode.<reason>}, so {@code in = out + rejected}. The
 * counters count in Beam's metrics and in the in-JVM mirror the live progress line reads; two
 * replays of one pipeline take a name each, e.g. {@code withStageName("read_orders")}.
 *
 * <pre>{@code
 * List<KafkaReplay.OffsetRange> ranges = KafkaReplay.currentRanges("localhost:9092", List.of("orders"));
 * PCollection<String> changes = pipeline.apply("ReadOrders", KafkaReplay.values()
 *     .withBootstrapServers("localhost:9092")
 *     .withRanges(ranges)                       // or withTopic("orders"): captured at expansion
 *     .withBadRecordErrorHandler(deadLetters));
 * }</pre>
 */
public final class KafkaReplay {
  private KafkaReplay() {}

  /** The default stage name, the stage of its rejections. */
  public static final String STAGE = "decode";

  private static final Schema RANGE =
      Schema.builder()
          .addStringField("topic")
          .addInt32Field("partition")
          .addInt64Field("start")
          .addInt64Field("end")
          .build();

  /** A replay of message values; bootstrap servers and topics (or ranges) are required. */
  public static Read values() {
    return new AutoValue_KafkaReplay_Read.Builder()
        .setTopics(ImmutableList.of())
        .setStage(STAGE)
        .setStallTimeout(Duration.ofMinutes(2))
        .setLimits(RecordLimits.defaults())
        .setBadRecordErrorHandler(DeadLetters.defaultHandler())
        .build();
  }

  /**
   * The offsets {@code [start, end)} of one topic partition; its text form is {@code
   * topic:partition:start-end}.
   */
  public static final class OffsetRange implements Serializable {
    private static final long serialVersionUID = 1L;

    public final String topic;
    public final int partition;
    public final long start;
    public final long end;

    private OffsetRange(String topic, int partition, long start, long end) {
      this.topic = topic;
      this.partition = partition;
      this.start = start;
      this.end = end;
    }

    /** The range {@code [start, end)} of {@code topic}'s {@code partition}. */
    public static OffsetRange of(String topic, int partition, long start, long end) {
      checkArgument(
          topic != null && !topic.isBlank() && !topic.contains(":") && !topic.contains(","),
          "KafkaReplay.OffsetRange: topic must be a Kafka topic name, got '%s'",
          topic);
      checkArgument(
          partition >= 0, "KafkaReplay.OffsetRange: partition must be >= 0, got %s", partition);
      checkArgument(
          start >= 0 && end >= start,
          "KafkaReplay.OffsetRange: expected 0 <= start <= end, got %s-%s",
          start,
          end);
      return new OffsetRange(topic, partition, start, end);
    }

    /** Parses {@code topic:partition:start-end[,topic:partition:start-end...]}. */
    public static List<OffsetRange> parseList(String text) {
      List<OffsetRange> ranges = new ArrayList<>();
      for (String part : text.split(",", -1)) {
        String s = part.trim();
        if (s.isEmpty()) {
          continue;
        }
        // limit 0: trailing empty strings are dropped, as before (String.split's default), so the
        // accepted and rejected inputs and the error for each stay the same.
        String[] p = s.split(":", 0);
        String[] se = p.length == 3 ? p[2].split("-", 0) : new String[0];
        if (p.length != 3 || se.length != 2) {
          throw new IllegalArgumentException("expected topic:partition:start-end, got '" + s + "'");
        }
        try {
          ranges.add(
              of(p[0], Integer.parseInt(p[1]), Long.parseLong(se[0]), Long.parseLong(se[1])));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              "expected topic:partition:start-end with numbers, got '" + s + "'");
        }
      }
      return ranges;
    }

    /**
     * The text form of a list, sorted by topic and partition: stable, so it can be fingerprinted.
     */
    public static String formatList(List<OffsetRange> ranges) {
      return ranges.stream()
          .sorted(
              Comparator.<OffsetRange, String>comparing(r -> r.topic)
                  .thenComparingInt(r -> r.partition))
          .map(OffsetRange::toString)
          .collect(Collectors.joining(","));
    }

    /** Messages in the range (offsets; control records of transactions take offsets too). */
    public long size() {
      return end - start;
    }

    @Override
    public String toString() {
      return topic + ":" + partition + ":" + start + "-" + end;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof OffsetRange && o.toString().equals(toString());
    }

    @Override
    public int hashCode() {
      return toString().hashCode();
    }
  }

  /**
   * Every partition of {@code topics}, from its log start offset to its current end offset (the
   * last stable offset under {@code read_committed}): what a replay started now reads.
   *
   * @throws IllegalArgumentException naming the topic when it does not exist, or the servers when
   *     they do not answer
   */
  public static List<OffsetRange> currentRanges(String bootstrapServers, List<String> topics) {
    checkArgument(
        bootstrapServers != null && !bootstrapServers.isBlank(),
        "KafkaReplay.currentRanges: bootstrapServers must not be empty");
    List<OffsetRange> ranges = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers)) {
      for (String topic : topics) {
        List<PartitionInfo> infos =
            partitionsFor(consumer, bootstrapServers, topic, Duration.ofSeconds(30));
        if (infos.isEmpty()) {
          throw new IllegalArgumentException(
              "Kafka topic '" + topic + "' does not exist at " + bootstrapServers);
        }
        List<TopicPartition> partitions =
            infos.stream()
                .map(i -> new TopicPartition(topic, i.partition()))
                .collect(Collectors.toList());
        Map<TopicPartition, Long> begin =
            consumer.beginningOffsets(partitions, Duration.ofSeconds(30));
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
        for (TopicPartition tp : partitions) {
          ranges.add(OffsetRange.of(topic, tp.partition(), begin.get(tp), end.get(tp)));
        }
      }
    }
    ranges.sort(
        Comparator.<OffsetRange, String>comparing(r -> r.topic).thenComparingInt(r -> r.partition));
    return ranges;
  }

  /**
   * The partitions of {@code topic}, empty when it does not exist; an {@link
   * IllegalArgumentException} naming the servers and the topic when they do not answer within
   * {@code timeout}.
   */
  static List<PartitionInfo> partitionsFor(
      KafkaConsumer<byte[], byte[]> consumer,
      String bootstrapServers,
      String topic,
      Duration timeout) {
    List<PartitionInfo> infos;
    try {
      infos = consumer.partitionsFor(topic, timeout);
    } catch (KafkaException e) {
      throw new IllegalArgumentException(
          "Kafka at "
              + bootstrapServers
              + " did not answer for topic '"
              + topic
              + "': "
              + e.getMessage());
    }
    return infos == null ? List.of() : infos;
  }

  static KafkaConsumer<byte[], byte[]> consumer(String bootstrapServers) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // A start offset that retention removed must fail loudly, not silently skip to another offset.
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** The transform returned by {@link #values()}. */
  @AutoValue
  public abstract static class Read extends PTransform<PBegin, PCollection<String>>
      implements AccountedStage {
    abstract @Nullable String bootstrapServers();

    abstract ImmutableList<String> topics();

    abstract @Nullable ImmutableList<OffsetRange> ranges();

    abstract String stage();

    abstract Duration stallTimeout();

    abstract RecordLimits limits();

    abstract ErrorHandler<BadRecord, ?> badRecordErrorHandler();

    abstract Builder toBuilder();

    @AutoValue.Builder
    abstract static class Builder {
      abstract Builder setBootstrapServers(String s);

      abstract Builder setTopics(ImmutableList<String> t);

      abstract Builder setRanges(@Nullable ImmutableList<OffsetRange> r);

      abstract Builder setStage(String s);

      abstract Builder setStallTimeout(Duration d);

      abstract Builder setLimits(RecordLimits l);

      abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> h);

      abstract Read build();
    }

    /** {@code host:port[,host:port]}. */
    public Read withBootstrapServers(String servers) {
      checkArgument(
          servers != null && !servers.isBlank(),
          "KafkaReplay.values().withBootstrapServers: servers must not be empty");
      return toBuilder().setBootstrapServers(servers).build();
    }

    /**
     * Replays every partition of {@code topic}, up to the end offsets seen when the transform
     * expands.
     */
    public Read withTopic(String topic) {
      checkArgument(
          topic != null && !topic.isBlank(),
          "KafkaReplay.values().withTopic: topic must not be empty");
      return toBuilder()
          .setTopics(ImmutableList.<String>builder().addAll(topics()).add(topic).build())
          .build();
    }

    /**
     * Replays exactly these ranges (e.g. from {@link #currentRanges}, captured once for several
     * runs).
     */
    public Read withRanges(List<OffsetRange> ranges) {
      checkArgument(ranges != null, "KafkaReplay.values().withRanges: ranges must not be null");
      return toBuilder().setRanges(ImmutableList.copyOf(ranges)).build();
    }

    /**
     * The stage name (lower_snake_case), {@value KafkaReplay#STAGE} by default: the prefix of the
     * stage's counters and the stage of every rejection.
     */
    public Read withStageName(String name) {
      return toBuilder()
          .setStage(AccountedStage.checkName(name, "KafkaReplay.values().withStageName"))
          .build();
    }

    @Override
    public String stageName() {
      return stage();
    }

    /**
     * How long a partition may return nothing before its end offset is reached; 2 minutes by
     * default.
     */
    public Read withStallTimeout(Duration timeout) {
      checkArgument(
          timeout != null && !timeout.isNegative() && !timeout.isZero(),
          "KafkaReplay.values().withStallTimeout: timeout must be > 0, got %s",
          timeout);
      return toBuilder().setStallTimeout(timeout).build();
    }

    /**
     * Bounds of one message: a value over {@link RecordLimits#maxRecordBytes()} is a {@code
     * too_large} dead letter (its head, length and SHA-256) before it is decoded. {@link
     * RecordLimits#defaults()} by default.
     */
    public Read withLimits(RecordLimits limits) {
      checkArgument(limits != null, "KafkaReplay.values().withLimits: limits must not be null");
      return toBuilder().setLimits(limits).build();
    }

    /** Sends values that are not UTF-8 to {@code handler} instead of failing the pipeline. */
    public Read withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
      checkArgument(
          handler != null,
          "KafkaReplay.values().withBadRecordErrorHandler: handler must not be null");
      return toBuilder().setBadRecordErrorHandler(handler).build();
    }

    @Override
    public PCollection<String> expand(PBegin begin) {
      checkState(
          bootstrapServers() != null, "KafkaReplay.values(): withBootstrapServers() is required");
      checkState(
          !topics().isEmpty() || ranges() != null,
          "KafkaReplay.values(): withTopic() or withRanges() is required");
      List<OffsetRange> ranges = new ArrayList<>(ranges() == null ? List.of() : ranges());
      if (!topics().isEmpty()) {
        ranges.addAll(currentRanges(bootstrapServers(), topics()));
      }
      List<Row> rows =
          ranges.stream()
              .filter(r -> r.size() > 0)
              .map(
                  r ->
                      Row.withSchema(RANGE).addValues(r.topic, r.partition, r.start, r.end).build())
              .collect(Collectors.toList());
      TupleTag<String> valuesTag = new TupleTag<String>() {};
      PCollectionTuple result =
          begin
              .apply("Ranges", Create.of(rows).withRowSchema(RANGE))
              // One range per worker at a time: spread them before the (long) reads start.
              .apply("SpreadRanges", Reshuffle.viaRandomKey())
              .apply(
                  "ReadRanges",
                  ParDo.of(
                          new ReadRangeFn(
                              bootstrapServers(),
                              stage(),
                              stallTimeout(),
                              limits(),
                              DeadLetters.routerFor(badRecordErrorHandler()),
                              valuesTag))
                      .withOutputTags(valuesTag, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
      DeadLetters.register(badRecordErrorHandler(), result);
      return result.get(valuesTag).setCoder(StringUtf8Coder.of());
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      builder
          .addIfNotNull(
              DisplayData.item("bootstrapServers", bootstrapServers())
                  .withLabel("Bootstrap servers"))
          .add(
              DisplayData.item("topics", String.join(",", topics()))
                  .withLabel("Topics (up to the end offsets at expansion)"))
          .addIfNotNull(
              DisplayData.item("ranges", ranges() == null ? null : OffsetRange.formatList(ranges()))
                  .withLabel("Offset ranges"))
          .add(DisplayData.item("stage", stage()).withLabel("Stage name"))
          .add(
              DisplayData.item("stallTimeout", stallTimeout().toString())
                  .withLabel("Stall timeout"));
    }
  }

  /** Reads one partition range with an assigned consumer and emits each value as text. */
  static final class ReadRangeFn extends DoFn<Row, String> {
    private final String bootstrapServers;
    private final String stage;
    private final StageCounters counters;
    private final Duration stallTimeout;
    private final RecordLimits limits;
    private final BadRecordRouter router;
    private final TupleTag<String> valuesTag;
    private transient KafkaConsumer<byte[], byte[]> consumer;
    private transient ObjectMapper mapper;

    ReadRangeFn(
        String bootstrapServers,
        String stage,
        Duration stallTimeout,
        RecordLimits limits,
        BadRecordRouter router,
        TupleTag<String> valuesTag) {
      this.bootstrapServers = bootstrapServers;
      this.stage = stage;
      this.counters = StageCounters.of(stage);
      this.stallTimeout = stallTimeout;
      this.limits = limits;
      this.router = router;
      this.valuesTag = valuesTag;
    }

    @Setup
    public void setup() {
      consumer = consumer(bootstrapServers);
      mapper = new ObjectMapper();
    }

    @ProcessElement
    public void process(@Element Row range, MultiOutputReceiver out) throws Exception {
      TopicPartition tp = new TopicPartition(range.getString("topic"), range.getInt32("partition"));
      long start = range.getInt64("start");
      long end = range.getInt64("end");
      consumer.assign(List.of(tp));
      consumer.seek(tp, start);
      long lastProgress = System.nanoTime();
      try {
        while (consumer.position(tp) < end) {
          ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
          if (records.isEmpty()) {
            if (System.nanoTime() - lastProgress > stallTimeout.toNanos()) {
              throw new IllegalStateException(
                  "Kafka "
                      + tp
                      + ": no message for "
                      + stallTimeout
                      + " at offset "
                      + consumer.position(tp)
                      + " before the end offset "
                      + end
                      + " of the replay");
            }
            continue;
          }
          lastProgress = System.nanoTime();
          for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
            if (record.offset() >= end) {
              break;
            }
            emit(record, out);
          }
        }
      } catch (OffsetOutOfRangeException e) {
        throw new IllegalStateException(
            "Kafka "
                + tp
                + ": offset "
                + start
                + " is no longer in the log (removed by "
                + "retention or compaction); capture the offsets again to replay what is left",
            e);
      } finally {
        consumer.unsubscribe();
      }
    }

    private void emit(ConsumerRecord<byte[], byte[]> record, MultiOutputReceiver out)
        throws Exception {
      counters.in();
      byte[] value = record.value();
      if (value == null) {
        counters.out();
        out.get(valuesTag).output("null");
        return;
      }
      String where =
          "topic "
              + record.topic()
              + " partition "
              + record.partition()
              + " offset "
              + record.offset();
      if (value.length > limits.maxRecordBytes()) {
        KafkaRows.rejectTooLarge(
            router,
            out,
            mapper,
            limits,
            new RecordRejectedException(stage, "too_large", where),
            record.topic(),
            record.partition(),
            record.offset(),
            record.timestamp(),
            record.key(),
            value);
        return;
      }
      try {
        String text = KafkaRows.utf8(value, stage);
        counters.out();
        out.get(valuesTag).output(text);
      } catch (RecordRejectedException e) {
        DeadLetters.reject(
            router,
            out,
            describe(record),
            StringUtf8Coder.of(),
            new RecordRejectedException(e.stage(), e.reason(), where + ": " + e.getMessage()));
      }
    }

    private String describe(ConsumerRecord<byte[], byte[]> record) throws Exception {
      return KafkaRows.deadLetterPayload(
          mapper,
          record.topic(),
          record.partition(),
          record.offset(),
          record.timestamp(),
          record.key(),
          record.value());
    }

    @Teardown
    public void teardown() {
      if (consumer != null) {
        consumer.close(Duration.ofSeconds(5));
      }
    }
  }
}
