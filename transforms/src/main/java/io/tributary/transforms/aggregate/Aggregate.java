package io.tributary.transforms.aggregate;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.expr.Expression;
import io.tributary.transforms.windowing.PaneMetadata;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.Schema.TypeName;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Aggregates the rows of each window (and of each group, with {@link #withGroupBy}) into one row:
 * the group's fields, {@code window_start} and {@code window_end} (ISO-8601 UTC strings, null in
 * the global window), one field per {@link Aggregation}, and with {@link #withPane} the pane's
 * {@code timing}, {@code index} and {@code final} flag so sinks can upsert (a later pane replaces
 * an earlier one of the same window).
 *
 * <p>Sums and means are exact (doubles are added as {@link BigDecimal}), so every runner gives the
 * same bytes whatever the order it merges partial results in. Map results (an aggregation {@code
 * by} a field) are sorted by key.
 *
 * <pre>{@code
 * PCollection<Row> perWindow = windowed.apply(
 *     Aggregate.perWindow()
 *         .withAggregation(Aggregation.count("events"))
 *         .withAggregation(Aggregation.count("events_by_type").by("event_type"))
 *         .withAggregation(Aggregation.countDistinct("distinct_users", "user_id"))
 *         .withPane(true));
 * }</pre>
 */
public final class Aggregate extends PTransform<PCollection<Row>, PCollection<Row>>
    implements io.tributary.transforms.metrics.GrainBoundary {
  /** Output field: the window's start. */
  public static final String WINDOW_START = "window_start";

  /** Output field: the window's end. */
  public static final String WINDOW_END = "window_end";

  /** Output field: the pane (timing, index, final). */
  public static final String PANE = "pane";

  /** The schema of {@link #PANE}. */
  public static final Schema PANE_SCHEMA =
      Schema.builder()
          .addStringField("timing")
          .addInt64Field("index")
          .addBooleanField("final")
          .build();

  private final List<String> groupBy;
  private final List<Aggregation> aggregations;
  private final boolean window;
  private final boolean pane;

  private Aggregate(
      List<String> groupBy, List<Aggregation> aggregations, boolean window, boolean pane) {
    this.groupBy = List.copyOf(groupBy);
    this.aggregations = List.copyOf(aggregations);
    this.window = window;
    this.pane = pane;
  }

  /** One row per window; add aggregations with {@link #withAggregation}. */
  public static Aggregate perWindow() {
    return new Aggregate(List.of(), List.of(), true, false);
  }

  /** One row per window and value of {@code fields} (which come first in the output). */
  public Aggregate withGroupBy(List<String> fields) {
    checkArgument(fields != null, "Aggregate.withGroupBy: fields must not be null");
    return new Aggregate(fields, aggregations, window, pane);
  }

  /** Adds an output field. */
  public Aggregate withAggregation(Aggregation aggregation) {
    checkArgument(aggregation != null, "Aggregate.withAggregation: aggregation is required");
    for (Aggregation a : aggregations) {
      checkArgument(
          !a.name().equals(aggregation.name()),
          "Aggregate.withAggregation: two aggregations named '%s'",
          a.name());
    }
    List<Aggregation> all = new ArrayList<>(aggregations);
    all.add(aggregation);
    return new Aggregate(groupBy, all, window, pane);
  }

  /** Whether rows carry {@code window_start} and {@code window_end} (default true). */
  public Aggregate withWindowFields(boolean include) {
    return new Aggregate(groupBy, aggregations, include, pane);
  }

  /** Whether rows carry the pane (default false). */
  public Aggregate withPane(boolean include) {
    return new Aggregate(groupBy, aggregations, window, include);
  }

  /** The output schema for rows of {@code input}. */
  public Schema outputSchema(Schema input) {
    Schema.Builder b = Schema.builder();
    for (String g : groupBy) {
      checkArgument(
          input.hasField(g),
          "Aggregate.withGroupBy: the input has no field '%s'; its fields are %s",
          g,
          input.getFieldNames());
      b.addField(Field.of(g, input.getField(g).getType()));
    }
    if (window) {
      b.addNullableField(WINDOW_START, FieldType.STRING);
      b.addNullableField(WINDOW_END, FieldType.STRING);
    }
    for (Aggregation a : aggregations) {
      FieldType t = resultType(a, input);
      b.addField(
          a.byField() == null
              ? Field.of(a.name(), t)
              : Field.of(a.name(), FieldType.map(FieldType.STRING, t.withNullable(false))));
    }
    if (pane) {
      b.addRowField(PANE, PANE_SCHEMA);
    }
    return b.build();
  }

  private static FieldType resultType(Aggregation a, Schema input) {
    if (a.byField() != null) {
      checkArgument(
          input.hasField(a.byField()),
          "Aggregation %s: the input has no field '%s' to split by; its fields are %s",
          a.name(),
          a.byField(),
          input.getFieldNames());
    }
    if (a.fn() == Aggregation.Fn.COUNT) {
      return FieldType.INT64;
    }
    checkArgument(
        input.hasField(a.field()),
        "Aggregation %s: the input has no field '%s'; its fields are %s",
        a.name(),
        a.field(),
        input.getFieldNames());
    FieldType in = input.getField(a.field()).getType();
    TypeName t = in.getTypeName();
    switch (a.fn()) {
      case COUNT_DISTINCT:
        return FieldType.INT64;
      case MEAN:
        checkArgument(t.isNumericType(), "Aggregation %s: mean needs a numeric field", a.name());
        return FieldType.DOUBLE.withNullable(true);
      case SUM:
        checkArgument(
            t.isNumericType(),
            "Aggregation %s: sum needs a numeric field, '%s' is %s",
            a.name(),
            a.field(),
            t);
        return numeric(t);
      default:
        if (t.isNumericType()) {
          return numeric(t).withNullable(true);
        }
        checkArgument(
            t == TypeName.STRING || t == TypeName.DATETIME,
            "Aggregation %s: %s needs a number, a string or a date-time, '%s' is %s",
            a.name(),
            a.fn(),
            a.field(),
            t);
        return FieldType.of(t).withNullable(true);
    }
  }

  private static FieldType numeric(TypeName t) {
    if (t == TypeName.DECIMAL) {
      return FieldType.DECIMAL;
    }
    return t == TypeName.FLOAT || t == TypeName.DOUBLE ? FieldType.DOUBLE : FieldType.INT64;
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> input) {
    checkArgument(!aggregations.isEmpty(), "Aggregate: withAggregation() is required");
    checkArgument(
        input.hasSchema(), "Aggregate: input %s has no schema (Row, Avro, @DefaultSchema)", input);
    Schema in = input.getSchema();
    Schema out = outputSchema(in);
    List<Expression> conditions = new ArrayList<>();
    for (Aggregation a : aggregations) {
      if (a.condition() == null) {
        conditions.add(null);
      } else {
        Expression e = Expression.compile(a.condition(), in);
        checkArgument(
            e.resultType().getTypeName() == TypeName.BOOLEAN,
            "Aggregation %s: where must be a condition (bool), got %s",
            a.name(),
            e.resultType());
        conditions.add(e);
      }
    }
    AggregateFn fn = new AggregateFn(aggregations, conditions, in);
    Schema keySchema = keySchema(in);
    PCollection<KV<Row, Row>> keyed =
        input
            .apply(
                "GroupKey",
                WithKeys.of((Row r) -> key(r, keySchema)).withKeyType(TypeDescriptor.of(Row.class)))
            .setCoder(
                KvCoder.of(org.apache.beam.sdk.coders.RowCoder.of(keySchema), input.getCoder()));
    return keyed
        .apply("Combine", Combine.perKey(fn))
        .apply("ToRow", ParDo.of(new ToRowFn(out, aggregations, in, groupBy, window, pane)))
        .setRowSchema(out);
  }

  private Schema keySchema(Schema in) {
    Schema.Builder b = Schema.builder();
    for (String g : groupBy) {
      b.addField(Field.of(g, in.getField(g).getType().withNullable(true)));
    }
    return b.build();
  }

  private static Row key(Row r, Schema keySchema) {
    Row.Builder b = Row.withSchema(keySchema);
    for (Field f : keySchema.getFields()) {
      b.addValue(r.getValue(f.getName()));
    }
    return b.build();
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("groupBy", String.valueOf(groupBy)).withLabel("Group by"));
    builder.add(
        DisplayData.item("aggregations", String.valueOf(aggregations)).withLabel("Aggregations"));
    builder.add(DisplayData.item("pane", pane).withLabel("Pane fields"));
  }

  /** Normalises a field value for comparison and distinct counting. */
  static @Nullable Comparable<?> normalize(@Nullable Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof BigDecimal d) {
      return d;
    }
    if (v instanceof Double || v instanceof Float) {
      return ((Number) v).doubleValue();
    }
    if (v instanceof Number n) {
      return n.longValue();
    }
    if (v instanceof org.joda.time.ReadableInstant i) {
      return i.getMillis();
    }
    return v.toString();
  }

  static BigDecimal exact(Object v) {
    if (v instanceof BigDecimal d) {
      return d;
    }
    if (v instanceof Double || v instanceof Float) {
      return new BigDecimal(((Number) v).doubleValue());
    }
    return BigDecimal.valueOf(((Number) v).longValue());
  }

  /** The combine function. */
  static final class AggregateFn extends Combine.CombineFn<Row, Accumulator, Accumulator> {
    private static final long serialVersionUID = 1L;
    private final List<Aggregation> aggregations;
    private final List<Expression> conditions;
    private final Schema input;

    AggregateFn(List<Aggregation> aggregations, List<Expression> conditions, Schema input) {
      this.aggregations = aggregations;
      this.conditions = new ArrayList<>(conditions);
      this.input = input;
    }

    @Override
    public Accumulator createAccumulator() {
      return new Accumulator(aggregations);
    }

    @Override
    public Accumulator addInput(Accumulator acc, Row row) {
      for (int i = 0; i < aggregations.size(); i++) {
        Aggregation a = aggregations.get(i);
        Expression where = conditions.get(i);
        if (where != null && !Boolean.TRUE.equals(where.evaluate(row))) {
          continue;
        }
        Object byValue = a.byField() == null ? null : row.getValue(a.byField());
        String by = a.byField() == null ? null : String.valueOf(byValue);
        Accumulator.Cell c = acc.cell(i, by);
        if (a.fn() == Aggregation.Fn.COUNT) {
          c.count++;
          continue;
        }
        Object v = row.getValue(a.field());
        if (v == null) {
          continue;
        }
        switch (a.fn()) {
          case SUM:
          case MEAN:
            c.sum = c.sum.add(exact(v));
            c.count++;
            break;
          case MIN:
          case MAX:
            c.offer(normalize(v), a.fn());
            break;
          case COUNT_DISTINCT:
            c.distinct.add(String.valueOf(normalize(v)));
            break;
          default:
            throw new IllegalStateException(a.fn().toString());
        }
      }
      return acc;
    }

    /**
     * Merges into the first accumulator, in place (Beam's contract allows it): Flink's batch
     * combiner merges its running accumulator (the first) with each partial one in turn, so a fresh
     * accumulator per call copied every distinct set of the running one once per partial.
     */
    @Override
    public Accumulator mergeAccumulators(Iterable<Accumulator> accumulators) {
      Accumulator merged = null;
      for (Accumulator a : accumulators) {
        if (merged == null) {
          merged = a;
        } else {
          merged.merge(a, aggregations);
        }
      }
      return merged == null ? createAccumulator() : merged;
    }

    @Override
    public Accumulator extractOutput(Accumulator acc) {
      return acc;
    }

    @Override
    public Coder<Accumulator> getAccumulatorCoder(CoderRegistry registry, Coder<Row> inputCoder)
        throws CannotProvideCoderException {
      return new Accumulator.AccumulatorCoder();
    }

    @Override
    public Coder<Accumulator> getDefaultOutputCoder(CoderRegistry registry, Coder<Row> inputCoder)
        throws CannotProvideCoderException {
      return new Accumulator.AccumulatorCoder();
    }

    Schema input() {
      return input;
    }
  }

  /** The output row of one key, window and pane. */
  static final class ToRowFn extends DoFn<KV<Row, Accumulator>, Row> {
    private static final long serialVersionUID = 1L;
    private final Schema out;
    private final List<Aggregation> aggregations;
    private final Schema input;
    private final List<String> groupBy;
    private final boolean window;
    private final boolean pane;

    ToRowFn(
        Schema out,
        List<Aggregation> aggregations,
        Schema input,
        List<String> groupBy,
        boolean window,
        boolean pane) {
      this.out = out;
      this.aggregations = aggregations;
      this.input = input;
      this.groupBy = groupBy;
      this.window = window;
      this.pane = pane;
    }

    @ProcessElement
    public void process(
        @Element KV<Row, Accumulator> kv,
        BoundedWindow w,
        PaneInfo paneInfo,
        OutputReceiver<Row> receiver) {
      PaneMetadata meta = PaneMetadata.of(w, paneInfo);
      List<Object> values = new ArrayList<>();
      for (String g : groupBy) {
        values.add(kv.getKey().getValue(g));
      }
      if (window) {
        values.add(
            meta.windowStart() == null
                ? null
                : java.time.Instant.ofEpochMilli(meta.windowStart().getMillis()).toString());
        values.add(
            meta.windowEnd() == null
                ? null
                : java.time.Instant.ofEpochMilli(meta.windowEnd().getMillis()).toString());
      }
      Accumulator acc = kv.getValue();
      for (int i = 0; i < aggregations.size(); i++) {
        Aggregation a = aggregations.get(i);
        FieldType type = a.field() == null ? null : input.getField(a.field()).getType();
        Object state = acc.states.get(i);
        if (state instanceof Accumulator.Cell c) {
          values.add(result(a, type, c));
        } else {
          @SuppressWarnings("unchecked")
          Map<String, Accumulator.Cell> cells = (Map<String, Accumulator.Cell>) state;
          Map<String, Object> m = new TreeMap<>();
          cells.forEach(
              (k, c) -> {
                Object r = result(a, type, c);
                if (r != null) {
                  m.put(k, r);
                }
              });
          values.add(m);
        }
      }
      if (pane) {
        values.add(
            Row.withSchema(PANE_SCHEMA)
                .addValues(meta.timing(), meta.index(), meta.isFinal())
                .build());
      }
      receiver.output(Row.withSchema(out).addValues(values).build());
    }

    private static @Nullable Object result(
        Aggregation a, @Nullable FieldType type, Accumulator.Cell c) {
      switch (a.fn()) {
        case COUNT:
          return c.count;
        case COUNT_DISTINCT:
          return (long) c.distinct.size();
        case MEAN:
          return c.count == 0
              ? null
              : c.sum.divide(BigDecimal.valueOf(c.count), MathContext.DECIMAL128).doubleValue();
        case SUM:
          return typed(c.sum, type, a.scale());
        default:
          Object x = c.extreme;
          if (x == null) {
            return null;
          }
          if (type.getTypeName() == TypeName.DATETIME) {
            return new org.joda.time.Instant(((Number) x).longValue());
          }
          if (x instanceof BigDecimal d) {
            return typed(d, type, a.scale());
          }
          return x;
      }
    }

    private static Object typed(BigDecimal v, FieldType type, @Nullable Integer scale) {
      TypeName t = type.getTypeName();
      if (t == TypeName.DECIMAL) {
        return scale == null ? v : v.setScale(scale, RoundingMode.HALF_EVEN);
      }
      if (t == TypeName.FLOAT || t == TypeName.DOUBLE) {
        return v.doubleValue();
      }
      return v.longValueExact();
    }
  }
}
