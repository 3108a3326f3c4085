package io.tributary.transforms.aggregate;

import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepProvider;
import io.tributary.transforms.spec.StepTransforms;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.values.Row;

/**
 * Beam YAML's {@code Combine}: per window and {@code group_by} value, one row of the group fields
 * and the combined fields, each {@code {value: field, fn: sum | count | min | max | mean}}. Built
 * on {@link Aggregate} (exact sums, so every runner gives the same result).
 *
 * <pre>{@code
 * - type: Combine
 *   config:
 *     group_by: [currency]
 *     combine:
 *       revenue: {value: price, fn: sum}
 *       purchases: {value: price, fn: count}
 * }</pre>
 */
public final class CombineStep extends StepProvider {
  static final Schema COMBINE =
      Schema.of(
          Field.of("value", FieldType.STRING).withDescription("The input field."),
          Field.of("fn", FieldType.STRING)
              .withDescription("sum, count, min, max, mean or count_distinct."));

  @Override
  public String typeName() {
    return "Combine";
  }

  @Override
  public String description() {
    return "Beam YAML's Combine: per window and group, the group fields and each combined field"
        + " ({value, fn}); no window fields (use Aggregate for window_start/window_end and panes).";
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.nullable("group_by", FieldType.array(FieldType.STRING))
            .withDescription("Fields to group by."),
        Field.of("combine", FieldType.map(FieldType.STRING, FieldType.row(COMBINE)))
            .withDescription("Output field -> {value, fn}."));
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    StepConfig c = StepConfig.of(configuration);
    Aggregate agg =
        Aggregate.perWindow().withGroupBy(c.strings("group_by")).withWindowFields(false);
    Map<String, Row> combine = configuration.getMap("combine");
    if (combine == null || combine.isEmpty()) {
      throw c.error("combine", "'combine' needs at least one field");
    }
    for (Map.Entry<String, Row> e : combine.entrySet()) {
      String key = "combine." + e.getKey() + ".";
      String fnText = e.getValue().getString("fn");
      Aggregation.Fn fn;
      try {
        fn = Aggregation.Fn.parse(fnText.toLowerCase(Locale.ROOT));
      } catch (IllegalArgumentException ex) {
        throw new io.tributary.transforms.spec.StepConfigException(key + "fn", ex.getMessage());
      }
      String value = e.getValue().getString("value");
      agg =
          agg.withAggregation(
              Aggregation.of(e.getKey(), fn, fn == Aggregation.Fn.COUNT ? null : value));
    }
    Aggregate built = agg;
    return StepTransforms.map(
        rows -> {
          try {
            built.outputSchema(rows.getSchema());
          } catch (IllegalArgumentException ex) {
            throw c.error("combine", ex.getMessage());
          }
          return rows.apply(built);
        });
  }
}
