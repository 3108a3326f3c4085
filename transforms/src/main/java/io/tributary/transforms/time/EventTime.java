package io.tributary.transforms.time;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.json.RowJsonText;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.validate.FieldPath;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.joda.time.ReadableInstant;

/**
 * Sets each row's event-time timestamp from a {@code DATETIME} field, rejecting times outside the
 * range of a {@link RecordLimits}.
 *
 * <p>Unlike Beam's {@code WithTimestamps}, it names a field instead of taking a function, checks at
 * construction that the field exists and is a non-null {@code DATETIME}, and allows moving a
 * timestamp backwards: a streaming source stamps records with arrival time, and the event time in
 * the payload is earlier. Whether such a record is late is then decided by the windowing stage,
 * which counts it, rather than by an exception here.
 *
 * <p>Reason codes (stage {@code event_time} unless {@link #withStage} says otherwise):
 *
 * <ul>
 *   <li>{@code out_of_range}: the event time lies outside [{@link RecordLimits#minEventTime()},
 *       {@link RecordLimits#maxEventTime()}) of {@link #withLimits} (years 0001-9999 by default),
 *       or outside what Beam can carry as a timestamp. The row is rejected before Beam's {@code
 *       outputWithTimestamp} could fail the bundle with "Cannot output with timestamp".
 * </ul>
 *
 * <p>With {@link #withBadRecordErrorHandler} a rejected row becomes a bad record (payload: the row
 * as one line of JSON) and is counted in {@code tributary/dead_letter.<stage>.out_of_range};
 * without one, the rejection fails the pipeline, as everywhere else in Tributary.
 *
 * <pre>{@code
 * PCollection<Row> stamped = events.apply("EventTime",
 *     EventTime.fromField("event_time")
 *         .withLimits(RecordLimits.defaults())
 *         .withBadRecordErrorHandler(handler));
 * }</pre>
 */
public final class EventTime extends PTransform<PCollection<Row>, PCollection<Row>> {
  /** Default stage name on rejections. */
  public static final String STAGE = "event_time";

  private static final TupleTag<Row> STAMPED = new TupleTag<Row>() {};

  private final FieldPath field;
  private final RecordLimits limits;
  private final String stage;
  private final ErrorHandler<BadRecord, ?> badRecordErrorHandler;

  private EventTime(
      FieldPath field,
      RecordLimits limits,
      String stage,
      ErrorHandler<BadRecord, ?> badRecordErrorHandler) {
    this.field = field;
    this.limits = limits;
    this.stage = stage;
    this.badRecordErrorHandler = badRecordErrorHandler;
  }

  /** Uses the {@code DATETIME} field at {@code path} as event time. */
  public static EventTime fromField(String path) {
    checkArgument(path != null && !path.isBlank(), "EventTime.fromField: field must not be empty");
    return new EventTime(
        FieldPath.of(path), RecordLimits.defaults(), STAGE, DeadLetters.defaultHandler());
  }

  /** The accepted event-time range comes from {@code limits}; {@link RecordLimits#defaults()}. */
  public EventTime withLimits(RecordLimits limits) {
    checkArgument(limits != null, "EventTime.withLimits: limits must not be null");
    return new EventTime(field, limits, stage, badRecordErrorHandler);
  }

