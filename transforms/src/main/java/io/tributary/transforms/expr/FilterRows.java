package io.tributary.transforms.expr;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.json.RowJsonText;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.metrics.StageExit;
import io.tributary.transforms.stages.RecordFn;
import io.tributary.transforms.stages.RecordStage;
import io.tributary.transforms.stages.RecordStages;
import io.tributary.transforms.stages.RecordTime;
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
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Keeps the rows for which a CEL condition is true. The condition is an {@link Expression}
 * type-checked against the input schema when the transform is applied: one that is not a {@code
 * bool} fails construction ({@code expected bool, got string at column 1}).
 *
 * <pre>{@code
 * PCollection<Row> euroOrders = orders.apply("EuroOnly",
 *     FilterRows.where("price > 10.0 && currency == 'EUR'")
 *         .withBadRecordErrorHandler(handler));
 * }</pre>
 *
 * <p>A row for which the condition is false leaves by {@link StageExit#FILTERED}, so the run's
 * accounting stays balanced: {@code in = out + filtered + rejected}. A row on which it fails, or is
 * null (a nullable field used as the whole condition), is rejected with reason {@value
 * MapFields#EXPRESSION_ERROR}: write {@code flag == true} to treat a null as false. An {@link
 * AccountedStage} named {@value #STAGE} unless {@link #withStageName} says otherwise.
 */
@AutoValue
public abstract class FilterRows extends PTransform<PCollection<Row>, PCollection<Row>>
    implements AccountedStage, RecordStage {
  /** Default stage name: of the accounting and of rejections. */
  public static final String STAGE = "filter";

  abstract String condition();

  /** The stage name: of the accounting ({@code stage.<name>.*}) and of every rejection. */
  @Override
  public abstract String stageName();

  /** Where rows the condition fails on go; the default handler (fail the run) unless set. */
  @Override
  public abstract ErrorHandler<BadRecord, ?> badRecordErrorHandler();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setCondition(String condition);

    abstract Builder setStageName(String stageName);

    abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler);

    abstract FilterRows build();
  }

  /** Keeps the rows for which {@code condition}, a CEL expression of type bool, is true. */
  public static FilterRows where(String condition) {
    checkArgument(
        condition != null && !condition.isBlank(), "FilterRows.where: condition must be set");
    return new AutoValue_FilterRows.Builder()
        .setCondition(condition)
        .setStageName(STAGE)
        .setBadRecordErrorHandler(DeadLetters.defaultHandler())
        .build();
  }

  /**
   * The stage name ({@value #STAGE} by default): of the accounting and of every rejection,
   * lower_snake_case and unique in the pipeline.
   */
  public FilterRows withStageName(String stageName) {
    return toBuilder()
        .setStageName(AccountedStage.checkName(stageName, "FilterRows.withStageName"))
        .build();
  }

  /** Sends rows on which the condition fails to {@code handler} instead of failing the pipeline. */
  public FilterRows withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgument(
        handler != null, "FilterRows.withBadRecordErrorHandler: handler must not be null");
    return toBuilder().setBadRecordErrorHandler(handler).build();
  }

  /**
   * The condition compiled against {@code inputSchema}.
   *
   * @throws ExpressionException when it does not compile, or is not a bool
   */
  public Expression compile(Schema inputSchema) {
    Expression e;
    try {
      e = Expression.compile(condition(), inputSchema);
    } catch (ExpressionException x) {
      throw x.withContext("FilterRows.where");
    }
    if (e.resultType().getTypeName() != Schema.TypeName.BOOLEAN) {
      throw new ExpressionException(
          "FilterRows.where: expected bool, got " + celName(e.resultType()), 1, 1);
    }
    return e;
  }

  private static String celName(Schema.FieldType t) {
    switch (t.getTypeName()) {
      case INT64:
        return "int";
      case DOUBLE:
        return "double";
      case STRING:
        return "string";
      case DATETIME:
        return "timestamp";
      case ARRAY:
        return "list";
      case MAP:
        return "map";
      case ROW:
        return "a nested row";
      default:
        return t.getTypeName().toString().toLowerCase(java.util.Locale.ROOT);
    }
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> input) {
    return RecordStages.applyOne(
        input, "Filter", recordFn(input.getSchema()), badRecordErrorHandler());
  }

  /** The condition on rows of {@code schema}, as a stage of a {@link RecordStages} step. */
  @Override
  public RecordFn recordFn(Schema schema) {
    return new FilterFn(compile(schema), stageName(), schema);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("condition", condition()).withLabel("Condition"))
        .add(DisplayData.item("stage", stageName()).withLabel("Stage name"));
  }

  static final class FilterFn extends RecordFn {
    private static final long serialVersionUID = 1L;
    private final Expression condition;
    private final String stage;
    private final StageCounters counters;

    FilterFn(Expression condition, String stage, Schema schema) {
      super(schema);
      this.condition = condition;
      this.stage = stage;
      this.counters = StageCounters.of(stage);
    }

    @Override
    public @Nullable Row apply(
        Row row, RecordTime time, BadRecordRouter router, DoFn.MultiOutputReceiver out)
        throws Exception {
      counters.in();
      Object keep;
      try {
        keep = condition.evaluate(row);
        if (keep == null) {
          throw new ExpressionEvaluationException("the condition is null", null);
        }
      } catch (ExpressionEvaluationException e) {
        DeadLetters.reject(
            router,
            out,
            RowJsonText.render(row),
            StringUtf8Coder.of(),
            new RecordRejectedException(
                stage,
                MapFields.EXPRESSION_ERROR,
                "condition `" + condition.source().replace('\n', ' ') + "`: " + e.getMessage()));
        return null;
      }
      if ((Boolean) keep) {
        counters.out(time.get());
        return row;
      }
      counters.exit(StageExit.FILTERED);
      return null;
    }
  }
}
