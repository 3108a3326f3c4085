package io.tributary.transforms.validate;

import io.tributary.transforms.lineage.ColumnLineage.Transformation;
import io.tributary.transforms.spec.FieldLineage;
import io.tributary.transforms.spec.RecordStageStep;
import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.stages.RecordStage;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.values.Row;

/**
 * The {@code Validate} step: {@link Validate#rows()} with the rules of its configuration; a row
 * that breaks a rule is a dead letter of this step with the rule's reason.
 *
 * <pre>{@code
 * - type: Validate
 *   name: validate
 *   config:
 *     rules:
 *       - {field: price, at_least: 0, reason: negative_price}
 *       - {field: currency, one_of: [USD, EUR], reason: unknown_currency}
 * }</pre>
 */
public final class ValidateStep extends RecordStageStep {
  static final Schema RULE =
      Schema.of(
          Field.of("field", FieldType.STRING).withDescription("The field the rule reads (dotted)."),
          Field.nullable("not_null", FieldType.BOOLEAN)
              .withDescription("true: the field must be present and not null."),
          Field.nullable("at_least", FieldType.DECIMAL)
              .withDescription("The smallest allowed value of a numeric field."),
          Field.nullable("at_most", FieldType.DECIMAL)
              .withDescription("The largest allowed value of a numeric field."),
          Field.nullable("one_of", FieldType.array(FieldType.STRING))
              .withDescription("The allowed values (compared as strings)."),
          Field.nullable("reason", FieldType.STRING)
              .withDescription(
                  "The dead-letter reason, lower_snake_case (default: the check's own)."));

  @Override
  public String typeName() {
    return "Validate";
  }

  @Override
  public String description() {
    return "Rejects rows that break a rule (not null, at least, at most, one of); each rejection is"
        + " a dead letter of this step with the rule's reason.";
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.of("rules", FieldType.array(FieldType.row(RULE)))
            .withDescription("The rules, checked in order; the first broken one is the reason."));
  }

  @Override
  public RecordStage recordStage(Row configuration, StepContext context) {
    return validate(configuration, context);
  }

  /**
   * The {@link Validate} a step of this type configured by {@code configuration} applies; also what
   * a source fuses into its decoding step ({@link ValidatingSourceStep}).
   */
  public static Validate validate(Row configuration, StepContext context) {
    StepConfig config = StepConfig.of(configuration);
    Validate validate = Validate.rows().withStageName(context.stageName());
    List<StepConfig> rules = config.list("rules");
    if (rules.isEmpty()) {
      throw config.error("rules", "'rules' needs at least one rule");
    }
    for (StepConfig rule : rules) {
      validate = validate.withRule(rule(rule));
    }
    if (context.errorHandler() != null) {
      validate = validate.withBadRecordErrorHandler(context.errorHandler());
    }
    return validate;
  }

  private static RowRule rule(StepConfig c) {
    String field = c.requiredString("field");
    int checks =
        (c.bool("not_null", false) ? 1 : 0)
            + (c.has("at_least") ? 1 : 0)
            + (c.has("at_most") ? 1 : 0)
            + (c.has("one_of") ? 1 : 0);
    if (checks != 1) {
      throw c.error(
          "field",
          "a rule needs exactly one of not_null: true, at_least, at_most, one_of; got " + checks);
    }
    RowRule rule;
    if (c.bool("not_null", false)) {
      rule = RowRule.notNull(field);
    } else if (c.has("at_least")) {
      rule = RowRule.atLeast(field, c.row().getDecimal("at_least"));
    } else if (c.has("at_most")) {
      rule = RowRule.atMost(field, c.row().getDecimal("at_most"));
    } else {
      List<String> allowed = c.strings("one_of");
      if (allowed.isEmpty()) {
        throw c.error("one_of", "'one_of' needs at least one value");
      }
      rule = RowRule.oneOf(field, allowed);
    }
    String reason = c.string("reason");
    if (reason != null) {
      if (!reason.matches("[a-z0-9_]+")) {
        throw c.error("reason", "expected a lower_snake_case reason, got '" + reason + "'");
      }
      rule = rule.withReason(reason);
    }
    return rule;
  }

  @Override
  public FieldLineage fieldLineage(Row configuration, Schema input, Schema output) {
    FieldLineage.Builder b = FieldLineage.builder();
    for (String f : output.getFieldNames()) {
      b.field(f, f, Transformation.direct("IDENTITY", false));
    }
    for (StepConfig rule : StepConfig.of(configuration).list("rules")) {
      b.dataset(rule.requiredString("field"), Transformation.indirect("FILTER"));
    }
    return b.build();
  }
}
