package io.tributary.transforms.join;

import io.tributary.transforms.metrics.StageRole;
import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepProvider;
import io.tributary.transforms.spec.StepTransforms;
import java.util.List;
import java.util.Locale;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;

/**
 * The {@code AsOfJoin} step: {@link AsOfJoin} joins each row of {@code input} (the facts) with the
 * version of input {@code versions} (a dimension's SCD2 history, such as a {@code Cdc} step's
 * {@code history} output) that was valid at the fact's time. Facts behind their key's horizon leave
 * through the {@code too_late} output; the facts are this step's records, the versions reference
 * data accounted by the step that produced them.
 *
 * <pre>{@code
 * - type: AsOfJoin
 *   name: product_at_order_time
 *   input: {input: cdc_orders, versions: cdc_products.history}
 *   config: {key: product_id, fields: [category, list_price], fact_time: created_at}
 * }</pre>
 */
public final class AsOfJoinStep extends StepProvider {
  /** The dimension versions' input tag. */
  public static final String VERSIONS = "versions";

  /** The output of facts behind their key's horizon. */
  public static final String TOO_LATE = "too_late";

  @Override
  public String typeName() {
    return "AsOfJoin";
  }

  @Override
  public String description() {
    return "Joins each row of 'input' (the facts) with the version of 'versions' (a dimension's"
        + " SCD2 history, e.g. a Cdc step's history) valid at the fact's time: facts are held"
        + " until the watermark passes their time; facts behind the key's horizon go to"
        + " 'too_late'; a fact with no version gets null fields or is a dead letter"
        + " (no_dimension_version).";
  }

  @Override
  public List<String> inputCollectionNames() {
    return List.of(INPUT, VERSIONS);
  }

