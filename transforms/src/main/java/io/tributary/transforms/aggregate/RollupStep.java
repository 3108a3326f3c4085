package io.tributary.transforms.aggregate;

import io.tributary.transforms.expr.ExpressionException;
import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepConfigException;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepProvider;
import io.tributary.transforms.spec.StepTransforms;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.values.Row;

/**
 * The {@code Rollup} step: {@link Rollup}, totals per group of the rows matching a condition, with
 * calendar dates of timestamps to group by; one row per group (per window of the input), without
 * window fields. The {@code group_by} and {@code aggregations} keys are the {@code Aggregate}
 * step's.
 *
 * <pre>{@code
 * - type: Rollup
 *   name: daily_category_revenue
 *   input: categorize
 *   config:
 *     where: "status != 'cancelled'"
 *     dates: {dt: created_at}
 *     group_by: [dt, category]
 *     aggregations:
 *       - {name: orders, fn: count}
 *       - {name: revenue, fn: sum, field: amount, scale: 2}
 * }</pre>
 */
public final class RollupStep extends StepProvider {
  @Override
  public String typeName() {
    return "Rollup";
  }

  @Override
  public String description() {
    return "Totals per group (SQL's WHERE ... GROUP BY): rows matching a CEL condition, with UTC"
        + " calendar dates of timestamp fields to group by, aggregated like Aggregate; one row per"
        + " group, no window fields.";
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.nullable("where", FieldType.STRING)
            .withDescription("A CEL condition: only matching rows count (default: all rows)."),
        Field.nullable("dates", FieldType.map(FieldType.STRING, FieldType.STRING))
            .withDescription("New DATE fields, name: timestamp field (its UTC calendar date)."),
        Field.nullable("group_by", FieldType.array(FieldType.STRING))
            .withDescription("Fields to group by (they come first in the output)."),
        Field.of("aggregations", FieldType.array(FieldType.row(AggregationConfig.AGGREGATION)))
            .withDescription("The output fields, in order."));
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    StepConfig c = StepConfig.of(configuration);
    Rollup rollup = Rollup.of(AggregationConfig.aggregate(c, Aggregate.perWindow()));
    String where = c.string("where");
    if (where != null) {
      try {
        rollup = rollup.where(where);
      } catch (IllegalArgumentException e) {
        throw c.error("where", e.getMessage());
      }
    }
    for (Map.Entry<String, String> d : c.stringMap("dates").entrySet()) {
      try {
        rollup = rollup.withDateOf(d.getKey(), d.getValue());
      } catch (IllegalArgumentException e) {
        throw c.error("dates", e.getMessage());
      }
    }
    Rollup built = rollup;
    return StepTransforms.map(
        rows -> {
          Schema in = rows.getSchema();
          Schema prepared;
          try {
            prepared = built.preparedSchema(in);
          } catch (IllegalArgumentException e) {
            throw c.error("dates", e.getMessage());
          }
          if (where != null) {
            try {
              io.tributary.transforms.expr.Expression.compile(where, in);
            } catch (ExpressionException e) {
              throw new StepConfigException(c.key("where"), e.column(), e.getMessage(), e);
            }
          }
          AggregationConfig.check(c, prepared);
          try {
            built.outputSchema(in);
          } catch (IllegalArgumentException e) {
            throw c.error("aggregations", e.getMessage());
          }
          return rows.apply(built);
        });
  }
}
