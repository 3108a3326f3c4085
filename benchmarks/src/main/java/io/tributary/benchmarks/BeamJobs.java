package io.tributary.benchmarks;

import io.tributary.benchmarks.BeamStages.CountBadRecords;
import io.tributary.benchmarks.BeamStages.CountSumFn;
import io.tributary.benchmarks.BeamStages.MarkFirstFn;
import io.tributary.benchmarks.BeamStages.MarkLastFn;
import io.tributary.transforms.dedup.Dedup;
import io.tributary.transforms.json.DecodeJson;
import io.tributary.transforms.time.EventTime;
import io.tributary.transforms.validate.DecodeAndValidate;
import io.tributary.transforms.validate.RowRule;
import io.tributary.transforms.validate.Validate;
import io.tributary.transforms.windowing.Windowing;
import java.math.BigDecimal;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.BigDecimalCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Deduplicate;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.WithTimestamps;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The two Beam variants of the workload: Tributary's transforms (a, d) and Beam built-ins only (c).
 */
final class BeamJobs {
  /**
   * The ClickEvent contract (runners-config/schemas/clickstream-event) as a Beam schema, written
   * out here so the benchmark does not pull in io-connectors (Kafka, Parquet, Hadoop).
   */
  static final Schema SCHEMA =
      Schema.builder()
          .addStringField("event_id")
          .addStringField("user_id")
          .addStringField("event_type")
          .addStringField("product_id")
          .addDecimalField("price")
          .addStringField("currency")
          .addDateTimeField("event_time")
          .addNullableField("email", FieldType.STRING)
          .addNullableField("ip", FieldType.STRING)
          .addNullableField("user_agent", FieldType.STRING)
          .build();

  static final Duration TTL = Duration.standardHours(24);

  /** The main output of (c')'s parse step. */
  static final TupleTag<Row> ROWS = new TupleTag<Row>() {};

  private BeamJobs() {}

  /**
   * (a)/(d): the clickstream pipeline's stages, without the optional quality stage and without
   * Protect (README).
   */
  static void tributary(Pipeline p, String input) {
    tributary(p, input, true);
  }

  /**
   * (a), with decode, validate and event time in one step and a Dedup without a duplicates output
   * ({@code fused}), or as three transforms and a Dedup with one (as (a) was before 2026-12-07).
   */
  static void tributary(Pipeline p, String input, boolean fused) {
    tributary(p, input, true, true, fused);
  }

