package io.tributary.transforms.validate;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.json.DecodeJson;
import io.tributary.transforms.json.JsonRowDecoder;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.FusedStages;
import io.tributary.transforms.metrics.StageCounters;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
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
 * step"). Both transforms must send their rejections to the same handler.
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

  private DecodeAndValidate(DecodeJson.Rows decode, Validate validate) {
    this.decode = decode;
    this.validate = validate;
  }

  /**
   * {@code decode}, then {@code validate}, in one step; both must have the same bad-record handler
   * and different stage names.
   */
  public static DecodeAndValidate of(DecodeJson.Rows decode, Validate validate) {
    checkArgument(decode != null, "DecodeAndValidate.of: decode must not be null");
    checkArgument(validate != null, "DecodeAndValidate.of: validate must not be null");
    ErrorHandler<BadRecord, ?> decodeHandler = decode.badRecordErrorHandler();
    ErrorHandler<BadRecord, ?> validateHandler = validate.badRecordErrorHandler();
    checkArgument(
        decodeHandler == validateHandler
            // Neither set: both fail the run on a rejection, as each would on its own.
            || (decodeHandler instanceof ErrorHandler.DefaultErrorHandler
                && validateHandler instanceof ErrorHandler.DefaultErrorHandler),
        "DecodeAndValidate.of: decode and validate must send rejections to the same handler"
            + " (withBadRecordErrorHandler on both); got %s and %s",
        decodeHandler.getClass().getSimpleName(),
        validateHandler.getClass().getSimpleName());
    checkArgument(
        !decode.stageName().equals(validate.stageName()),
        "DecodeAndValidate.of: decode and validate share the stage name '%s'; give each its own"
            + " with withStageName(...)",
        decode.stageName());
    return new DecodeAndValidate(decode, validate);
  }

  @Override
  public List<AccountedStage> fusedStages() {
    return List.of(decode, validate);
  }

  @Override
  public PCollection<Row> expand(PCollection<String> lines) {
    Schema schema = decode.schema();
    validate.checkRulesIn(schema);
    PCollectionTuple result =
        lines.apply(
            "DecodeValidateLines",
            ParDo.of(
                    new DecodeValidateFn(
                        decode.decoder(),
                        decode.stageName(),
                        validate.rules(),
                        validate.stageName(),
                        DeadLetters.routerFor(validate.badRecordErrorHandler())))
                .withOutputTags(VALID, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    DeadLetters.register(validate.badRecordErrorHandler(), result);
    return result.get(VALID).setRowSchema(schema);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.include("decode", decode).include("validate", validate);
  }

  /** What {@code DecodeJson}'s and {@code Validate}'s DoFns do, one after the other. */
  static final class DecodeValidateFn extends DoFn<String, Row> {
    private final JsonRowDecoder decoder;
    private final List<RowRule> rules;
    private final String validateStage;
    private final BadRecordRouter router;
    private final StageCounters decodeCounters;
    private final StageCounters validateCounters;

    DecodeValidateFn(
        JsonRowDecoder decoder,
        String decodeStage,
        List<RowRule> rules,
        String validateStage,
        BadRecordRouter router) {
      this.decoder = decoder;
      this.rules = new ArrayList<>(rules);
      this.validateStage = validateStage;
      this.router = router;
      this.decodeCounters = StageCounters.of(decodeStage);
      this.validateCounters = StageCounters.of(validateStage);
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
      validateCounters.in();
      if (Validate.passesOrRejects(rules, validateStage, row, router, out)) {
        validateCounters.out(timestamp);
        out.get(VALID).output(row);
      }
    }
  }
}
