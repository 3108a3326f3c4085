package io.tributary.transforms.time;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.json.RowJsonText;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.stages.RecordFn;
import io.tributary.transforms.stages.RecordStage;
import io.tributary.transforms.stages.RecordStages;
import io.tributary.transforms.stages.RecordTime;
import io.tributary.transforms.values.Durations;
import io.tributary.transforms.values.FieldPath;
import io.tributary.transforms.values.RowBytesCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.DoFn.MultiOutputReceiver;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
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
 * <p>An {@link AccountedStage} named {@value #STAGE} unless {@link #withStageName} says otherwise:
 * every row counts in {@code tributary/stage.<stage>.in} and leaves either stamped ({@code
 * stage.<stage>.out}, with its processing lag in {@code stage.<stage>.lag_ms}) or as one rejection.
 *
 * <p>Reason codes (stage {@code event_time} unless {@link #withStageName} says otherwise):
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
@AutoValue
public abstract class EventTime extends PTransform<PCollection<Row>, PCollection<Row>>
    implements AccountedStage, RecordStage {
  /** Default stage name: of the accounting and of rejections. */
  public static final String STAGE = "event_time";

  abstract FieldPath field();

  abstract RecordLimits limits();

  /** The stage name: of the accounting ({@code stage.<name>.*}) and of every rejection. */
  @Override
  public abstract String stageName();

  /** Where rejected rows go; Tributary's default handler (fail the run) unless set. */
  public abstract ErrorHandler<BadRecord, ?> badRecordErrorHandler();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setField(FieldPath field);

    abstract Builder setLimits(RecordLimits limits);

    abstract Builder setStageName(String stageName);

    abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler);

    abstract EventTime build();
  }

  /** Uses the {@code DATETIME} field at {@code path} as event time. */
  public static EventTime fromField(String path) {
    checkArgument(path != null && !path.isBlank(), "EventTime.fromField: field must not be empty");
    return new AutoValue_EventTime.Builder()
        .setField(FieldPath.of(path))
        .setLimits(RecordLimits.defaults())
        .setStageName(STAGE)
        .setBadRecordErrorHandler(DeadLetters.defaultHandler())
        .build();
  }

  /** The accepted event-time range comes from {@code limits}; {@link RecordLimits#defaults()}. */
  public EventTime withLimits(RecordLimits limits) {
    checkArgument(limits != null, "EventTime.withLimits: limits must not be null");
    return toBuilder().setLimits(limits).build();
  }

  /** Sends rows with an out-of-range event time to {@code handler} instead of failing the run. */
  public EventTime withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgument(handler != null, "EventTime.withBadRecordErrorHandler: handler must not be null");
    return toBuilder().setBadRecordErrorHandler(handler).build();
  }

  /**
   * The stage name ({@value #STAGE} by default): of the accounting and of every rejection,
   * lower_snake_case and unique in the pipeline.
   */
  public EventTime withStageName(String stageName) {
    return toBuilder()
        .setStageName(AccountedStage.checkName(stageName, "EventTime.withStageName"))
        .build();
  }

  /**
   * The stage name recorded on rejections.
   *
   * @deprecated use {@link #withStageName}, which also names the stage of the accounting
   */
  @Deprecated
  public EventTime withStage(String stage) {
    return toBuilder().setStageName(AccountedStage.checkName(stage, "EventTime.withStage")).build();
  }

  /** Checks that the field is a non-null {@code DATETIME} of {@code schema}. */
  private void checkField(Schema schema) {
    Schema.FieldType type = field().checkIn(schema);
    checkArgument(
        type.getTypeName() == Schema.TypeName.DATETIME && !type.getNullable(),
        "EventTime.fromField: field '%s' must be a non-null DATETIME, but is %s",
        field(),
        type);
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> input) {
    checkField(input.getSchema()); // whichever step runs
    if (badRecordErrorHandler() instanceof ErrorHandler.DefaultErrorHandler) {
      // No handler: the single-output step of old, whose rejection fails the bundle.
      return input
          .apply(
              "AssignEventTime",
              ParDo.of(new StampFn(field(), limits(), StageCounters.of(stageName()))))
          .setCoder(RowBytesCoder.of(input.getSchema()));
    }
    return RecordStages.applyOne(
        input, "AssignEventTime", recordFn(input.getSchema()), badRecordErrorHandler());
  }

  /**
   * The stamping of rows of {@code schema}, as a stage of a {@link RecordStages} step or of a
   * source's decoding step; checks the field first.
   */
  @Override
  public RecordFn recordFn(Schema schema) {
    checkField(schema);
    return new StampRecordFn(field(), limits(), StageCounters.of(stageName()), schema);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("field", field().toString()).withLabel("Event-time field"))
        .add(DisplayData.item("stage", stageName()).withLabel("Stage name"))
        .add(
            DisplayData.item(
                    "eventTimeRange",
                    "[" + limits().minEventTime() + ", " + limits().maxEventTime() + ")")
                .withLabel("Accepted event-time range"))
        .add(
            DisplayData.item(
                    "badRecordErrorHandler", badRecordErrorHandler().getClass().getSimpleName())
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

  /** Without a handler: a rejection fails the bundle (counted in, never out). */
  static final class StampFn extends DoFn<Row, Row> {
    private final FieldPath field;
    private final RecordLimits limits;
    private final StageCounters counters;

    StampFn(FieldPath field, RecordLimits limits, StageCounters counters) {
      this.field = field;
      this.limits = limits;
      this.counters = counters;
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<Row> out) throws RecordRejectedException {
      counters.in();
      Instant time = eventTime(row, field, limits, counters.stage());
      counters.out(time);
      out.outputWithTimestamp(row, time);
    }

    // Deprecated in Beam without a replacement for this case: event time in the payload may be
    // earlier than the source's timestamp. Lateness is judged downstream against the watermark.
    @SuppressWarnings("deprecation")
    @Override
    public Duration getAllowedTimestampSkew() {
      return Durations.ANY_TIMESTAMP_SKEW;
    }
  }

  /**
   * One row through the stage: counted in, then either counted out with its event time as the
   * record's time or rejected as {@code out_of_range} (payload: the row as one line of JSON). The
   * step that runs it must allow any timestamp skew, as EventTime's does.
   */
  static final class StampRecordFn extends RecordFn {
    private static final long serialVersionUID = 1L;
    private final FieldPath field;
    private final RecordLimits limits;
    private final StageCounters counters;

    StampRecordFn(FieldPath field, RecordLimits limits, StageCounters counters, Schema schema) {
      super(schema);
      this.field = field;
      this.limits = limits;
      this.counters = counters;
    }

    @Override
    public boolean movesTimestamp() {
      return true;
    }

    @Override
    public @Nullable Row apply(
        Row row, RecordTime time, BadRecordRouter router, MultiOutputReceiver out)
        throws Exception {
      counters.in();
      Instant t;
      try {
        t = eventTime(row, field, limits, counters.stage());
      } catch (RecordRejectedException e) {
        DeadLetters.reject(router, out, RowJsonText.render(row), StringUtf8Coder.of(), e);
        return null;
      }
      counters.out(t);
      time.set(t);
      return row;
    }
  }
}
