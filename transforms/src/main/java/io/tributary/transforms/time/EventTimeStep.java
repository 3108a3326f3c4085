package io.tributary.transforms.time;

import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.lineage.ColumnLineage.Transformation;
import io.tributary.transforms.spec.FieldLineage;
import io.tributary.transforms.spec.RecordStageStep;
import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.stages.RecordStage;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.values.Row;

/**
 * The {@code EventTime} step: {@link EventTime#fromField} stamps each row with the event time read
 * from a field; a missing, unparsable or out-of-range time is a dead letter of this step.
 *
 * <pre>{@code
 * - type: EventTime
 *   name: event_time
 *   config: {field: event_time}
 * }</pre>
 */
public final class EventTimeStep extends RecordStageStep {
  @Override
  public String typeName() {
    return "EventTime";
  }

  @Override
  public String description() {
    return "Sets each row's event time from a field (a DATETIME, an ISO-8601 string or epoch"
        + " milliseconds); rows without a usable time are dead letters (missing_timestamp,"
        + " bad_timestamp, out_of_range).";
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.of("field", FieldType.STRING).withDescription("The field holding the event time."),
        Field.nullable("min_event_time", FieldType.STRING)
            .withDescription("Earliest accepted event time, ISO-8601 (default 0001-01-01)."),
        Field.nullable("max_event_time", FieldType.STRING)
            .withDescription("Latest accepted event time, ISO-8601 (default 9999-12-31)."));
  }

  @Override
  public RecordStage recordStage(Row configuration, StepContext context) {
    return eventTime(configuration, context);
  }

  /**
   * The {@link EventTime} a step of this type configured by {@code configuration} applies; also its
   * {@link #recordStage}, for a run of record stages built as one step.
   */
  public static EventTime eventTime(Row configuration, StepContext context) {
    StepConfig c = StepConfig.of(configuration);
    RecordLimits limits = RecordLimits.defaults();
    if (c.has("min_event_time") || c.has("max_event_time")) {
      limits =
          limits.withEventTimeRange(
              instant(c, "min_event_time", RecordLimits.DEFAULT_MIN_EVENT_TIME),
              instant(c, "max_event_time", RecordLimits.DEFAULT_MAX_EVENT_TIME));
    }
    EventTime t =
        EventTime.fromField(c.requiredString("field"))
            .withLimits(limits)
            .withStageName(context.stageName());
    if (context.errorHandler() != null) {
      t = t.withBadRecordErrorHandler(context.errorHandler());
    }
    return t;
  }

  private static org.joda.time.Instant instant(
      StepConfig c, String field, org.joda.time.Instant fallback) {
    String v = c.string(field);
    if (v == null) {
      return fallback;
    }
    try {
      return org.joda.time.Instant.parse(v);
    } catch (IllegalArgumentException e) {
      throw c.error(
          field, "expected an ISO-8601 instant like 2026-01-01T00:00:00Z, got '" + v + "'");
    }
  }

  @Override
  public FieldLineage fieldLineage(Row configuration, Schema input, Schema output) {
    FieldLineage.Builder b = FieldLineage.builder();
    for (String f : output.getFieldNames()) {
      b.field(f, f, Transformation.direct("IDENTITY", false));
    }
    b.dataset(
        StepConfig.of(configuration).requiredString("field"), Transformation.indirect("WINDOW"));
    return b.build();
  }
}