  @Override
  public List<String> outputCollectionNames() {
    return List.of(OUTPUT, TOO_LATE);
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.of("key", FieldType.STRING).withDescription("The key field of the facts."),
        Field.nullable("versions_key", FieldType.STRING)
            .withDescription("The key field of the versions (default: the same name as 'key')."),
        Field.of("fields", FieldType.array(FieldType.STRING))
            .withDescription("The versions' fields to add, in order."),
        Field.nullable("fact_time", FieldType.STRING)
            .withDescription(
                "The facts' timestamp field to join at (default: the row's event time)."),
        Field.nullable("valid_from", FieldType.STRING)
            .withDescription("The versions' timestamp field a version is valid from (valid_from)."),
        Field.nullable("delete_when", FieldType.map(FieldType.STRING, FieldType.STRING))
            .withDescription(
                "One field: value that marks a delete version (default {op: d}; {} for none)."),
        Field.nullable("version_order", FieldType.STRING)
            .withDescription(
                "Orders versions with one validity time, the greater wins (source_position if"
                    + " present)."),
        Field.nullable("lateness", FieldType.STRING)
            .withDescription("How far behind the watermark a fact may arrive (default 0s)."),
        Field.nullable("defaults", FieldType.map(FieldType.STRING, FieldType.STRING))
            .withDescription(
                "Value of an added field for a fact with no version (default: null), by field."),
        Field.nullable("role", FieldType.STRING)
            .withDescription(
                "step (the default) or sink: a join of derived rows (a Cdc current state) that"
                    + " serves the record path, balanced outside the run's line."),
        Field.nullable("unmatched", FieldType.STRING)
            .withDescription(
                "A fact with no version: nulls (the default) or dead_letter"
                    + " (no_dimension_version)."));
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    StepConfig c = StepConfig.of(configuration);
    String key = c.requiredString("key");
    String versionsKey = c.string("versions_key", key);
    List<String> fields = c.strings("fields");
    if (fields.isEmpty()) {
      throw c.error("fields", "'fields' needs at least one field of the versions");
    }
    String factTime = c.string("fact_time");
    String validFrom = c.string("valid_from");
    java.util.Map<String, String> deleteWhen =
        c.has("delete_when") ? c.stringMap("delete_when") : null;
    if (deleteWhen != null && deleteWhen.size() > 1) {
      throw c.error("delete_when", "'delete_when' takes one field: value (or {} for no deletes)");
    }
    String versionOrder = c.string("version_order");
    Duration lateness = c.duration("lateness", Duration.ZERO);
    String unmatchedText = c.string("unmatched", "nulls");
    AsOfJoin.Unmatched unmatched;
    switch (unmatchedText.toLowerCase(Locale.ROOT)) {
      case "nulls":
        unmatched = AsOfJoin.Unmatched.NULLS;
        break;
      case "dead_letter":
        unmatched = AsOfJoin.Unmatched.DEAD_LETTER;
        break;
      default:
        throw c.error(
            "unmatched", "'unmatched' must be nulls or dead_letter, got '" + unmatchedText + "'");
    }
    java.util.Map<String, String> defaults = c.stringMap("defaults");
    String roleText = c.string("role", "step");
    StageRole role;
    switch (roleText.toLowerCase(Locale.ROOT)) {
      case "step":
        role = StageRole.STEP;
        break;
      case "sink":
        role = StageRole.SINK;
        break;
      default:
        throw c.error("role", "'role' must be step or sink, got '" + roleText + "'");
    }
    return StepTransforms.tuple(
        tuple -> {
          if (!tuple.has(INPUT) || !tuple.has(VERSIONS)) {
            throw new IllegalArgumentException(
                "AsOfJoin needs two inputs: 'input: {input: <facts>, versions: <history>}'");
          }
          PCollection<Row> versions = tuple.get(VERSIONS);
          AsOfJoin.Join join;
          try {
            join =
                AsOfJoin.of(versions)
                    .by(key, versionsKey)
                    .withFields(fields.toArray(new String[0]))
                    .withAllowedLateness(lateness)
                    .withUnmatched(unmatched)
                    .withStageRole(role)
                    .withStageName(context.stageName());
            for (java.util.Map.Entry<String, String> d : defaults.entrySet()) {
              join = join.withDefault(d.getKey(), d.getValue());
            }
            if (factTime != null) {
              join = join.withFactTime(factTime);
            }
            if (validFrom != null) {
              join = join.withValidFrom(validFrom);
            }
            if (deleteWhen != null) {
              join =
                  deleteWhen.isEmpty()
                      ? join.withoutDeletes()
                      : join.withDeleteWhen(
                          deleteWhen.keySet().iterator().next(),
                          deleteWhen.values().iterator().next());
            }
            if (versionOrder != null) {
              join = join.withVersionOrder(versionOrder);
            }
            if (context.errorHandler() != null) {
              join = join.withBadRecordErrorHandler(context.errorHandler());
            }
            join.outputSchema(tuple.get(INPUT).getSchema());
          } catch (IllegalArgumentException e) {
            throw c.error(configKey(e.getMessage()), e.getMessage());
          }
          AsOfJoin.Result r = tuple.get(INPUT).apply("AsOfJoin", join);
          return PCollectionRowTuple.of(OUTPUT, r.output()).and(TOO_LATE, r.tooLate());
        });
  }

  /** The config key an {@link AsOfJoin} message is about, from the call it names. */
  static String configKey(String message) {
    String m = message == null ? "" : message;
    if (m.startsWith("AsOfJoin.by")) {
      return m.contains("the dimension") ? "versions_key" : "key";
    }
    if (m.startsWith("AsOfJoin.withFactTime")) {
      return "fact_time";
    }
    if (m.startsWith("AsOfJoin.withValidFrom")) {
      return "valid_from";
    }
    if (m.startsWith("AsOfJoin.withDeleteWhen")) {
      return "delete_when";
    }
    if (m.startsWith("AsOfJoin.withVersionOrder")) {
      return "version_order";
    }
    if (m.startsWith("AsOfJoin.withDefault")) {
      return "defaults";
    }
    if (m.startsWith("AsOfJoin.withAllowedLateness")) {
      return "lateness";
    }
    return "fields";
  }
}
