package io.tributary.transforms.aggregate;

import io.tributary.transforms.expr.Expression;
import io.tributary.transforms.expr.ExpressionException;
import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepConfigException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;

/**
 * The {@code group_by} and {@code aggregations} keys that the {@code Aggregate} and {@code Rollup}
 * steps share: their schema, their parse into an {@link Aggregate}, and the check of their fields
 * against the input, each failure naming its key ({@code aggregations.1.fn}).
 *
 * <pre>{@code
 * Aggregate agg = AggregationConfig.aggregate(c, Aggregate.perWindow());
 * AggregationConfig.check(c, rows.getSchema());
 * }</pre>
 */
final class AggregationConfig {
  private AggregationConfig() {}

  /** The schema of one entry of {@code aggregations}. */
  static final Schema AGGREGATION =
      Schema.of(
          Field.of("name", FieldType.STRING).withDescription("The output field."),
          Field.of("fn", FieldType.STRING)
              .withDescription("count, sum, min, max, mean or count_distinct."),
          Field.nullable("field", FieldType.STRING)
              .withDescription("The input field (all but count)."),
          Field.nullable("by", FieldType.STRING)
              .withDescription("Split by this field's values: the result is a map."),
          Field.nullable("where", FieldType.STRING)
              .withDescription("A CEL condition: only matching rows count."),
          Field.nullable("scale", FieldType.INT32)
              .withDescription("Decimal results rounded half-even to this many digits."));

  /** {@code agg} grouped by {@code group_by}, with every aggregation of {@code aggregations}. */
  static Aggregate aggregate(StepConfig c, Aggregate agg) {
    agg = agg.withGroupBy(c.strings("group_by"));
    List<StepConfig> list = c.list("aggregations");
    if (list.isEmpty()) {
      throw c.error("aggregations", "'aggregations' needs at least one aggregation");
    }
    Set<String> names = new HashSet<>();
    for (StepConfig a : list) {
      Aggregation.Fn fn;
      try {
        fn = Aggregation.Fn.parse(a.requiredString("fn"));
      } catch (IllegalArgumentException e) {
        throw a.error("fn", e.getMessage());
      }
      String name = a.requiredString("name");
      if (!names.add(name)) {
        throw a.error("name", "two aggregations named '" + name + "'");
      }
      if (fn != Aggregation.Fn.COUNT && !a.has("field")) {
        throw a.error("fn", fn.name().toLowerCase(Locale.ROOT) + " needs 'field'");
      }
      Aggregation aggregation;
      try {
        aggregation = Aggregation.of(name, fn, a.string("field"));
      } catch (IllegalArgumentException e) {
        throw a.error("name", e.getMessage());
      }
      if (a.has("by")) {
        aggregation = aggregation.by(a.requiredString("by"));
      }
      if (a.has("where")) {
        aggregation = aggregation.where(a.requiredString("where"));
      }
      if (a.has("scale")) {
        long scale = a.longValue("scale", 0);
        if (scale < 0) {
          throw a.error("scale", "'scale' must be >= 0, got " + scale);
        }
        aggregation = aggregation.withScale((int) scale);
      }
      agg = agg.withAggregation(aggregation);
    }
    return agg;
  }

  /** Checks that the fields and conditions of {@code group_by} and {@code aggregations} fit. */
  static void check(StepConfig c, Schema in) {
    for (String g : c.strings("group_by")) {
      if (!in.hasField(g)) {
        throw new StepConfigException(
            c.key("group_by"),
            "the input has no field '" + g + "'; its fields are " + in.getFieldNames());
      }
    }
    for (StepConfig a : c.list("aggregations")) {
      for (String f : new String[] {"field", "by"}) {
        String v = a.string(f);
        if (v != null && !in.hasField(v)) {
          throw a.error(
              f, "the input has no field '" + v + "'; its fields are " + in.getFieldNames());
        }
      }
      String where = a.string("where");
      if (where != null) {
        try {
          Expression.compile(where, in);
        } catch (ExpressionException e) {
          throw new StepConfigException(a.key("where"), e.column(), e.getMessage(), e);
        }
      }
    }
  }
}
