package io.tributary.transforms.expr;

import io.tributary.transforms.lineage.ColumnLineage.Transformation;
import io.tributary.transforms.spec.FieldLineage;
import io.tributary.transforms.spec.RecordStageStep;
import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepConfigException;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepTransforms;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.values.Row;

/**
 * The {@code Filter} step (Beam YAML's name): {@link FilterRows} keeps the rows where a CEL
 * condition is true; the others leave through the filtered exit of the accounting.
 *
 * <pre>{@code
 * - type: Filter
 *   name: purchases
 *   config: {keep: "event_type == 'purchase' && price > 0.0"}
 * }</pre>
 */
public final class FilterStep extends RecordStageStep {
  @Override
  public String typeName() {
    return "Filter";
  }

  @Override
  public String description() {
    return "Keeps the rows where a CEL condition is true (Beam YAML's Filter with language: cel);"
        + " the others are counted as filtered.";
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.nullable("language", FieldType.STRING)
            .withDescription("The expression language: cel (the only one, and the default)."),
        Field.of("keep", FieldType.STRING).withDescription("A CEL condition over the input row."));
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    FilterRows built = recordStage(configuration, context);
    return StepTransforms.map(
        rows -> {
          try {
            built.compile(rows.getSchema());
          } catch (ExpressionException e) {
            throw new StepConfigException("keep", e.column(), e.getMessage(), e);
          }
          return rows.apply(built);
        });
  }

  @Override
  public FilterRows recordStage(Row configuration, StepContext context) {
    StepConfig c = StepConfig.of(configuration);
    MapToFieldsStep.checkLanguage(c);
    FilterRows filter =
        FilterRows.where(c.requiredString("keep")).withStageName(context.stageName());
    if (context.errorHandler() != null) {
      filter = filter.withBadRecordErrorHandler(context.errorHandler());
    }
    return filter;
  }

  @Override
  public FieldLineage fieldLineage(Row configuration, Schema input, Schema output) {
    FieldLineage.Builder b = FieldLineage.builder();
    for (String f : output.getFieldNames()) {
      b.field(f, f, Transformation.direct("IDENTITY", false));
    }
    String keep = StepConfig.of(configuration).requiredString("keep");
    for (String f : Expression.compile(keep, input).referencedFields()) {
      b.dataset(f, Transformation.indirect("FILTER"));
    }
    return b.build();
  }
}
