package io.tributary.transforms.time;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.validate.FieldPath;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.joda.time.ReadableInstant;

/**
 * Sets each row's event-time timestamp from a {@code DATETIME} field.
 *
 * <p>Unlike Beam's {@code WithTimestamps}, it names a field instead of taking a function, checks at
 * construction that the field exists and is a non-null {@code DATETIME}, and allows moving a
 * timestamp backwards: a streaming source stamps records with arrival time, and the event time in
 * the payload is earlier. Whether such a record is late is then decided by the windowing stage,
 * which counts it, rather than by an exception here.
 *
 * <pre>{@code
 * PCollection<Row> stamped = events.apply("EventTime", EventTime.fromField("event_time"));
 * }</pre>
 */
public final class EventTime extends PTransform<PCollection<Row>, PCollection<Row>> {
  private final FieldPath field;

  private EventTime(FieldPath field) {
    this.field = field;
  }

  /** Uses the {@code DATETIME} field at {@code path} as event time. */
  public static EventTime fromField(String path) {
    checkArgument(path != null && !path.isBlank(), "EventTime.fromField: field must not be empty");
    return new EventTime(FieldPath.of(path));
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> input) {
    Schema.FieldType type = field.checkIn(input.getSchema());
    checkArgument(
        type.getTypeName() == Schema.TypeName.DATETIME && !type.getNullable(),
        "EventTime.fromField: field '%s' must be a non-null DATETIME, but is %s",
        field,
        type);
    return input
        .apply("AssignEventTime", ParDo.of(new StampFn(field)))
        .setRowSchema(input.getSchema());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("field", field.toString()).withLabel("Event-time field"));
  }

  static final class StampFn extends DoFn<Row, Row> {
    private final FieldPath field;

    StampFn(FieldPath field) {
      this.field = field;
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<Row> out) {
      out.outputWithTimestamp(row, ((ReadableInstant) field.get(row)).toInstant());
    }

    // Deprecated in Beam without a replacement for this case: event time in the payload may be
    // earlier than the source's timestamp. Lateness is judged downstream against the watermark.
    @SuppressWarnings("deprecation")
    @Override
    public Duration getAllowedTimestampSkew() {
      return Duration.millis(Long.MAX_VALUE);
    }
  }
}
