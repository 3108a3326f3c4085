package io.tributary.transforms.expr;

import io.tributary.transforms.lineage.ColumnLineage.Transformation;
import io.tributary.transforms.spec.FieldLineage;
import io.tributary.transforms.spec.RecordStageStep;
import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepConfigException;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepTransforms;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.values.Row;

/**
 * The {@code MapToFields} step (Beam YAML's name): {@link MapFields} with CEL expressions,
 * type-checked against the input schema when the spec is checked; a row whose expression fails
 * (division by zero, a missing map key) is a dead letter ({@code expression_error}).
 *
 * <pre>{@code
 * - type: MapToFields
 *   name: derive
 *   config:
 *     append: true
 *     fields:
 *       temperature_c: "unit == 'F' ? (temperature - 32.0) * 5.0 / 9.0 : temperature"
 * }</pre>
 */
public final class MapToFieldsStep extends RecordStageStep {
  @Override
  public String typeName() {
    return "MapToFields";
  }

  @Override
  public String description() {
    return "Computes fields from CEL expressions over the input row (Beam YAML's MapToFields with"
        + " language: cel); with append: true the input fields are kept and the new ones follow.";
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.nullable("language", FieldType.STRING)
            .withDescription("The expression language: cel (the only one, and the default)."),
        Field.nullable("append", FieldType.BOOLEAN)
            .withDescription("Keep the input fields (default false: only the new fields)."),
        Field.of("fields", FieldType.map(FieldType.STRING, FieldType.STRING))
            .withDescription("Output field name -> CEL expression, in output order."));
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    MapFields built = recordStage(configuration, context);
    Map<String, String> fields = StepConfig.of(configuration).stringMap("fields");
    return StepTransforms.map(
        rows -> {
          for (Map.Entry<String, String> f : fields.entrySet()) {
            try {
              Expression.compile(f.getValue(), rows.getSchema());
            } catch (ExpressionException e) {
              throw new StepConfigException("fields." + f.getKey(), e.column(), e.getMessage(), e);
            }
          }
          return rows.apply(built);
        });
  }

  @Override
  public MapFields recordStage(Row configuration, StepContext context) {
    StepConfig c = StepConfig.of(configuration);
    checkLanguage(c);
    Map<String, String> fields = c.stringMap("fields");
    if (fields.isEmpty()) {
      throw c.error("fields", "'fields' needs at least one name: expression");
    }
    MapFields map =
        MapFields.of(fields).withAppend(c.bool("append", false)).withStageName(context.stageName());
    if (context.errorHandler() != null) {
      map = map.withBadRecordErrorHandler(context.errorHandler());
    }
    return map;
  }

  static void checkLanguage(StepConfig c) {
    String language = c.string("language", "cel");
    if (!language.equals("cel")) {
      throw c.error(
          "language",
          "expected cel (Tributary evaluates CEL expressions; Beam YAML's python, javascript and"
              + " sql are not supported), got '"
              + language
              + "'");
    }
  }

  @Override
  public FieldLineage fieldLineage(Row configuration, Schema input, Schema output) {
    StepConfig c = StepConfig.of(configuration);
    FieldLineage.Builder b = FieldLineage.builder();
    Map<String, String> fields = c.stringMap("fields");
    if (c.bool("append", false)) {
      for (String f : input.getFieldNames()) {
        if (!fields.containsKey(f)) {
          b.field(f, f, Transformation.direct("IDENTITY", false));
        }
      }
    }
    for (Map.Entry<String, String> f : fields.entrySet()) {
      Expression e = Expression.compile(f.getValue(), input);
      boolean bare =
          e.referencedFields().size() == 1
              && f.getValue().trim().equals(e.referencedFields().get(0));
      for (String in : e.referencedFields()) {
        b.field(f.getKey(), in, Transformation.direct(bare ? "IDENTITY" : "TRANSFORMATION", false));
      }
    }
    return b.build();
  }
}
