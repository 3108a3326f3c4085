package io.tributary.transforms.expr;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.json.RowJsonText;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.stages.RecordFn;
import io.tributary.transforms.stages.RecordStage;
import io.tributary.transforms.stages.RecordStages;
import io.tributary.transforms.stages.RecordTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableMap;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Derives fields from expressions over the input row: each output field is one CEL {@link
 * Expression}, type-checked against the input schema when the transform is applied, so a misspelt
 * field or a type error fails pipeline construction with the field, the line and the column.
 *
 * <pre>{@code
 * Map<String, String> fields = new LinkedHashMap<>();
 * fields.put("total", "price * double(quantity)");
 * fields.put("currency", "currency.upperAscii()");   // replaces the input field in place
 * fields.put("big", "price > 100.0");
 * PCollection<Row> enriched = orders.apply("Enrich", MapFields.of(fields)
 *     .withAppend(true)
 *     .withBadRecordErrorHandler(handler));
 * }</pre>
 *
 * <p>Every expression reads the input row (not the fields derived before it). Without {@link
 * #withAppend} the output has only the mapped fields, in the order given; with it, the input fields
 * come first, a mapped field named like an input field replaces it in place (with its new type),
 * and the new ones follow. Each output field's type is its expression's {@link
 * Expression#resultType()}; {@link #outputSchema(Schema)} gives the output schema without running.
 *
 * <p>A row on which an expression fails (division by zero, a missing map key, a null where a value
 * is needed) is rejected with reason {@value #EXPRESSION_ERROR} and a message naming the field and
 * the expression, never the row's values. An {@link AccountedStage} named {@value #STAGE} unless
 * {@link #withStageName} says otherwise: every row counts in {@code stage.<stage>.in} and leaves on
 * the output or as one rejection.
 */
@AutoValue
public abstract class MapFields extends PTransform<PCollection<Row>, PCollection<Row>>
    implements AccountedStage, RecordStage {
  /** Default stage name: of the accounting and of rejections. */
  public static final String STAGE = "map_fields";

  /** Reason of a row on which an expression failed. */
  public static final String EXPRESSION_ERROR = "expression_error";

  abstract ImmutableMap<String, String> fields();

  abstract boolean append();

  /** The stage name: of the accounting ({@code stage.<name>.*}) and of every rejection. */
  @Override
  public abstract String stageName();

  /** Where rows an expression fails on go; the default handler (fail the run) unless set. */
  @Override
  public abstract ErrorHandler<BadRecord, ?> badRecordErrorHandler();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setFields(ImmutableMap<String, String> fields);

    abstract Builder setAppend(boolean append);

    abstract Builder setStageName(String stageName);

    abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler);

    abstract MapFields build();
  }

  /**
   * Output fields by name, each with its CEL expression, in the order of {@code nameToExpression}
   * (use a {@link LinkedHashMap}). Names are identifiers ({@code [A-Za-z_][A-Za-z0-9_]*}).
   */
  public static MapFields of(Map<String, String> nameToExpression) {
    checkArgument(
        nameToExpression != null && !nameToExpression.isEmpty(),
        "MapFields.of: at least one field is required");
    for (Map.Entry<String, String> e : nameToExpression.entrySet()) {
      checkArgument(
          e.getKey() != null && e.getKey().matches("[A-Za-z_][A-Za-z0-9_]*"),
          "MapFields.of: a field name must be an identifier, got '%s'",
          e.getKey());
      checkArgument(
          e.getValue() != null && !e.getValue().isBlank(),
          "MapFields.of: field '%s' has no expression",
          e.getKey());
    }
    return new AutoValue_MapFields.Builder()
        .setFields(ImmutableMap.copyOf(nameToExpression))
        .setAppend(false)
        .setStageName(STAGE)
        .setBadRecordErrorHandler(DeadLetters.defaultHandler())
        .build();
  }

  /**
   * Whether the input fields are kept (false by default): the mapped fields then replace input
   * fields of the same name in place, and the new ones come after.
   */
  public MapFields withAppend(boolean append) {
    return toBuilder().setAppend(append).build();
  }

  /**
   * The stage name ({@value #STAGE} by default): of the accounting and of every rejection,
   * lower_snake_case and unique in the pipeline.
   */
  public MapFields withStageName(String stageName) {
    return toBuilder()
        .setStageName(AccountedStage.checkName(stageName, "MapFields.withStageName"))
        .build();
  }

  /** Sends rows on which an expression fails to {@code handler} instead of failing the pipeline. */
  public MapFields withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgument(handler != null, "MapFields.withBadRecordErrorHandler: handler must not be null");
    return toBuilder().setBadRecordErrorHandler(handler).build();
  }

  /**
   * The compiled expression of each output field against {@code inputSchema}.
   *
   * @throws ExpressionException naming the field when one does not compile
   */
  public Map<String, Expression> expressions(Schema inputSchema) {
    Map<String, Expression> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> f : fields().entrySet()) {
      try {
        out.put(f.getKey(), Expression.compile(f.getValue(), inputSchema));
      } catch (ExpressionException e) {
        throw e.withContext("MapFields: field '" + f.getKey() + "'");
      }
    }
    return out;
  }

  /** The output schema for input rows of {@code inputSchema}, computed without running. */
  public Schema outputSchema(Schema inputSchema) {
    return outputSchema(inputSchema, expressions(inputSchema));
  }

  private Schema outputSchema(Schema inputSchema, Map<String, Expression> expressions) {
    Schema.Builder out = Schema.builder();
    if (append()) {
      for (Schema.Field f : inputSchema.getFields()) {
        Expression replacing = expressions.get(f.getName());
        out.addField(f.getName(), replacing == null ? f.getType() : replacing.resultType());
      }
    }
    for (Map.Entry<String, Expression> e : expressions.entrySet()) {
      if (!append() || !inputSchema.hasField(e.getKey())) {
        out.addField(e.getKey(), e.getValue().resultType());
      }
    }
    return out.build();
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> input) {
    return RecordStages.applyOne(
        input, "EvaluateExpressions", recordFn(input.getSchema()), badRecordErrorHandler());
  }

  /** The expressions on rows of {@code inputSchema}, as a stage of a {@link RecordStages} step. */
  @Override
  public RecordFn recordFn(Schema inputSchema) {
    Map<String, Expression> expressions = expressions(inputSchema);
    Schema outputSchema = outputSchema(inputSchema, expressions);
    // Where each output field comes from: an expression, or (>= 0) an input field index.
    List<Expression> computed = new ArrayList<>();
    List<String> names = new ArrayList<>();
    int[] inputIndex = new int[outputSchema.getFieldCount()];
    int[] expressionIndex = new int[outputSchema.getFieldCount()];
    for (int i = 0; i < outputSchema.getFieldCount(); i++) {
      String name = outputSchema.getField(i).getName();
      Expression e = expressions.get(name);
      if (e == null) {
        inputIndex[i] = inputSchema.indexOf(name);
        expressionIndex[i] = -1;
      } else {
        inputIndex[i] = -1;
        expressionIndex[i] = computed.size();
        computed.add(e);
        names.add(name);
      }
    }
    return new MapFieldsFn(computed, names, inputIndex, expressionIndex, outputSchema, stageName());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("fields", fields().toString()).withLabel("Fields"))
        .add(DisplayData.item("append", append()).withLabel("Keep input fields"))
        .add(DisplayData.item("stage", stageName()).withLabel("Stage name"));
  }

  static final class MapFieldsFn extends RecordFn {
    private static final long serialVersionUID = 1L;
    private final ArrayList<Expression> expressions;
    private final ArrayList<String> names;
    private final int[] inputIndex;
    private final int[] expressionIndex;
    private final String stage;
    private final StageCounters counters;

    MapFieldsFn(
        List<Expression> expressions,
        List<String> names,
        int[] inputIndex,
        int[] expressionIndex,
        Schema outputSchema,
        String stage) {
      super(outputSchema);
      this.expressions = new ArrayList<>(expressions);
      this.names = new ArrayList<>(names);
      this.inputIndex = inputIndex.clone();
      this.expressionIndex = expressionIndex.clone();
      this.stage = stage;
      this.counters = StageCounters.of(stage);
    }

    @Override
    public @Nullable Row apply(
        Row row, RecordTime time, BadRecordRouter router, DoFn.MultiOutputReceiver out)
        throws Exception {
      counters.in();
      Object[] computed = new Object[expressions.size()];
      for (int i = 0; i < computed.length; i++) {
        try {
          computed[i] = expressions.get(i).evaluate(row);
        } catch (ExpressionEvaluationException e) {
          DeadLetters.reject(
              router,
              out,
              RowJsonText.render(row),
              StringUtf8Coder.of(),
              new RecordRejectedException(
                  stage,
                  EXPRESSION_ERROR,
                  "field '"
                      + names.get(i)
                      + "' = `"
                      + expressions.get(i).source().replace('\n', ' ')
                      + "`: "
                      + e.getMessage()));
          return null;
        }
      }
      List<Object> values = new ArrayList<>(inputIndex.length);
      for (int i = 0; i < inputIndex.length; i++) {
        values.add(
            expressionIndex[i] >= 0 ? computed[expressionIndex[i]] : row.getValue(inputIndex[i]));
      }
      counters.out(time.get());
      return Row.withSchema(outputSchema()).attachValues(values);
    }
  }
}
