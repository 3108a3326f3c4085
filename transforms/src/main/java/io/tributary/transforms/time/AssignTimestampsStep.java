package io.tributary.transforms.time;

import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepProvider;
import io.tributary.transforms.spec.StepTransforms;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.values.Row;

/**
 * Beam YAML's {@code AssignTimestamps} with a field as the timestamp: the same as the {@code
 * EventTime} step (a row without a usable time is a dead letter instead of failing the pipeline). A
 * computed timestamp is derived first with {@code MapToFields}.
 *
 * <pre>{@code
 * - type: AssignTimestamps
 *   config: {timestamp: event_time}
 * }</pre>
 */
public final class AssignTimestampsStep extends StepProvider {
  @Override
  public String typeName() {
    return "AssignTimestamps";
  }

  @Override
  public String description() {
    return "Beam YAML's AssignTimestamps with a field name as the timestamp (like EventTime);"
        + " derive a computed timestamp with MapToFields first.";
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.nullable("language", FieldType.STRING)
            .withDescription("cel (the default); only a field name is accepted as timestamp."),
        Field.of("timestamp", FieldType.STRING).withDescription("The field holding the time."));
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    StepConfig c = StepConfig.of(configuration);
    String field = c.requiredString("timestamp");
    if (!field.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*")) {
      throw c.error(
          "timestamp",
          "expected a field name; compute the timestamp into a field with MapToFields first,"
              + " got '"
              + field
              + "'");
    }
    EventTime t = EventTime.fromField(field).withStageName(context.stageName());
    if (context.errorHandler() != null) {
      t = t.withBadRecordErrorHandler(context.errorHandler());
    }
    EventTime built = t;
    return StepTransforms.map(rows -> rows.apply(built));
  }
}
