package io.tributary.transforms.spec;

import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.values.Row;

/**
 * Beam YAML's {@code Flatten}: the rows of every input (a list under {@code input:}, all of one
 * schema) as one output.
 *
 * <pre>{@code
 * - type: Flatten
 *   name: all_events
 *   input: [web, mobile]
 * }</pre>
 */
public final class FlattenStep extends StepProvider {
  @Override
  public String typeName() {
    return "Flatten";
  }

  @Override
  public String description() {
    return "Beam YAML's Flatten: the rows of every input listed under input: (one schema) as one"
        + " output.";
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.nullable("description", FieldType.STRING)
            .withDescription("Free text; Flatten has no settings."));
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    // The engine reads a list of inputs together; this step names that union.
    return StepTransforms.map(rows -> rows);
  }
}