  /** Sends rows with an out-of-range event time to {@code handler} instead of failing the run. */
  public EventTime withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgument(handler != null, "EventTime.withBadRecordErrorHandler: handler must not be null");
    return new EventTime(field, limits, stage, handler);
  }

  /** The stage name recorded on rejections, {@value #STAGE} by default. */
  public EventTime withStage(String stage) {
    checkArgument(
        stage != null && !stage.isEmpty(), "EventTime.withStage: stage must not be empty");
    return new EventTime(field, limits, stage, badRecordErrorHandler);
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> input) {
    Schema.FieldType type = field.checkIn(input.getSchema());
    checkArgument(
        type.getTypeName() == Schema.TypeName.DATETIME && !type.getNullable(),
        "EventTime.fromField: field '%s' must be a non-null DATETIME, but is %s",
        field,
        type);
    if (badRecordErrorHandler instanceof ErrorHandler.DefaultErrorHandler) {
      // No handler: the single-output step of old, whose rejection fails the bundle.
      return input
          .apply("AssignEventTime", ParDo.of(new StampFn(field, limits, stage)))
          .setRowSchema(input.getSchema());
    }
    PCollectionTuple result =
        input.apply(
            "AssignEventTime",
            ParDo.of(
                    new RoutingStampFn(
                        field, limits, stage, DeadLetters.routerFor(badRecordErrorHandler)))
                .withOutputTags(STAMPED, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    DeadLetters.register(badRecordErrorHandler, result);
    return result.get(STAMPED).setRowSchema(input.getSchema());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("field", field.toString()).withLabel("Event-time field"))
        .add(DisplayData.item("stage", stage).withLabel("Stage name on rejections"))
        .add(
            DisplayData.item(
                    "eventTimeRange",
                    "[" + limits.minEventTime() + ", " + limits.maxEventTime() + ")")
                .withLabel("Accepted event-time range"))
        .add(
            DisplayData.item(
                    "badRecordErrorHandler", badRecordErrorHandler.getClass().getSimpleName())
                .withLabel("Bad-record handler"));
  }

  /** The row's event time, or the {@code out_of_range} rejection. */
  static Instant eventTime(Row row, FieldPath field, RecordLimits limits, String stage)
      throws RecordRejectedException {
    Instant time = ((ReadableInstant) field.get(row)).toInstant();
    if (!limits.acceptsEventTime(time)
        || time.isBefore(BoundedWindow.TIMESTAMP_MIN_VALUE)
        || time.isAfter(BoundedWindow.TIMESTAMP_MAX_VALUE)) {
      throw new RecordRejectedException(
          stage,
          "out_of_range",
          "event time field '"
              + field
              + "' must be in ["
              + limits.minEventTime()
              + ", "
              + limits.maxEventTime()
              + ") (RecordLimits event-time range)");
    }
    return time;
  }

  static final class StampFn extends DoFn<Row, Row> {
    private final FieldPath field;
    private final RecordLimits limits;
    private final String stage;

    StampFn(FieldPath field, RecordLimits limits, String stage) {
      this.field = field;
      this.limits = limits;
      this.stage = stage;
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<Row> out) throws RecordRejectedException {
      out.outputWithTimestamp(row, eventTime(row, field, limits, stage));
    }

    // Deprecated in Beam without a replacement for this case: event time in the payload may be
    // earlier than the source's timestamp. Lateness is judged downstream against the watermark.
    @SuppressWarnings("deprecation")
    @Override
    public Duration getAllowedTimestampSkew() {
      return Duration.millis(Long.MAX_VALUE);
    }
  }

  static final class RoutingStampFn extends DoFn<Row, Row> {
    private final FieldPath field;
    private final RecordLimits limits;
    private final String stage;
    private final BadRecordRouter router;

    RoutingStampFn(FieldPath field, RecordLimits limits, String stage, BadRecordRouter router) {
      this.field = field;
      this.limits = limits;
      this.stage = stage;
      this.router = router;
    }

    @ProcessElement
    public void process(@Element Row row, MultiOutputReceiver out) throws Exception {
      Instant time;
      try {
        time = eventTime(row, field, limits, stage);
      } catch (RecordRejectedException e) {
        DeadLetters.reject(router, out, RowJsonText.render(row), StringUtf8Coder.of(), e);
        return;
      }
      out.get(STAMPED).outputWithTimestamp(row, time);
    }

    // As in StampFn: the payload's event time may be earlier than the element's timestamp.
    @SuppressWarnings("deprecation")
    @Override
    public Duration getAllowedTimestampSkew() {
      return Duration.millis(Long.MAX_VALUE);
    }
  }
}
