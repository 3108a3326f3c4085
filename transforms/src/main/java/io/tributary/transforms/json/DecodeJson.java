package io.tributary.transforms.json;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.values.RowBytesCoder;
import java.util.Map;
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
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableMap;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * Decodes JSON lines into {@link Row}s of a given Beam schema, rejecting what does not fit, within
 * the bounds of a {@link RecordLimits} so that one hostile line becomes one dead letter and never
 * fails, hangs or slows the run.
 *
 * <p>Strict by design: a required (non-nullable) field must be present and non-null, every value
 * must have the JSON type the schema asks for (a number for {@code DECIMAL}/{@code INT64}, a string
 * for {@code STRING}) and fit it, and {@code DATETIME} values must be ISO-8601 strings
 * <em>with</em> an offset, since a local time without one names no instant. Fields not in the
 * schema are counted or rejected per {@link RecordLimits#unknownFields()} (counted by default, so
 * producers may add fields before the contract does). Messages name the field and the bound or
 * expected type, never the offending value (it may be personal data). Each rejected line goes to
 * the bad-record handler with one of these reasons:
 *
 * <ul>
 *   <li>{@code empty_line}: the line is empty or blank;
 *   <li>{@code too_large}: the line is longer than {@link RecordLimits#maxRecordBytes()} in UTF-8
 *       (or holds a string that long); the dead letter keeps only the first {@link
 *       RecordLimits#keptPayloadBytes()} bytes, and its message gives the full length in bytes and
 *       the SHA-256 of the full line;
 *   <li>{@code too_deep}: objects and arrays nested deeper than {@link
 *       RecordLimits#maxNestingDepth()};
 *   <li>{@code number_too_long}: a number literal longer than {@link
 *       RecordLimits#maxNumberLength()} characters;
 *   <li>{@code duplicate_key}: an object names a key twice and {@link RecordLimits#duplicateKeys()}
 *       is {@code REJECT}; the message names the key path ("key 'price' appears twice in the
 *       object");
 *   <li>{@code truncated_json}: the text ends before the JSON value is complete;
 *   <li>{@code not_json}: not JSON, JSON that is not an object, or content after the object;
 *   <li>{@code unknown_field}: a field the schema does not declare, at any level of nested rows,
 *       when {@link RecordLimits#unknownFields()} is {@code REJECT}; the message names its path;
 *   <li>{@code missing_field}: a required field is absent or null (or an array holds a null it may
 *       not);
 *   <li>{@code wrong_type}: a value of the wrong JSON type for its field;
 *   <li>{@code out_of_range}: a value of the right type that does not fit its field: an integer
 *       outside {@code BYTE}/{@code INT16}/{@code INT32}/{@code INT64}, a number whose {@code
 *       FLOAT}/{@code DOUBLE} is infinite (e.g. {@code 1e400}), a {@code DECIMAL} with more
 *       decimals or integer digits than its {@link DecimalBound} (never rounded; without a bound,
 *       more than {@link RecordLimits#maxNumberLength()} digits before or after the point), a
 *       number whose exponent no decimal can hold, or a {@code DATETIME} outside [{@link
 *       RecordLimits#minEventTime()}, {@link RecordLimits#maxEventTime()});
 *   <li>{@code bad_timestamp}: a {@code DATETIME} that is not an ISO-8601 timestamp with offset.
 * </ul>
 *
 * <p>A line accepted under a {@code COUNT} rule (a duplicate key, where the last value wins as in
 * Jackson; an unknown field) is counted once per line and reason in {@code
 * tributary/noted.<stage>.duplicate_key} and {@code tributary/noted.<stage>.unknown_field};
 * rejections are counted in {@code tributary/dead_letter.<stage>.<reason>}.
 *
 * <p>An {@link AccountedStage} named {@code decode} unless {@link Rows#withStageName} says
 * otherwise: every line counts in {@code tributary/stage.<stage>.in}, every decoded row in {@code
 * stage.<stage>.out}, every other line is one rejection (empty lines included).
 *
 * <pre>{@code
 * PCollection<Row> events = lines.apply("DecodeJson",
 *     DecodeJson.toRows(schema)
 *         .withLimits(RecordLimits.defaults().withUnknownFields(RecordLimits.Rule.REJECT))
 *         .withDecimalBounds(Map.of("price", DecimalBound.of(12, 2)))
 *         .withBadRecordErrorHandler(handler));
 * }</pre>
 */
public final class DecodeJson {
  private DecodeJson() {}

  private static final TupleTag<Row> DECODED = new TupleTag<Row>() {};

  /** Default stage name: of the accounting and of rejections. */
  public static final String STAGE = "decode";

  /** Decodes each JSON line into a {@link Row} of {@code schema}; stage name {@code decode}. */
  public static Rows toRows(Schema schema) {
    checkArgument(schema != null, "DecodeJson.toRows: schema must not be null");
    return new AutoValue_DecodeJson_Rows.Builder()
        .setSchema(schema)
        .setStageName(STAGE)
        .setLimits(RecordLimits.defaults())
        .setDecimalBounds(ImmutableMap.of())
        .setBadRecordErrorHandler(DeadLetters.defaultHandler())
        .build();
  }

  /**
   * Converts one already-parsed JSON object to a {@link Row} of {@code schema} with the same strict
   * rules as {@link #toRows(Schema)} under {@link RecordLimits#defaults()} and no decimal bounds;
   * for transforms that decode a JSON value nested in an envelope (e.g. the {@code after} image of
   * a change event). Field paths in messages start with {@code pathPrefix}, e.g. {@code "after."}.
   */
  public static Row toRow(Schema schema, JsonNode object, String stage, String pathPrefix)
      throws RecordRejectedException {
    return toRow(schema, object, stage, pathPrefix, RecordLimits.defaults(), ImmutableMap.of());
  }

  /**
   * As {@link #toRow(Schema, JsonNode, String, String)}, within {@code limits} and with {@code
   * decimalBounds} keyed by field path (with or without {@code pathPrefix}: {@code "after.price"}
   * or {@code "price"}). An unknown field or duplicate key accepted under a {@code COUNT} rule is
   * counted once per call in {@code tributary/noted.<stage>.<reason>}; callers that may still
   * reject the enclosing record should use {@link HardenedJson} and count on acceptance.
   */
  public static Row toRow(
      Schema schema,
      JsonNode object,
      String stage,
      String pathPrefix,
      RecordLimits limits,
      Map<String, DecimalBound> decimalBounds)
      throws RecordRejectedException {
    HardenedJson json = HardenedJson.of(limits, stage).withDecimalBounds(decimalBounds);
    HardenedJson.Notes notes = json.newNotes();
    Row row = json.toRow(schema, object, pathPrefix, notes);
    notes.count();
    return row;
  }

  /** The transform returned by {@link #toRows(Schema)}. */
  @AutoValue
  public abstract static class Rows extends PTransform<PCollection<String>, PCollection<Row>>
      implements AccountedStage {
    /** The contract the lines decode into. */
    public abstract Schema schema();

    /** The stage name: of the accounting ({@code stage.<name>.*}) and of every rejection. */
    @Override
    public abstract String stageName();

    abstract RecordLimits limits();

    abstract ImmutableMap<String, DecimalBound> decimalBounds();

    /** Where rejected lines go ({@link #withBadRecordErrorHandler}). */
    public abstract ErrorHandler<BadRecord, ?> badRecordErrorHandler();

    abstract Builder toBuilder();

    /**
     * This stage's decoding as a plain function (same limits, decimal bounds, stage name and
     * reasons), for a step that decodes next to other work, such as {@code DecodeAndValidate}.
     * Checks the decimal bounds' paths against the schema, as applying the transform does.
     */
    public JsonRowDecoder decoder() {
      return JsonRowDecoder.of(schema(), checkedJson());
    }

    /** The decoding rules of this stage, once its decimal bounds' paths are checked. */
    private HardenedJson checkedJson() {
      HardenedJson.checkBoundPaths(schema(), decimalBounds(), "DecodeJson.withDecimalBounds");
      return HardenedJson.of(limits(), stageName()).withDecimalBounds(decimalBounds());
    }

    @AutoValue.Builder
    abstract static class Builder {
      abstract Builder setSchema(Schema schema);

      abstract Builder setStageName(String stageName);

      abstract Builder setLimits(RecordLimits limits);

      abstract Builder setDecimalBounds(ImmutableMap<String, DecimalBound> bounds);

      abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler);

      abstract Rows build();
    }

    /** Sends undecodable lines to {@code handler} instead of failing the pipeline. */
    public Rows withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
      checkArgument(
          handler != null, "DecodeJson.withBadRecordErrorHandler: handler must not be null");
      return toBuilder().setBadRecordErrorHandler(handler).build();
    }

    /**
     * The stage name ({@value DecodeJson#STAGE} by default): of the accounting and of every
     * rejection, lower_snake_case and unique in the pipeline.
     */
    public Rows withStageName(String stageName) {
      return toBuilder()
          .setStageName(AccountedStage.checkName(stageName, "DecodeJson.withStageName"))
          .build();
    }

    /**
     * The stage name recorded on rejections.
     *
     * @deprecated use {@link #withStageName}, which also names the stage of the accounting
     */
    @Deprecated
    public Rows withStage(String stage) {
      return toBuilder()
          .setStageName(AccountedStage.checkName(stage, "DecodeJson.withStage"))
          .build();
    }

    /** The per-record bounds and rules; {@link RecordLimits#defaults()} unless set. */
    public Rows withLimits(RecordLimits limits) {
      checkArgument(limits != null, "DecodeJson.withLimits: limits must not be null");
      return toBuilder().setLimits(limits).build();
    }

    /**
     * Precision and scale of {@code DECIMAL} fields, keyed by field path ({@code "price"}, {@code
     * "after.price"} for a nested row, {@code "items[].price"} for every element of an array). Each
     * path must name a {@code DECIMAL} field of the schema (checked when applied).
     */
    public Rows withDecimalBounds(Map<String, DecimalBound> bounds) {
      return toBuilder()
          .setDecimalBounds(HardenedJson.checkBounds(bounds, "DecodeJson.withDecimalBounds"))
          .build();
    }

    @Override
    public PCollection<Row> expand(PCollection<String> lines) {
      PCollectionTuple result =
          lines.apply(
              "DecodeJsonLines",
              ParDo.of(
                      new DecodeFn(
                          schema(),
                          checkedJson(),
                          DeadLetters.routerFor(badRecordErrorHandler()),
                          StageCounters.of(stageName())))
                  .withOutputTags(DECODED, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
      DeadLetters.register(badRecordErrorHandler(), result);
      return result.get(DECODED).setCoder(RowBytesCoder.of(schema()));
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      builder
          .add(DisplayData.item("schema", schema().toString()).withLabel("Contract schema"))
          .add(DisplayData.item("stage", stageName()).withLabel("Stage name"))
          .add(DisplayData.item("limits", limits().toString()).withLabel("Per-record limits"))
          .add(
              DisplayData.item("decimalBounds", decimalBounds().toString())
                  .withLabel("Decimal precision and scale by field path"))
          .add(
              DisplayData.item(
                      "badRecordErrorHandler", badRecordErrorHandler().getClass().getSimpleName())
                  .withLabel("Bad-record handler"));
    }
  }

  static final class DecodeFn extends DoFn<String, Row> {
    private final Schema schema;
    private final HardenedJson json;
    private final @Nullable BadRecordRouter router;
    private final @Nullable StageCounters counters;

    /** Default limits, no decimal bounds, not counted: for {@link #decode} alone. */
    DecodeFn(Schema schema, String stage, @Nullable BadRecordRouter router) {
      this(schema, HardenedJson.of(RecordLimits.defaults(), stage), router, null);
    }

    /** Not counted: for callers of {@link #decode} that count for themselves. */
    DecodeFn(Schema schema, HardenedJson json, @Nullable BadRecordRouter router) {
      this(schema, json, router, null);
    }

    DecodeFn(
        Schema schema,
        HardenedJson json,
        @Nullable BadRecordRouter router,
        @Nullable StageCounters counters) {
      this.schema = schema;
      this.json = json;
      this.router = router;
      this.counters = counters;
    }

    /** Nothing to prepare: {@link HardenedJson} builds its parser on first use. */
    @Setup
    public void setup() {}

    @ProcessElement
    public void process(@Element String line, @Timestamp Instant timestamp, MultiOutputReceiver out)
        throws Exception {
      if (counters != null) {
        counters.in();
      }
      if (json.rejectIfTooLarge(line, router, out)) {
        return;
      }
      try {
        Row row = decode(line);
        if (counters != null) {
          counters.out(timestamp);
        }
        out.get(DECODED).output(row);
      } catch (RecordRejectedException e) {
        DeadLetters.reject(router, out, line, StringUtf8Coder.of(), e);
      }
    }

    /** Decodes one line; counts its notes once it is accepted. */
    Row decode(String line) throws RecordRejectedException {
      if (line == null || line.isBlank()) {
        throw new RecordRejectedException(
            json.stage(), "empty_line", "line is empty; expected a JSON object");
      }
      Row flat = json.flatRow(schema, line);
      if (flat != null) {
        return flat; // a flat object of known keys: no tree, and nothing noted
      }
      HardenedJson.Notes notes = json.newNotes();
      JsonNode node = json.parse(line, notes);
      if (!node.isObject()) {
        throw new RecordRejectedException(
            json.stage(), "not_json", "line is JSON but not an object; expected a JSON object");
      }
      Row row = json.toRow(schema, node, "", notes);
      notes.count();
      return row;
    }
  }
}
