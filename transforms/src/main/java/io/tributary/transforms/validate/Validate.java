package io.tributary.transforms.validate;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;
import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkState;

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
import java.util.List;
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
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableList;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Rejects rows that break a business rule, sending them to the bad-record handler.
 *
 * <p>The dead-letter payload is the row rendered as JSON ({@link RowJsonText}). Every rule is
 * evaluated; the reason code is the first failing rule's (so each rejected row is counted once) and
 * the message lists every violation.
 *
 * <p>An {@link AccountedStage} named {@value #STAGE} unless {@link #withStageName} says otherwise:
 * every row counts in {@code tributary/stage.<stage>.in}, and leaves either on the output ({@code
 * stage.<stage>.out}) or as one rejection ({@code dead_letter.<stage>.<reason>}).
 *
 * <pre>{@code
 * PCollection<Row> valid = events.apply("Validate", Validate.rows()
 *     .withRule(RowRule.atLeast("price", BigDecimal.ZERO).withReason("negative_price"))
 *     .withRule(RowRule.oneOf("currency", Set.of("EUR", "USD"))
 *     .withReason("unknown_currency"))
 *     .withBadRecordErrorHandler(handler));
 * }</pre>
 */
@AutoValue
public abstract class Validate extends PTransform<PCollection<Row>, PCollection<Row>>
    implements AccountedStage, RecordStage {
  /** Default stage name: of the accounting and of rejections. */
  public static final String STAGE = "validate";

  abstract ImmutableList<RowRule> rules();

  /** The stage name: of the accounting ({@code stage.<name>.*}) and of every rejection. */
  @Override
  public abstract String stageName();

  /** Where rejected rows go; Tributary's default handler (fail the run) unless set. */
  public abstract ErrorHandler<BadRecord, ?> badRecordErrorHandler();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setRules(ImmutableList<RowRule> rules);

    abstract Builder setStageName(String stageName);

    abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler);

    abstract Validate build();
  }

  /** A validator with no rules yet; stage name {@code validate}. */
  public static Validate rows() {
    return new AutoValue_Validate.Builder()
        .setRules(ImmutableList.of())
        .setStageName(STAGE)
        .setBadRecordErrorHandler(DeadLetters.defaultHandler())
        .build();
  }

  /** Adds a rule. */
  public Validate withRule(RowRule rule) {
    checkArgument(rule != null, "Validate.withRule: rule must not be null");
    return toBuilder()
        .setRules(ImmutableList.<RowRule>builder().addAll(rules()).add(rule).build())
        .build();
  }

  /**
   * The stage name ({@value #STAGE} by default): of the accounting and of every rejection,
   * lower_snake_case and unique in the pipeline.
   */
  public Validate withStageName(String stageName) {
    return toBuilder()
        .setStageName(AccountedStage.checkName(stageName, "Validate.withStageName"))
        .build();
  }

  /**
   * The stage name recorded on rejections.
   *
   * @deprecated use {@link #withStageName}, which also names the stage of the accounting
   */
  @Deprecated
  public Validate withStage(String stage) {
    return toBuilder().setStageName(AccountedStage.checkName(stage, "Validate.withStage")).build();
  }

  /** Sends rejected rows to {@code handler} instead of failing the pipeline. */
  public Validate withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgument(handler != null, "Validate.withBadRecordErrorHandler: handler must not be null");
    return toBuilder().setBadRecordErrorHandler(handler).build();
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> input) {
    return RecordStages.applyOne(
        input, "CheckRules", recordFn(input.getSchema()), badRecordErrorHandler());
  }

  /**
   * The rules' check for rows of {@code schema}, as a stage of a {@link RecordStages} step or of a
   * source's decoding step ({@code ReadRows.withStages}, {@code KafkaRows.read().withStages},
   * {@link DecodeAndValidate}); checks the rules against the schema as {@link #expand} does, naming
   * the first missing field.
   */
  @Override
  public RecordFn recordFn(Schema schema) {
    checkState(!rules().isEmpty(), "Validate: at least one withRule() is required");
    for (RowRule rule : rules()) {
      rule.checkIn(schema);
    }
    return new CheckFn(rules(), stageName(), schema);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("rules", rules().toString()).withLabel("Rules"))
        .add(DisplayData.item("stage", stageName()).withLabel("Stage name"));
  }

  /**
   * One row through the stage: counted in, then either counted out or rejected with the row as JSON
   * for payload, the first failing rule's reason and every violation in the message.
   */
  static final class CheckFn extends RecordFn {
    private static final long serialVersionUID = 1L;
    private final List<RowRule> rules;
    private final String stage;
    private final StageCounters counters;

    CheckFn(List<RowRule> rules, String stage, Schema schema) {
      super(schema);
      this.rules = new ArrayList<>(rules);
      this.stage = stage;
      this.counters = StageCounters.of(stage);
    }

    @Override
    public @Nullable Row apply(
        Row row, RecordTime time, BadRecordRouter router, DoFn.MultiOutputReceiver out)
        throws Exception {
      counters.in();
      RecordRejectedException rejection = check(rules, stage, row);
      if (rejection == null) {
        counters.out(time.get());
        return row;
      }
      DeadLetters.reject(router, out, RowJsonText.render(row), StringUtf8Coder.of(), rejection);
      return null;
    }
  }

  private static @Nullable RecordRejectedException check(
      List<RowRule> rules, String stage, Row row) {
    String firstReason = null;
    List<String> violations = new ArrayList<>();
    for (RowRule rule : rules) {
      String violation = rule.violation(row);
      if (violation != null) {
        if (firstReason == null) {
          firstReason = rule.reason();
        }
        violations.add(violation);
      }
    }
    return firstReason == null
        ? null
        : new RecordRejectedException(stage, firstReason, String.join("; ", violations));
  }
}
