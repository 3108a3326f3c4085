package io.tributary.transforms.aggregate;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.expr.Expression;
import io.tributary.transforms.expr.ExpressionEvaluationException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.Schema.TypeName;
import org.apache.beam.sdk.schemas.logicaltypes.SqlTypes;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.ReadableInstant;

/**
 * Totals of a table per group, as SQL writes them: {@code SELECT date(created_at) AS dt, category,
 * count(*) AS orders, sum(amount) AS revenue FROM t WHERE status != 'cancelled' GROUP BY dt,
 * category}. The rows matching {@link #where} get the UTC calendar dates of {@link #withDateOf}
 * (fields of type {@code DATE}), then {@link Aggregate} groups them, without window fields, in the
 * input's windows (a bounded table in the global window: one row per group).
 *
 * <p>A row the condition excludes is not dropped from the pipeline, it is not part of the totals'
 * definition: the rollup is a derived dataset beside the rows it summarizes, so it is no stage of
 * the accounting (as {@link Aggregate} is not). A condition that cannot be evaluated on a row fails
 * the run, naming the condition, instead of leaving the row out of the totals unnoticed.
 *
 * <pre>{@code
 * PCollection<Row> mart = ordersWithCategory.apply("DailyCategoryRevenue",
 *     Rollup.of(Aggregate.perWindow()
 *             .withGroupBy(List.of("dt", "category"))
 *             .withAggregation(Aggregation.count("orders"))
 *             .withAggregation(Aggregation.sum("revenue", "amount").withScale(2)))
 *         .where("status != 'cancelled'")
 *         .withDateOf("dt", "created_at"));
 * }</pre>
 */
public final class Rollup extends PTransform<PCollection<Row>, PCollection<Row>> {
  private final Aggregate aggregate;
  private final @Nullable String where;
  private final Map<String, String> dates;

  private Rollup(Aggregate aggregate, @Nullable String where, Map<String, String> dates) {
    this.aggregate = aggregate;
    this.where = where;
    this.dates = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(dates));
  }

  /** Totals computed by {@code aggregate} (its window fields are left out). */
  public static Rollup of(Aggregate aggregate) {
    checkArgument(aggregate != null, "Rollup.of: aggregate must not be null");
    return new Rollup(aggregate.withWindowFields(false), null, Map.of());
  }

  /** Only rows where the CEL {@code condition} is true count. */
  public Rollup where(String condition) {
    checkArgument(
        condition != null && !condition.isBlank(), "Rollup.where: condition must not be empty");
    return new Rollup(aggregate, condition, dates);
  }

  /**
   * Adds field {@code name} of type {@code DATE}: the UTC calendar date of the {@code DATETIME} (or
   * {@code DATE}) field {@code field}, null where it is null; group by it like any field.
   */
  public Rollup withDateOf(String name, String field) {
    checkArgument(
        name != null && name.matches("[a-z][a-z0-9_]*"),
        "Rollup.withDateOf: name must be lower_snake_case, got '%s'",
        name);
    checkArgument(field != null && !field.isEmpty(), "Rollup.withDateOf: field must not be empty");
    checkArgument(!dates.containsKey(name), "Rollup.withDateOf: '%s' is added twice", name);
    Map<String, String> all = new LinkedHashMap<>(dates);
    all.put(name, field);
    return new Rollup(aggregate, where, all);
  }

  /** The rows {@link Aggregate} groups: the input's fields and the dates. */
  public Schema preparedSchema(Schema input) {
    Schema.Builder b = Schema.builder().addFields(input.getFields());
    dates.forEach(
        (name, field) -> {
          checkArgument(
              input.hasField(field),
              "Rollup.withDateOf: the input has no field '%s'; its fields are %s",
              field,
              input.getFieldNames());
          checkArgument(
              !input.hasField(name), "Rollup.withDateOf: the input already has a field '%s'", name);
          FieldType t = input.getField(field).getType();
          checkArgument(
              t.getTypeName() == TypeName.DATETIME || isDate(t),
              "Rollup.withDateOf: '%s' is %s; expected a timestamp (DATETIME) or a DATE",
              field,
              t.getTypeName());
          b.addField(
              Field.of(name, FieldType.logicalType(SqlTypes.DATE).withNullable(t.getNullable())));
        });
    return b.build();
  }

  /** The output schema for rows of {@code input}. */
  public Schema outputSchema(Schema input) {
    return aggregate.outputSchema(preparedSchema(input));
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> input) {
    Schema in = input.getSchema();
    Schema prepared = preparedSchema(in);
    Expression condition = null;
    if (where != null) {
      condition = Expression.compile(where, in);
      checkArgument(
          condition.resultType().getTypeName() == TypeName.BOOLEAN,
          "Rollup.where: expected a condition (bool), got %s",
          condition.resultType());
    }
    List<String> sources = new ArrayList<>(dates.values());
    return input
        .apply("WhereAndDates", ParDo.of(new PrepareFn(condition, sources, prepared)))
        .setRowSchema(prepared)
        .apply("Aggregate", aggregate);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .addIfNotNull(DisplayData.item("where", where).withLabel("Condition"))
        .add(DisplayData.item("dates", dates.toString()).withLabel("Dates (name=field)"))
        .include("aggregate", aggregate);
  }

  private static boolean isDate(FieldType t) {
    return t.getTypeName() == TypeName.LOGICAL_TYPE
        && SqlTypes.DATE.getIdentifier().equals(t.getLogicalType().getIdentifier());
  }

  static final class PrepareFn extends DoFn<Row, Row> {
    private final @Nullable Expression condition;
    private final List<String> sources;
    private final Schema prepared;

    PrepareFn(@Nullable Expression condition, List<String> sources, Schema prepared) {
      this.condition = condition;
      this.sources = sources;
      this.prepared = prepared;
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<Row> out) {
      if (condition != null) {
        Object keep;
        try {
          keep = condition.evaluate(row);
        } catch (ExpressionEvaluationException e) {
          throw new IllegalStateException(
              "Rollup.where: '" + condition.source() + "' failed on a row: " + e.getMessage(), e);
        }
        if (!Boolean.TRUE.equals(keep)) {
          return;
        }
      }
      Row.Builder b = Row.withSchema(prepared).addValues(row.getValues());
      for (String field : sources) {
        Object v = row.getValue(field);
        b.addValue(
            v == null || v instanceof LocalDate
                ? v
                : Instant.ofEpochMilli(((ReadableInstant) v).getMillis())
                    .atZone(ZoneOffset.UTC)
                    .toLocalDate());
      }
      out.output(b.build());
    }
  }
}
