package io.tributary.transforms.validate;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.json.DecodeJson;
import io.tributary.transforms.json.JsonRowDecoder;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.FusedStages;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.stages.RecordFnChain;
import io.tributary.transforms.stages.RecordStage;
import io.tributary.transforms.stages.RecordStages;
import io.tributary.transforms.time.EventTime;
import io.tributary.transforms.values.RowBytesCoder;
import java.util.List;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * {@link DecodeJson} and then {@link Validate} in one step: each line is decoded and its row
 * checked against the rules in the same {@code DoFn}, with one bad-record output for both. Rows,
 * dead letters (stage, reason, message, payload) and the accounting are those of the two transforms
 * applied one after the other: both stages keep their names, counters and rejections, and the run's
 * accounting sees them as two stages ({@link FusedStages}).
 *
 * <p>Why: every stage with a bad-record output is a step whose output has two consumers, so Flink's
 * batch translation cannot chain it with the next step and serializes every record between them;
 * one step for the two stages pays that once (docs/performance.md, "Decode and validate in one
 * step"). Both transforms must send their rejections to the same handler. {@link #withEventTime}
 * adds {@link EventTime} as a third stage of the same step.
 *
 * <pre>{@code
 * PCollection<Row> valid = lines.apply("DecodeValidate", DecodeAndValidate.of(
 *     DecodeJson.toRows(schema).withBadRecordErrorHandler(handler),
 *     Validate.rows()
 *         .withRule(RowRule.atLeast("price", BigDecimal.ZERO).withReason("negative_price"))
 *         .withBadRecordErrorHandler(handler)));
 * }</pre>
 */
public final class DecodeAndValidate extends PTransform<PCollection<String>, PCollection<Row>>
    implements FusedStages {
  private static final TupleTag<Row> VALID = new TupleTag<Row>() {};

  private final DecodeJson.Rows decode;
  private final Validate validate;
  private final @Nullable EventTime eventTime;

  private DecodeAndValidate(
      DecodeJson.Rows decode, Validate validate, @Nullable EventTime eventTime) {
    this.decode = decode;
    this.validate = validate;
    this.eventTime = eventTime;
  }

  /**
   * {@code decode}, then {@code validate}, in one step; both must have the same bad-record handler
   * and different stage names.
   */
  public static DecodeAndValidate of(DecodeJson.Rows decode, Validate validate) {
    checkArgument(decode != null, "DecodeAndValidate.of: decode must not be null");
    checkArgument(validate != null, "DecodeAndValidate.of: validate must not be null");
    FusedStages.checkFusable(
        "DecodeAndValidate.of",
        decode,
        decode.badRecordErrorHandler(),
        validate,
        validate.badRecordErrorHandler());
    return new DecodeAndValidate(decode, validate, null);
  }

  /**
   * Also sets each valid row's event time, as {@code eventTime} applied after this transform would,
   * in the same step: a third fused stage with its own name, counters and {@code out_of_range}
   * rejections. {@code eventTime} must send rejections to the same handler as decode and validate.
   *
   * <pre>{@code
   * PCollection<Row> events = lines.apply("DecodeValidateStamp",
   *     DecodeAndValidate.of(decode, validate)
   *         .withEventTime(EventTime.fromField("event_time").withBadRecordErrorHandler(handler)));
   * }</pre>
   */
  public DecodeAndValidate withEventTime(EventTime eventTime) {
    checkArgument(eventTime != null, "DecodeAndValidate.withEventTime: eventTime must not be null");
    FusedStages.checkFusable(
        "DecodeAndValidate.withEventTime",
        validate,
        validate.badRecordErrorHandler(),
        eventTime,
        eventTime.badRecordErrorHandler());
    checkArgument(
        !eventTime.stageName().equals(decode.stageName()),
        "DecodeAndValidate.withEventTime: two stages share the stage name '%s'; give each its own"
            + " with withStageName(...)",
        decode.stageName());
    return new DecodeAndValidate(decode, validate, eventTime);
  }

  @Override
  public List<AccountedStage> fusedStages() {
    return eventTime == null ? List.of(decode, validate) : List.of(decode, validate, eventTime);
  }

  @Override
  public PCollection<Row> expand(PCollection<String> lines) {
    Schema schema = decode.schema();
    List<RecordStage> stages = eventTime == null ? List.of(validate) : List.of(validate, eventTime);
    PCollectionTuple result =
        lines.apply(
            "DecodeValidateLines",
            ParDo.of(
                    new DecodeValidateFn(
                        decode.decoder(),
                        decode.stageName(),
                        RecordFnChain.of(RecordStages.of(stages).recordFns(schema)),
                        DeadLetters.routerFor(validate.badRecordErrorHandler())))
                .withOutputTags(VALID, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    DeadLetters.register(validate.badRecordErrorHandler(), result);
    return result.get(VALID).setCoder(RowBytesCoder.of(schema));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.include("decode", decode).include("validate", validate);
    if (eventTime != null) {
      builder.include("eventTime", eventTime);
    }
  }

  /**
   * What {@code DecodeJson}'s DoFn does, then {@code Validate}'s and (when set) {@code EventTime}'s
   * per-row work ({@link RecordFnChain}), one after the other.
   */
  static final class DecodeValidateFn extends DoFn<String, Row> {
    private final JsonRowDecoder decoder;
    private final RecordFnChain chain;
    private final BadRecordRouter router;
    private final StageCounters decodeCounters;

    DecodeValidateFn(
        JsonRowDecoder decoder, String decodeStage, RecordFnChain chain, BadRecordRouter router) {
      this.decoder = decoder;
      this.chain = chain;
      this.router = router;
      this.decodeCounters = StageCounters.of(decodeStage);
    }

    @Setup
    public void setup() throws Exception {
      chain.setup();
    }

    @ProcessElement
    public void process(@Element String line, @Timestamp Instant timestamp, MultiOutputReceiver out)
        throws Exception {
      decodeCounters.in();
      if (decoder.rejectIfTooLarge(line, router, out)) {
        return;
      }
      Row row;
      try {
        row = decoder.decode(line);
      } catch (RecordRejectedException e) {
        DeadLetters.reject(router, out, line, StringUtf8Coder.of(), e);
        return;
      }
      decodeCounters.out(timestamp);
      chain.run(row, timestamp, router, out, VALID);
    }

    // As in EventTime's step: the payload's event time may be earlier than the line's timestamp;
    // lateness is judged downstream against the watermark. Without an event-time stage this step
    // never moves a timestamp.
    @SuppressWarnings("deprecation")
    @Override
    public Duration getAllowedTimestampSkew() {
      return chain.allowedTimestampSkew();
    }
  }
}
