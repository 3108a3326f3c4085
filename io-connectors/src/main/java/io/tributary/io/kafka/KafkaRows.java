package io.tributary.io.kafka;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;
import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkState;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.auto.value.AutoValue;
import io.tributary.io.schema.RegisteredSchema;
import io.tributary.io.schema.ResolvingReader;
import io.tributary.io.schema.SchemaRegistry;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.errors.TruncatedPayload;
import io.tributary.transforms.json.JsonRowDecoder;
import io.tributary.transforms.json.RowJsonText;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.FusedStages;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.stages.RecordFnChain;
import io.tributary.transforms.stages.RecordStage;
import io.tributary.transforms.stages.RecordStages;
import io.tributary.transforms.time.EventTime;
import io.tributary.transforms.validate.Validate;
import io.tributary.transforms.values.RowBytesCoder;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.io.kafka.TimestampPolicyFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableList;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Kafka topics as schema'd {@link Row}s: a source that decodes Avro (Confluent wire format) or JSON
 * values against a subject of the schema registry, and a sink that encodes rows the same way.
 *
 * <p>The source reads with the subject's newest version; Avro messages written with any registered
 * older version are resolved by Avro's rules. Each message that cannot be decoded goes to the
 * bad-record handler with reason {@code too_large} (a value over {@link Read#withLimits}'s {@code
 * maxRecordBytes}, checked before decoding; the payload keeps the first {@code keptPayloadBytes} of
 * the value and gives its length and SHA-256 as typed fields), {@code not_wire_format}, {@code
 * unknown_schema_id}, {@code unresolvable_schema}, {@code corrupt_payload} or (JSON) {@code
 * invalid_utf8} (the value is not UTF-8; the message gives the first bad byte) or one of {@code
 * DecodeJson}'s; its message starts with {@code topic T partition P offset O}, and its payload is a
 * JSON object with those three, the Kafka timestamp, and the key and value (base64). Event time
 * comes from a payload {@code DATETIME} field ({@link Read#withEventTimeField}) or from the Kafka
 * timestamp; the watermark follows Kafka's create time minus {@link Read#withMaxDelay}. With a
 * consumer group, offsets are committed when the runner finalizes a checkpoint ({@code
 * commitOffsetsInFinalize}).
 *
 * <p><b>Accounting.</b> The source is one {@link AccountedStage}, named {@value Read#STAGE} by
 * default ({@link Read#withStageName}), the stage its rejections have always carried: every message
 * is counted in {@code tributary/stage.decode.in}, every row output in {@code stage.decode.out}
 * (with its processing lag), every rejection in {@code dead_letter.decode.<reason>}, so {@code in =
 * out + rejected}. The counters count in Beam's metrics and in the in-JVM mirror the live progress
 * line reads.
 *
 * <p><b>Stages in the decoding step.</b> Event time from a payload field ({@link
 * Read#withEventTimeField}) and any per-row stages ({@link Read#withStages}: {@code Validate}'s
 * rules with {@link Read#withValidation}, {@code MapFields}, {@code FilterRows}, {@code Protect},
 * {@code EventTime}) run in the step that decodes, each as a stage of its own ({@link
 * FusedStages}): its name, counters and rejections are those of the stage applied on its own,
 * without a step in between. Each message passes decoding, then event time, then the stages in
 * their order.
 *
 * <p><b>Blank payloads.</b> The rule of every text source: a JSON message whose value is missing (a
 * tombstone), empty or whitespace only is counted {@code in} and rejected as {@code empty_line},
 * like a blank line of a JSON lines or CSV file read by {@code ReadRows}.
 *
 * <pre>{@code
 * PCollection<Row> events = pipeline.apply("ReadClicks", KafkaRows.read()
 *     .withBootstrapServers("localhost:9092")
 *     .withTopic("clicks")
 *     .withSubject(SchemaRegistry.bundled(), "clickstream-event")
 *     .withConsumerGroup("tributary-clickstream")
 *     .withEventTimeField("event_time")
 *     .withBadRecordErrorHandler(handler));
 * events.apply("WriteClicks", KafkaRows.write()
 *     .withBootstrapServers("localhost:9092")
 *     .withTopic("clicks-clean")
 *     .withSchema(SchemaRegistry.bundled().latest("clickstream-event")));
 * }</pre>
 */
public final class KafkaRows {
  private KafkaRows() {}

  /** The decoding step's main output (package-visible for tests that run its DoFn). */
  static final TupleTag<Row> ROWS = new TupleTag<Row>() {};

  /** A source; bootstrap servers, topic and subject are required. */
  public static Read read() {
    return new AutoValue_KafkaRows_Read.Builder()
        .setTopics(ImmutableList.of())
        .setPayloadFormat(PayloadFormat.AVRO)
        .setMaxDelay(Duration.standardMinutes(1))
        .setWatermarkHeld(false)
        .setStage(Read.STAGE)
        .setLimits(RecordLimits.defaults())
        .setBadRecordErrorHandler(DeadLetters.defaultHandler())
        .build();
  }

  /** A sink; bootstrap servers, topic and schema are required. */
  public static Write write() {
    return new AutoValue_KafkaRows_Write.Builder()
        .setPayloadFormat(PayloadFormat.AVRO)
        .setEosShards(0)
        .build();
  }

  /** The transform returned by {@link #read()}. */
  @AutoValue
  public abstract static class Read extends PTransform<PBegin, PCollection<Row>>
      implements AccountedStage, FusedStages {
    /** The default stage name, the stage its rejections have always carried. */
    public static final String STAGE = "decode";

    abstract @Nullable String bootstrapServers();

    abstract ImmutableList<String> topics();

    abstract @Nullable SchemaRegistry registry();

    abstract @Nullable String subject();

    abstract PayloadFormat payloadFormat();

    abstract @Nullable String consumerGroup();

    abstract @Nullable String eventTimeField();

    abstract Duration maxDelay();

    abstract boolean watermarkHeld();

    abstract @Nullable Long maxNumRecords();

    abstract @Nullable Duration maxReadTime();

    abstract String stage();

    abstract RecordLimits limits();

    abstract ErrorHandler<BadRecord, ?> badRecordErrorHandler();

    abstract @Nullable RecordStages stages();

    abstract Builder toBuilder();

    @AutoValue.Builder
    abstract static class Builder {
      abstract Builder setLimits(RecordLimits limits);

      abstract Builder setBootstrapServers(String s);

      abstract Builder setTopics(ImmutableList<String> t);

      abstract Builder setRegistry(SchemaRegistry r);

      abstract Builder setSubject(String s);

      abstract Builder setPayloadFormat(PayloadFormat f);

      abstract Builder setConsumerGroup(String g);

      abstract Builder setEventTimeField(String f);

      abstract Builder setMaxDelay(Duration d);

      abstract Builder setWatermarkHeld(boolean held);

      abstract Builder setMaxNumRecords(Long n);

      abstract Builder setMaxReadTime(Duration d);

      abstract Builder setStage(String s);

      abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> h);

      abstract Builder setStages(@Nullable RecordStages stages);

      abstract Read build();
    }

    /** {@code host:port[,host:port]}. */
    public Read withBootstrapServers(String servers) {
      checkArgument(
          servers != null && !servers.isBlank(),
          "KafkaRows.read().withBootstrapServers: servers must not be empty");
      return toBuilder().setBootstrapServers(servers).build();
    }

    /** Reads {@code topic} (may be called again to read several). */
    public Read withTopic(String topic) {
      checkArgument(
          topic != null && !topic.isBlank(), "KafkaRows.read().withTopic: topic must not be empty");
      return toBuilder()
          .setTopics(ImmutableList.<String>builder().addAll(topics()).add(topic).build())
          .build();
    }

    /** Decodes against the newest version of {@code subject} in {@code registry}. */
    public Read withSubject(SchemaRegistry registry, String subject) {
      checkArgument(registry != null, "KafkaRows.read().withSubject: registry must not be null");
      registry.latest(subject); // fails now, naming the known subjects
      return toBuilder().setRegistry(registry).setSubject(subject).build();
    }

    /** Avro (Confluent wire format, the default) or JSON values. */
    public Read withPayloadFormat(PayloadFormat format) {
      checkArgument(format != null, "KafkaRows.read().withPayloadFormat: format must not be null");
      return toBuilder().setPayloadFormat(format).build();
    }

    /** Consumer group; offsets are committed for it when checkpoints finalize. */
    public Read withConsumerGroup(String group) {
      checkArgument(
          group != null && !group.isBlank(),
          "KafkaRows.read().withConsumerGroup: group must not be empty");
      return toBuilder().setConsumerGroup(group).build();
    }

    /**
     * Event time from this non-null {@code DATETIME} field; without it, the Kafka timestamp.
     * Stamped in the decoding step as a stage of its own ({@link #eventTimeStageName()}): a time
     * outside {@link #withLimits}'s event-time range is that stage's {@code out_of_range}
     * rejection, sent to this source's bad-record handler.
     */
    public Read withEventTimeField(String field) {
      checkArgument(
          field != null && !field.isBlank(),
          "KafkaRows.read().withEventTimeField: field must not be empty");
      return toBuilder().setEventTimeField(field).build();
    }

    /** How far behind the newest Kafka create time the watermark stays; 1 minute by default. */
    public Read withMaxDelay(Duration delay) {
      checkArgument(
          delay != null && !delay.isShorterThan(Duration.ZERO),
          "KafkaRows.read().withMaxDelay: delay must be >= 0, got %s",
          delay);
      return toBuilder().setMaxDelay(delay).build();
    }

    /**
     * Holds the watermark at the beginning of time until the read ends: for replays and backfills
     * of old messages with {@link #withMaxNumRecords} or {@link #withMaxReadTime}, where a
     * watermark following Kafka's create time (about now) would make every old event late. Windows
     * then fire when the read ends. Records are stamped with the minimum timestamp too, so assign
     * event time from the payload ({@link #withEventTimeField} or {@code EventTime.fromField}).
     */
    public Read withWatermarkHeld() {
      return toBuilder().setWatermarkHeld(true).build();
    }

    /** Stops after {@code n} messages: makes the source bounded (tests, backfills). */
    public Read withMaxNumRecords(long n) {
      checkArgument(n > 0, "KafkaRows.read().withMaxNumRecords: n must be > 0, got %s", n);
      return toBuilder().setMaxNumRecords(n).build();
    }

    /** Stops after reading for {@code d}: makes the source bounded. */
    public Read withMaxReadTime(Duration d) {
      checkArgument(
          d != null && d.isLongerThan(Duration.ZERO),
          "KafkaRows.read().withMaxReadTime: duration must be > 0, got %s",
          d);
      return toBuilder().setMaxReadTime(d).build();
    }

    /**
     * The stage name (lower_snake_case), {@value #STAGE} by default: the prefix of the stage's
     * counters and the stage of every rejection. Two Kafka sources of a pipeline take a name each.
     */
    public Read withStageName(String name) {
      return toBuilder()
          .setStage(AccountedStage.checkName(name, "KafkaRows.read().withStageName"))
          .build();
    }

    @Override
    public String stageName() {
      return stage();
    }

    /**
     * The stage name of {@link #withEventTimeField}'s stamping: {@code event_time} with the default
     * stage name, {@code <stage>_event_time} with one of {@link #withStageName}'s, so that two
     * named Kafka sources stamp in stages of their own.
     */
    public String eventTimeStageName() {
      return STAGE.equals(stage()) ? EventTime.STAGE : stage() + "_" + EventTime.STAGE;
    }

    /**
     * Also checks every decoded (and, with {@link #withEventTimeField}, stamped) row against {@code
     * validate}'s rules, in the same step: the rows, dead letters and accounting (a stage with
     * {@code validate}'s name and counters) of {@code validate} applied to this source's output,
     * without a step in between ({@link FusedStages}). {@code validate} must send rejections to the
     * same handler as this source ({@link #withBadRecordErrorHandler}, set before this call) and
     * have another stage name.
     *
     * <pre>{@code
     * PCollection<Row> valid = pipeline.apply("ReadClicks", KafkaRows.read()
     *     .withBootstrapServers("localhost:9092")
     *     .withTopic("clicks")
     *     .withSubject(SchemaRegistry.bundled(), "clickstream-event")
     *     .withBadRecordErrorHandler(handler)
     *     .withValidation(Validate.rows()
     *         .withRule(RowRule.atLeast("price", BigDecimal.ZERO).withReason("negative_price"))
     *         .withBadRecordErrorHandler(handler)));
     * }</pre>
     */
    public Read withValidation(Validate validate) {
      checkArgument(validate != null, "KafkaRows.read().withValidation: validate must not be null");
      return withStages("KafkaRows.read().withValidation", RecordStages.of(validate));
    }

    /**
     * Also runs {@code stages} ({@link RecordStages}: {@code Validate}, {@code MapFields}, {@code
     * FilterRows}, {@code Protect}, {@code EventTime}, in their order) on every decoded (and, with
     * {@link #withEventTimeField}, stamped) row, in the same step: the rows, dead letters and
     * accounting of {@code stages} applied to this source's output, without a step in between
     * ({@link FusedStages}). The stages must send rejections to the same handler as this source
     * ({@link #withBadRecordErrorHandler}, set before this call) and have stage names of their own.
     * {@link #withValidation} is this with one {@code Validate}.
     *
     * <pre>{@code
     * PCollection<Row> events = pipeline.apply("ReadClicks", KafkaRows.read()
     *     .withBootstrapServers("localhost:9092")
     *     .withTopic("clicks")
     *     .withSubject(SchemaRegistry.bundled(), "clickstream-event")
     *     .withBadRecordErrorHandler(handler)
     *     .withStages(RecordStages.of(
     *         Validate.rows().withRule(RowRule.notNull("user_id")).withBadRecordErrorHandler(handler),
     *         Protect.fields(policy).withKeys(keys).withBadRecordErrorHandler(handler))));
     * }</pre>
     */
    public Read withStages(RecordStages stages) {
      checkArgument(stages != null, "KafkaRows.read().withStages: stages must not be null");
      return withStages("KafkaRows.read().withStages", stages);
    }

    private Read withStages(String call, RecordStages stages) {
      stages.checkRunnableBy(
          call,
          this,
          badRecordErrorHandler(),
          eventTimeField() == null ? Set.of(stage()) : Set.of(stage(), eventTimeStageName()));
      return toBuilder().setStages(stages).build();
    }

    /** The event-time stage of {@link #withEventTimeField}, or null without one. */
    private @Nullable EventTime eventTime() {
      if (eventTimeField() == null) {
        return null;
      }
      return EventTime.fromField(eventTimeField())
          .withLimits(limits())
          .withStageName(eventTimeStageName())
          .withBadRecordErrorHandler(badRecordErrorHandler());
    }

    @Override
    public List<AccountedStage> fusedStages() {
      List<AccountedStage> stages = new ArrayList<>();
      stages.add(this);
      EventTime eventTime = eventTime();
      if (eventTime != null) {
        stages.add(eventTime);
      }
      if (stages() != null) {
        stages.addAll(stages().fusedStages());
      }
      return stages;
    }

    /**
     * Bounds of one message; values over {@link RecordLimits#maxRecordBytes()} become {@code
     * too_large} dead letters before they are decoded. {@link RecordLimits#defaults()} by default.
     */
    public Read withLimits(RecordLimits limits) {
      checkArgument(limits != null, "KafkaRows.read().withLimits: limits must not be null");
      return toBuilder().setLimits(limits).build();
    }

    /** Sends undecodable messages to {@code handler} instead of failing the pipeline. */
    public Read withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
      checkArgument(
          handler != null, "KafkaRows.read().withBadRecordErrorHandler: handler must not be null");
      return toBuilder().setBadRecordErrorHandler(handler).build();
    }

    @Override
    public PCollection<Row> expand(PBegin begin) {
      checkState(
          bootstrapServers() != null, "KafkaRows.read(): withBootstrapServers() is required");
      checkState(!topics().isEmpty(), "KafkaRows.read(): withTopic() is required");
      checkState(registry() != null, "KafkaRows.read(): withSubject() is required");
      RegisteredSchema reader = registry().latest(subject());

      Map<String, Object> consumer = new HashMap<>();
      consumer.put("auto.offset.reset", "earliest");
      KafkaIO.Read<byte[], byte[]> read =
          KafkaIO.<byte[], byte[]>read()
              .withBootstrapServers(bootstrapServers())
              .withTopics(topics())
              .withKeyDeserializer(ByteArrayDeserializer.class)
              .withValueDeserializer(ByteArrayDeserializer.class);
      read =
          watermarkHeld()
              ? read.withTimestampPolicyFactory(new HeldWatermarkPolicyFactory())
              : read.withCreateTime(maxDelay());
      if (consumerGroup() != null) {
        consumer.put("group.id", consumerGroup());
        read = read.commitOffsetsInFinalize();
      }
      read = read.withConsumerConfigUpdates(consumer);
      if (maxNumRecords() != null) {
        read = read.withMaxNumRecords(maxNumRecords());
      }
      if (maxReadTime() != null) {
        read = read.withMaxReadTime(maxReadTime());
      }
      // Checked here, whichever stage fails: the field and each stage against the contract.
      @Nullable RecordFnChain chain = chain(reader.beamSchema());
      PCollectionTuple result =
          begin
              .apply("ReadKafka", read)
              .apply(
                  "Decode",
                  ParDo.of(
                          new DecodeFn(
                                  registry(),
                                  reader,
                                  payloadFormat(),
                                  stage(),
                                  limits(),
                                  DeadLetters.routerFor(badRecordErrorHandler()))
                              .running(chain))
                      .withOutputTags(ROWS, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
      DeadLetters.register(badRecordErrorHandler(), result);
      return result
          .get(ROWS)
          .setCoder(RowBytesCoder.of(chain == null ? reader.beamSchema() : chain.outputSchema()));
    }

    /**
     * The stages the decoding step runs on each decoded row of {@code schema}: event time from the
     * payload ({@link #withEventTimeField}), then {@link #withStages}' stages; null when none.
     */
    @Nullable RecordFnChain chain(org.apache.beam.sdk.schemas.Schema schema) {
      List<RecordStage> all = new ArrayList<>();
      EventTime eventTime = eventTime();
      if (eventTime != null) {
        all.add(eventTime);
      }
      if (stages() != null) {
        all.addAll(stages().stages());
      }
      return all.isEmpty() ? null : RecordFnChain.of(RecordStages.of(all).recordFns(schema));
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      builder
          .addIfNotNull(
              DisplayData.item("bootstrapServers", bootstrapServers())
                  .withLabel("Bootstrap servers"))
          .add(DisplayData.item("topics", String.join(",", topics())).withLabel("Topics"))
          .addIfNotNull(DisplayData.item("subject", subject()).withLabel("Schema subject"))
          .add(
              DisplayData.item("payloadFormat", payloadFormat().name()).withLabel("Payload format"))
          .addIfNotNull(
              DisplayData.item("consumerGroup", consumerGroup())
                  .withLabel("Consumer group (offsets committed)"))
          .add(
              DisplayData.item(
                      "eventTime", eventTimeField() == null ? "kafka timestamp" : eventTimeField())
                  .withLabel("Event time"))
          .add(
              DisplayData.item(
                      "watermark",
                      watermarkHeld() ? "held until the read ends" : "create time - " + maxDelay())
                  .withLabel("Watermark"))
          .addIfNotNull(
              DisplayData.item("maxNumRecords", maxNumRecords()).withLabel("Stop after records"))
          .addIfNotNull(DisplayData.item("maxReadTime", maxReadTime()).withLabel("Stop after"))
          .add(
              DisplayData.item("maxRecordBytes", limits().maxRecordBytes())
                  .withLabel("Largest value (bytes)"))
          .add(DisplayData.item("stage", stage()).withLabel("Stage name"))
          .addIfNotNull(
              DisplayData.item("stages", stages() == null ? null : stages().stageNames())
                  .withLabel("Stages run in the decoding step"));
    }
  }

  /**
   * Timestamps and watermark at the minimum until the (bounded) read ends, as for files read from a
   * glob. Both must stay low: on the Direct runner a bounded read runs as a splittable DoFn whose
   * watermark follows the output timestamps, so Kafka create times (about now) would make every
   * replayed old event late. Event time is then assigned from the payload.
   */
  static final class HeldWatermarkPolicyFactory implements TimestampPolicyFactory<byte[], byte[]> {
    private static final long serialVersionUID = 1L;

    @Override
    public TimestampPolicy<byte[], byte[]> createTimestampPolicy(
        TopicPartition tp, java.util.Optional<Instant> previousWatermark) {
      return new TimestampPolicy<byte[], byte[]>() {
        @Override
        public Instant getTimestampForRecord(
            PartitionContext ctx, KafkaRecord<byte[], byte[]> record) {
          return BoundedWindow.TIMESTAMP_MIN_VALUE;
        }

        @Override
        public Instant getWatermark(PartitionContext ctx) {
          return BoundedWindow.TIMESTAMP_MIN_VALUE;
        }
      };
    }
  }

  static final class DecodeFn extends DoFn<KafkaRecord<byte[], byte[]>, Row> {
    private final ResolvingReader avro;
    private final JsonRowDecoder json;
    private final PayloadFormat format;
    private final String stage;
    private final RecordLimits limits;
    private final BadRecordRouter router;
    private final StageCounters counters;
    private @Nullable RecordFnChain chain;
    private transient ObjectMapper mapper;

    DecodeFn(
        SchemaRegistry registry,
        RegisteredSchema reader,
        PayloadFormat format,
        String stage,
        RecordLimits limits,
        BadRecordRouter router) {
      this.avro = ResolvingReader.of(registry, reader, stage);
      this.json =
          JsonRowDecoder.of(reader.beamSchema(), stage)
              .withLimits(limits)
              .withDecimalBounds(reader.decimalBounds());
      this.format = format;
      this.stage = stage;
      this.limits = limits;
      this.router = router;
      this.counters = StageCounters.of(stage);
    }

    /** Runs {@code chain}'s stages on every decoded row, in this step (null: none). */
    DecodeFn running(@Nullable RecordFnChain chain) {
      this.chain = chain;
      return this;
    }

    @Setup
    public void setup() throws Exception {
      mapper = new ObjectMapper();
      if (chain != null) {
        chain.setup();
      }
    }

    // With event time from the payload, an output may be stamped earlier than its Kafka timestamp;
    // lateness is judged downstream against the watermark (as EventTime's own step allows).
    @SuppressWarnings("deprecation")
    @Override
    public Duration getAllowedTimestampSkew() {
      return chain == null ? Duration.ZERO : chain.allowedTimestampSkew();
    }

    private String where(KafkaRecord<byte[], byte[]> record) {
      return "topic "
          + record.getTopic()
          + " partition "
          + record.getPartition()
          + " offset "
          + record.getOffset();
    }

    @ProcessElement
    public void process(
        @Element KafkaRecord<byte[], byte[]> record,
        @Timestamp Instant timestamp,
        MultiOutputReceiver out)
        throws Exception {
      counters.in();
      byte[] value = record.getKV().getValue();
      if (value != null && value.length > limits.maxRecordBytes()) {
        rejectTooLarge(
            router,
            out,
            mapper,
            limits,
            new RecordRejectedException(stage, "too_large", where(record)),
            record.getTopic(),
            record.getPartition(),
            record.getOffset(),
            record.getTimestamp(),
            record.getKV().getKey(),
            value);
        return;
      }
      Row row;
      try {
        row = decode(value);
      } catch (RecordRejectedException e) {
        RecordRejectedException located =
            new RecordRejectedException(
                e.stage(), e.reason(), where(record) + ": " + e.getMessage());
        DeadLetters.reject(router, out, describe(record), StringUtf8Coder.of(), located);
        return;
      }
      counters.out(timestamp);
      if (chain == null) {
        out.get(ROWS).output(row);
      } else {
        chain.run(row, timestamp, router, out, ROWS);
      }
    }

    private Row decode(byte[] value) throws RecordRejectedException {
      if (format == PayloadFormat.JSON) {
        if (value == null) {
          throw new RecordRejectedException(
              stage, "empty_line", "message has no value; expected a JSON object");
        }
        return json.decode(utf8(value, stage)); // an empty or blank value: empty_line
      }
      int id = ConfluentWireFormat.schemaId(value, stage);
      return avro.readRow(
          id,
          value,
          ConfluentWireFormat.HEADER_LENGTH,
          value.length - ConfluentWireFormat.HEADER_LENGTH);
    }

    private String describe(KafkaRecord<byte[], byte[]> record) throws Exception {
      return deadLetterPayload(
          mapper,
          record.getTopic(),
          record.getPartition(),
          record.getOffset(),
          record.getTimestamp(),
          record.getKV().getKey(),
          record.getKV().getValue());
    }
  }

  /**
   * Rejects a Kafka value over {@code limits.maxRecordBytes()} before it is decoded, without
   * keeping it: the dead letter holds the usual Kafka payload with the value cut to its head, the
   * value's length and its SHA-256. {@code located} names stage and location; its message gets the
   * sizes.
   */
  static void rejectTooLarge(
      BadRecordRouter router,
      DoFn.MultiOutputReceiver out,
      ObjectMapper mapper,
      RecordLimits limits,
      RecordRejectedException located,
      String topic,
      int partition,
      long offset,
      long timestamp,
      byte @Nullable [] key,
      byte[] value)
      throws Exception {
    byte[] head = Arrays.copyOf(value, Math.min(value.length, limits.keptPayloadBytes()));
    String sha256 = sha256Hex(value);
    DeadLetters.reject(
        router,
        out,
        TruncatedPayload.of(
            deadLetterPayload(mapper, topic, partition, offset, timestamp, key, head),
            value.length,
            sha256),
        TruncatedPayload.coder(),
        new RecordRejectedException(
            located.stage(),
            located.reason(),
            located.getMessage() + ": " + tooLarge(value.length, limits, sha256)));
  }

  /** The message of a {@code too_large} rejection (after the record's location). */
  static String tooLarge(long length, RecordLimits limits, String sha256) {
    return "value of "
        + length
        + " bytes, more than the limit of "
        + limits.maxRecordBytes()
        + " (RecordLimits.withMaxRecordBytes); sha-256 "
        + sha256
        + "; the payload keeps the first "
        + Math.min(length, limits.keptPayloadBytes())
        + " bytes of the value";
  }

  /** Strict UTF-8 decoding: {@code invalid_utf8} names the first bad byte. */
  static String utf8(byte[] value, String stage) throws RecordRejectedException {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(value);
    CharBuffer out = CharBuffer.allocate(value.length);
    CoderResult result = decoder.decode(in, out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      throw new RecordRejectedException(
          stage,
          "invalid_utf8",
          "message value is not valid UTF-8 at byte "
              + in.position()
              + " of "
              + value.length
              + "; the payload keeps the original bytes (value_base64)");
    }
    return out.flip().toString();
  }

  static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  /**
   * The dead-letter payload of a Kafka message, the same for every Kafka source: where it was
   * (topic, partition, offset, timestamp) and its key and value bytes in base64.
   */
  static String deadLetterPayload(
      ObjectMapper mapper,
      String topic,
      int partition,
      long offset,
      long timestamp,
      byte @Nullable [] key,
      byte @Nullable [] value)
      throws Exception {
    ObjectNode node = mapper.createObjectNode();
    node.put("topic", topic);
    node.put("partition", partition);
    node.put("offset", offset);
    node.put("timestamp", timestamp);
    node.put("key_base64", key == null ? null : Base64.getEncoder().encodeToString(key));
    node.put("value_base64", value == null ? null : Base64.getEncoder().encodeToString(value));
    return mapper.writeValueAsString(node);
  }

  /** The transform returned by {@link #write()}. */
  @AutoValue
  public abstract static class Write extends PTransform<PCollection<Row>, PDone> {
    abstract @Nullable String bootstrapServers();

    abstract @Nullable String topic();

    abstract @Nullable RegisteredSchema schema();

    abstract PayloadFormat payloadFormat();

    abstract @Nullable String keyField();

    abstract int eosShards();

    abstract @Nullable String eosSinkGroupId();

    abstract Builder toBuilder();

    @AutoValue.Builder
    abstract static class Builder {
      abstract Builder setBootstrapServers(String s);

      abstract Builder setTopic(String t);

      abstract Builder setEosShards(int n);

      abstract Builder setEosSinkGroupId(String g);

      abstract Builder setSchema(RegisteredSchema s);

      abstract Builder setPayloadFormat(PayloadFormat f);

      abstract Builder setKeyField(String f);

      abstract Write build();
    }

    /** {@code host:port[,host:port]}. */
    public Write withBootstrapServers(String servers) {
      checkArgument(
          servers != null && !servers.isBlank(),
          "KafkaRows.write().withBootstrapServers: servers must not be empty");
      return toBuilder().setBootstrapServers(servers).build();
    }

    /** The topic to write. */
    public Write withTopic(String topic) {
      checkArgument(
          topic != null && !topic.isBlank(),
          "KafkaRows.write().withTopic: topic must not be empty");
      return toBuilder().setTopic(topic).build();
    }

    /** The registered schema rows are encoded with; its id goes into every Avro message. */
    public Write withSchema(RegisteredSchema schema) {
      checkArgument(schema != null, "KafkaRows.write().withSchema: schema must not be null");
      return toBuilder().setSchema(schema).build();
    }

    /** Avro (Confluent wire format, the default) or JSON values. */
    public Write withPayloadFormat(PayloadFormat format) {
      checkArgument(format != null, "KafkaRows.write().withPayloadFormat: format must not be null");
      return toBuilder().setPayloadFormat(format).build();
    }

    /** Uses this field's value (UTF-8 text) as message key, e.g. for partitioning by user. */
    public Write withKeyField(String field) {
      checkArgument(
          field != null && !field.isBlank(),
          "KafkaRows.write().withKeyField: field must not be empty");
      return toBuilder().setKeyField(field).build();
    }

    /**
     * Writes exactly once with Kafka transactions ({@link TransactionalKafkaWrite}): {@code shards}
     * transactional writers, each committing its progress in the offsets of consumer group {@code
     * <sinkGroupId>-<shard>} in the same transaction as the records. Consumers see each record once
     * with {@code isolation.level=read_committed}.
     *
     * <p>The writer is a {@code @RequiresStableInput} step. On Beam's Flink runner that needs
     * checkpointing in EXACTLY_ONCE mode with an interval (DoFnOperator checks both); records are
     * then held until the checkpoint that contains them completes and go out in one transaction per
     * shard, one checkpoint interval late. Only one job may write with a given {@code sinkGroupId};
     * a job resumed from its own savepoint keeps it.
     */
    public Write withExactlyOnce(int shards, String sinkGroupId) {
      checkArgument(
          shards > 0, "KafkaRows.write().withExactlyOnce: shards must be > 0, got %s", shards);
      checkArgument(
          sinkGroupId != null && !sinkGroupId.isBlank(),
          "KafkaRows.write().withExactlyOnce: sinkGroupId must not be empty");
      return toBuilder().setEosShards(shards).setEosSinkGroupId(sinkGroupId).build();
    }

    @Override
    public PDone expand(PCollection<Row> rows) {
      checkState(
          bootstrapServers() != null, "KafkaRows.write(): withBootstrapServers() is required");
      checkState(topic() != null, "KafkaRows.write(): withTopic() is required");
      checkState(schema() != null, "KafkaRows.write(): withSchema() is required");
      if (keyField() != null) {
        checkArgument(
            rows.getSchema().hasField(keyField()),
            "KafkaRows.write().withKeyField: field '%s' is not in the schema; known fields: %s",
            keyField(),
            rows.getSchema().getFieldNames());
      }
      PCollection<KV<byte[], byte[]>> encoded =
          rows.apply("Encode", ParDo.of(new EncodeFn(schema(), payloadFormat(), keyField())))
              .setCoder(KvCoder.of(NullableCoder.of(ByteArrayCoder.of()), ByteArrayCoder.of()));
      if (eosSinkGroupId() != null) {
        return encoded.apply(
            "WriteKafka",
            TransactionalKafkaWrite.to(bootstrapServers(), topic())
                .withShards(eosShards())
                .withSinkGroupId(eosSinkGroupId()));
      }
      return encoded.apply(
          "WriteKafka",
          KafkaIO.<byte[], byte[]>write()
              .withBootstrapServers(bootstrapServers())
              .withTopic(topic())
              .withKeySerializer(ByteArraySerializer.class)
              .withValueSerializer(ByteArraySerializer.class));
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      builder
          .addIfNotNull(
              DisplayData.item("bootstrapServers", bootstrapServers())
                  .withLabel("Bootstrap servers"))
          .addIfNotNull(DisplayData.item("topic", topic()).withLabel("Topic"))
          .addIfNotNull(
              DisplayData.item("schema", schema() == null ? null : schema().toString())
                  .withLabel("Schema"))
          .add(
              DisplayData.item("payloadFormat", payloadFormat().name()).withLabel("Payload format"))
          .addIfNotNull(DisplayData.item("keyField", keyField()).withLabel("Key field"))
          .add(
              DisplayData.item(
                      "exactlyOnce",
                      eosSinkGroupId() == null
                          ? "no"
                          : eosShards() + " shards, sink group " + eosSinkGroupId())
                  .withLabel("Exactly-once (transactions)"));
    }
  }

  static final class EncodeFn extends DoFn<Row, KV<byte[], byte[]>> {
    private final RegisteredSchema schema;
    private final PayloadFormat format;
    private final @Nullable String keyField;

    EncodeFn(RegisteredSchema schema, PayloadFormat format, @Nullable String keyField) {
      this.schema = schema;
      this.format = format;
      this.keyField = keyField;
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<KV<byte[], byte[]>> out) {
      byte[] key = null;
      if (keyField != null && row.getValue(keyField) != null) {
        key = String.valueOf((Object) row.getValue(keyField)).getBytes(StandardCharsets.UTF_8);
      }
      byte[] value =
          format == PayloadFormat.JSON
              ? RowJsonText.render(row).getBytes(StandardCharsets.UTF_8)
              : ConfluentWireFormat.encode(schema, row);
      out.output(KV.of(key, value));
    }
  }
}
