package io.tributary.transforms.aggregate;

import io.tributary.transforms.expr.Expression;
import io.tributary.transforms.lineage.ColumnLineage.Transformation;
import io.tributary.transforms.spec.FieldLineage;
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
 * The {@code Aggregate} step: {@link Aggregate} over the windows of its input (set them with a
 * {@code Window} step before it), one row per window (and group) with the aggregations in order.
 *
 * <pre>{@code
 * - type: Aggregate
 *   name: per_device
 *   config:
 *     group_by: [device_id]
 *     aggregations:
 *       - {name: readings, fn: count}
 *       - {name: temperature_c_avg, fn: mean, field: temperature_c}
 *       - {name: revenue, fn: sum, field: price, by: currency,
 *          where: "event_type == 'purchase'", scale: 2}
 * }</pre>
 */
public final class AggregateStep extends StepProvider {
  static final Schema AGGREGATION = AggregationConfig.AGGREGATION;

  @Override
  public String typeName() {
    return "Aggregate";
  }

  @Override
  public String description() {
    return "One row per window (and per group_by value) with counts, sums, minima, maxima, means"
        + " and exact distinct counts; window_start and window_end as ISO-8601 strings, and with"
        + " pane: true the pane's timing, index and final flag for upserting sinks.";
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.nullable("group_by", FieldType.array(FieldType.STRING))
            .withDescription("Fields to group by (they come first in the output)."),
        Field.of("aggregations", FieldType.array(FieldType.row(AGGREGATION)))
            .withDescription("The output fields, in order."),
        Field.nullable("window_fields", FieldType.BOOLEAN)
            .withDescription("Add window_start and window_end (default true)."),
        Field.nullable("pane", FieldType.BOOLEAN)
            .withDescription("Add the pane: timing, index, final (default false)."));
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    StepConfig c = StepConfig.of(configuration);
    Aggregate agg =
        AggregationConfig.aggregate(
            c,
            Aggregate.perWindow()
                .withWindowFields(c.bool("window_fields", true))
                .withPane(c.bool("pane", false)));
    Aggregate built = agg;
    return StepTransforms.map(
        rows -> {
          Schema in = rows.getSchema();
          AggregationConfig.check(c, in);
          try {
            built.outputSchema(in);
          } catch (IllegalArgumentException e) {
            throw c.error("aggregations", e.getMessage());
          }
          return rows.apply(built);
        });
  }

  @Override
  public FieldLineage fieldLineage(Row configuration, Schema input, Schema output) {
    StepConfig c = StepConfig.of(configuration);
    FieldLineage.Builder b = FieldLineage.builder();
    for (String g : c.strings("group_by")) {
      b.field(g, g, Transformation.direct("IDENTITY", false));
      b.dataset(g, Transformation.indirect("GROUP_BY"));
    }
    for (StepConfig a : c.list("aggregations")) {
      String name = a.requiredString("name");
      String field = a.string("field");
      if (field != null) {
        b.field(name, field, Transformation.direct("AGGREGATION", false));
      }
      String by = a.string("by");
      if (by != null) {
        b.field(name, by, Transformation.indirect("GROUP_BY"));
      }
      String where = a.string("where");
      if (where != null) {
        for (String f : Expression.compile(where, input).referencedFields()) {
          b.field(name, f, Transformation.indirect("FILTER"));
        }
      }
    }
    return b.build();
  }
}