  /**
   * (a) with Tributary's decode+validate and/or Tributary's dedup swapped for the built-ins of (c):
   * an ablation that attributes the difference between (a) and (c) to stages.
   */
  static void tributary(
      Pipeline p, String input, boolean tributaryDecode, boolean tributaryDedup, boolean fused) {
    BadRecordErrorHandler<?> rejected = p.registerBadRecordErrorHandler(new CountBadRecords());
    PCollection<String> lines =
        p.apply("Read", TextIO.read().from(input)).apply("MarkFirst", ParDo.of(new MarkFirstFn()));
    DecodeJson.Rows decode = DecodeJson.toRows(SCHEMA).withBadRecordErrorHandler(rejected);
    Validate validate =
        Validate.rows()
            .withRule(RowRule.atLeast("price", BigDecimal.ZERO).withReason("negative_price"))
            .withRule(
                RowRule.oneOf("currency", ClickParser.CURRENCIES).withReason("unknown_currency"))
            .withBadRecordErrorHandler(rejected);
    // As in the clickstream job, rows out of the event-time range are dead letters, not failures.
    EventTime eventTime = EventTime.fromField("event_time").withBadRecordErrorHandler(rejected);
    PCollection<Row> events =
        !tributaryDecode
            ? lines
                .apply("ParseValidate", ParDo.of(new ParseToRowFn()))
                .setRowSchema(SCHEMA)
                .apply("EventTime", eventTime)
            : fused
                ? lines.apply(
                    "DecodeValidateStamp",
                    DecodeAndValidate.of(decode, validate).withEventTime(eventTime))
                : lines
                    .apply("Decode", decode)
                    .apply("Validate", validate)
                    .apply("EventTime", eventTime);
    // Fused: Dedup only counts duplicates (one output, chained on Flink), as the clickstream job.
    Dedup.ById<Row> dedup = Dedup.<Row>byField("event_id").withTtl(TTL);
    int buckets = Integer.getInteger("bench.dedupBuckets", 0);
    if (buckets > 0) {
      dedup = dedup.withBuckets(buckets);
    }
    PCollection<Row> unique =
        tributaryDedup
            ? events.apply("Dedup", fused ? dedup.withoutDuplicatesOutput() : dedup).output()
            : events
                .apply(
                    "KeyById",
                    WithKeys.of((Row r) -> r.getString("event_id"))
                        .withKeyType(TypeDescriptors.strings()))
                .setCoder(
                    KvCoder.of(
                        StringUtf8Coder.of(), org.apache.beam.sdk.coders.RowCoder.of(SCHEMA)))
                .apply(
                    "Dedup",
                    Deduplicate.<String, Row>keyedValues()
                        .withDuration(TTL)
                        .withTimeDomain(TimeDomain.EVENT_TIME))
                .apply("DropKey", Values.create())
                .setRowSchema(SCHEMA);
    unique
        .apply("Window", Windowing.<Row>of("fixed:1m"))
        .output()
        .apply(
            "KeyByType",
            MapElements.into(
                    TypeDescriptors.kvs(
                        TypeDescriptors.strings(), TypeDescriptor.of(BigDecimal.class)))
                .via((Row r) -> KV.of(r.getString("event_type"), r.getDecimal("price"))))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), BigDecimalCoder.of()))
        .apply("Aggregate", Combine.perKey(new CountSumFn()))
        .apply("MarkLast", ParDo.of(new MarkLastFn()));
    rejected.close();
  }

  /** (c): the same logic with Beam built-ins and the hand-written parser of (b) and (e). */
  static void builtins(Pipeline p, String input) {
    keyDedupWindowAggregate(
        p.apply("Read", TextIO.read().from(input))
            .apply("MarkFirst", ParDo.of(new MarkFirstFn()))
            .apply("ParseValidate", ParDo.of(new ParseToRowFn()))
            .setRowSchema(SCHEMA));
  }

  /** The part of (c) and (c') after parsing: stamp, dedup by id, window, sum per type. */
  private static void keyDedupWindowAggregate(PCollection<Row> rows) {
    rows.apply(
            "EventTime",
            WithTimestamps.of((Row r) -> new Instant(r.getDateTime("event_time").getMillis())))
        .apply(
            "KeyById",
            WithKeys.of((Row r) -> r.getString("event_id")).withKeyType(TypeDescriptors.strings()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), org.apache.beam.sdk.coders.RowCoder.of(SCHEMA)))
        .apply(
            "Dedup",
            Deduplicate.<String, Row>keyedValues()
                .withDuration(TTL)
                .withTimeDomain(TimeDomain.EVENT_TIME))
        .apply("DropKey", Values.create())
        .setRowSchema(SCHEMA)
        .apply("Window", Window.into(FixedWindows.of(Duration.standardMinutes(1))))
        .apply(
            "KeyByType",
            MapElements.into(
                    TypeDescriptors.kvs(
                        TypeDescriptors.strings(), TypeDescriptor.of(BigDecimal.class)))
                .via((Row r) -> KV.of(r.getString("event_type"), r.getDecimal("price"))))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), BigDecimalCoder.of()))
        .apply("Aggregate", Combine.perKey(new CountSumFn()))
        .apply("MarkLast", ParDo.of(new MarkLastFn()));
  }

  /**
   * (c'): (c) with Beam's own bad-record API for the lines the parser rejects: the parse step
   * routes each one with {@link BadRecordRouter#RECORDING_ROUTER} to a second output, which goes to
   * a registered {@link BadRecordErrorHandler} (the same counting sink as (a)). The dead-letter
   * guarantee of (a) written with Beam's built-ins, so that {@code c'/a} compares like with like;
   * {@code c/a} stays the ratio.
   */
  static void builtinsWithDeadLetters(Pipeline p, String input) {
    BadRecordErrorHandler<?> rejected = p.registerBadRecordErrorHandler(new CountBadRecords());
    PCollectionTuple parsed =
        p.apply("Read", TextIO.read().from(input))
            .apply("MarkFirst", ParDo.of(new MarkFirstFn()))
            .apply(
                "ParseValidate",
                ParDo.of(new ParseOrRouteFn())
                    .withOutputTags(ROWS, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    rejected.addErrorCollection(
        parsed.get(BadRecordRouter.BAD_RECORD_TAG).setCoder(BadRecord.getCoder(p)));
    keyDedupWindowAggregate(parsed.get(ROWS).setRowSchema(SCHEMA));
    rejected.close();
  }

  /**
   * Hand-written parse and validation into contract rows; rejected lines are counted, not dropped
   * silently.
   */
  static final class ParseToRowFn extends DoFn<String, Row> {
    private transient ClickParser parser;

    @Setup
    public void setup() {
      parser = new ClickParser();
    }

    @ProcessElement
    public void process(@Element String line, OutputReceiver<Row> out) {
      Click c = parser.parse(line);
      if (c == null) {
        Marks.REJECTED.increment();
        return;
      }
      out.output(toRow(c));
    }
  }

  /** (c')'s parse step: a rejected line goes to Beam's bad-record output with its reason. */
  static final class ParseOrRouteFn extends DoFn<String, Row> {
    private transient ClickParser parser;

    @Setup
    public void setup() {
      parser = new ClickParser();
    }

    @ProcessElement
    public void process(@Element String line, MultiOutputReceiver out) throws Exception {
      Click c = parser.parse(line);
      if (c == null) {
        BadRecordRouter.RECORDING_ROUTER.route(
            out, line, StringUtf8Coder.of(), null, "not a valid click event");
        return;
      }
      out.get(ROWS).output(toRow(c));
    }
  }

  /** The contract row of a parsed click, built as a Beam user would. */
  static Row toRow(Click c) {
    return Row.withSchema(SCHEMA)
        .addValues(
            c.eventId,
            c.userId,
            c.eventType,
            c.productId,
            c.price,
            c.currency,
            new Instant(c.eventTime),
            c.email,
            c.ip,
            c.userAgent)
        .build();
  }
}
