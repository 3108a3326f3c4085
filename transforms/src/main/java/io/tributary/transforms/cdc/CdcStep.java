package io.tributary.transforms.cdc;

import io.tributary.transforms.json.DecimalBound;
import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepConfigException;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepProvider;
import io.tributary.transforms.spec.StepTransforms;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.logicaltypes.SqlTypes;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The {@code Cdc} step: {@link Cdc#apply} over Debezium JSON envelopes (one per input row, in a
 * string field), materializing a table's current state ({@code output}), its current-state changes
 * with the {@code __deleted} flag ({@code changes}, for upserting sinks) and its SCD type 2 history
 * ({@code history}). The step's name is the CDC stage of the accounting, and malformed envelopes
 * are its dead letters.
 *
 * <p>The table is declared in {@code schema}, a list of {@code name: type} in field order, each
 * type one of {@code string}, {@code int32}, {@code int64}, {@code double}, {@code boolean}, {@code
 * decimal}, {@code timestamp} or {@code date}, with a trailing {@code ?} for a nullable field. A
 * {@code decimal} takes its bound from {@code decimals}: {@code "38,2"} rejects a value with more
 * than 2 decimals or 38 digits as {@code out_of_range} instead of rounding it.
 *
 * <pre>{@code
 * - type: Cdc
 *   name: cdc_orders
 *   input: read_orders
 *   config:
 *     schema: [order_id: string, amount: decimal, status: string, created_at: timestamp]
 *     primary_key: [order_id]
 *     decimals: {amount: "38,2"}
 * # cdc_orders (current state), cdc_orders.changes, cdc_orders.history
 * }</pre>
 */
public final class CdcStep extends StepProvider {
  /** Output: the current-state changes, {@link Cdc.Result#changes()}. */
  public static final String CHANGES = "changes";

  /** Output: the SCD type 2 history, {@link Cdc.Result#history()}. */
  public static final String HISTORY = "history";

  @Override
  public String typeName() {
    return "Cdc";
  }

  @Override
  public String description() {
    return "Applies Debezium JSON change events (one per row, in a string field) by primary key and"
        + " source position: the table's current state (output), its upserts and deletes"
        + " (changes) and its SCD type 2 history (history); redeliveries and tombstones are"
        + " deduplicated, malformed envelopes are dead letters of this step.";
  }

  /**
   * The current state and the changes are both derived from the history: a spec that reads only the
   * history (an as-of join of a dimension, say) loses no rows.
   */
  @Override
  public java.util.Map<String, String> outputViews() {
    return java.util.Map.of(OUTPUT, HISTORY, CHANGES, HISTORY);
  }

  @Override
  public List<String> outputCollectionNames() {
    return List.of(OUTPUT, CHANGES, HISTORY);
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.of("schema", FieldType.array(FieldType.map(FieldType.STRING, FieldType.STRING)))
            .withDescription(
                "The table's fields, a list of name: type in order (string, int32, int64, double,"
                    + " boolean, decimal, timestamp, date; a trailing ? makes it nullable)."),
        Field.of("primary_key", FieldType.array(FieldType.STRING))
            .withDescription("The primary-key fields."),
        Field.nullable("field", FieldType.STRING)
            .withDescription(
                "The input field holding the envelope's JSON text (default: line, else the"
                    + " input's only string field)."),
        Field.nullable("decimals", FieldType.map(FieldType.STRING, FieldType.STRING))
            .withDescription(
                "Precision and scale of decimal fields, \"precision,scale\" by field path"
                    + " (amount, or after.amount for one image)."));
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    StepConfig c = StepConfig.of(configuration);
    Schema table = tableSchema(c, "schema");
    List<String> key = c.strings("primary_key");
    if (key.isEmpty()) {
      throw c.error("primary_key", "'primary_key' needs at least one field");
    }
    Map<String, DecimalBound> bounds = new LinkedHashMap<>();
    c.stringMap("decimals").forEach((path, bound) -> bounds.put(path, decimalBound(c, bound)));
    Cdc.Apply apply;
    try {
      apply = Cdc.apply(table, key.toArray(new String[0]));
    } catch (IllegalArgumentException e) {
      throw c.error("primary_key", e.getMessage());
    }
    try {
      apply = apply.withStageName(context.stageName()).withDecimalBounds(bounds);
    } catch (IllegalArgumentException e) {
      throw c.error("decimals", e.getMessage());
    }
    if (context.errorHandler() != null) {
      apply = apply.withBadRecordErrorHandler(context.errorHandler());
    }
    Cdc.Apply built = apply;
    String configured = c.string("field");
    return StepTransforms.of(
        rows -> {
          String field = textField(rows.getSchema(), configured, c);
          PCollection<String> envelopes =
              rows.apply(
                  "Envelopes",
                  MapElements.into(TypeDescriptors.strings()).via((Row r) -> r.getString(field)));
          Cdc.Result result = envelopes.apply("Apply", built);
          return PCollectionRowTuple.of(OUTPUT, result.currentState())
              .and(CHANGES, result.changes())
              .and(HISTORY, result.history());
        });
  }

  /** The input field holding the envelope: {@code configured}, else {@code line}, else the one. */
  private static String textField(Schema in, @Nullable String configured, StepConfig c) {
    if (configured != null) {
      if (!in.hasField(configured)
          || in.getField(configured).getType().getTypeName() != Schema.TypeName.STRING) {
        throw c.error(
            "field",
            "the input has no string field '"
                + configured
                + "'; its fields are "
                + in.getFieldNames());
      }
      return configured;
    }
    if (in.hasField("line")
        && in.getField("line").getType().getTypeName() == Schema.TypeName.STRING) {
      return "line";
    }
    List<String> strings =
        in.getFields().stream()
            .filter(f -> f.getType().getTypeName() == Schema.TypeName.STRING)
            .map(Field::getName)
            .collect(java.util.stream.Collectors.toList());
    if (strings.size() != 1) {
      throw new StepConfigException(
          "field",
          "say which input field holds the envelope ('field'); the input's string fields are "
              + strings);
    }
    return strings.get(0);
  }

  /**
   * A table schema declared as a list of {@code name: type} pairs, in order (see the class comment
   * for the types): a list, because a YAML mapping's order does not survive a configuration row.
   * Each failure names {@code key.<i>}.
   */
  public static Schema tableSchema(StepConfig c, String key) {
    if (!c.has(key) || c.row().getArray(key).isEmpty()) {
      throw c.error(key, "'" + key + "' needs at least one field");
    }
    Schema.Builder b = Schema.builder();
    java.util.Set<String> names = new java.util.HashSet<>();
    int i = 0;
    for (Object item : c.row().getArray(key)) {
      String at = c.key(key) + "." + i++;
      Map<?, ?> pair = (Map<?, ?>) item;
      if (pair.size() != 1) {
        throw new StepConfigException(
            at, "expected one 'name: type' per list item, got " + pair.size() + " entries");
      }
      Map.Entry<?, ?> f = pair.entrySet().iterator().next();
      String name = String.valueOf(f.getKey());
      if (!names.add(name)) {
        throw new StepConfigException(at, "field '" + name + "' is declared twice");
      }
      String type = f.getValue() == null ? "" : String.valueOf(f.getValue()).trim();
      boolean nullable = type.endsWith("?");
      if (nullable) {
        type = type.substring(0, type.length() - 1).trim();
      }
      FieldType t = fieldType(type.toLowerCase(Locale.ROOT));
      if (t == null) {
        throw new StepConfigException(
            at,
            "unknown type '"
                + f.getValue()
                + "' of field '"
                + name
                + "'; expected string, int32, int64, double, boolean, decimal, timestamp or date"
                + " (a trailing ? makes it nullable)");
      }
      b.addField(nullable ? Field.nullable(name, t) : Field.of(name, t));
    }
    return b.build();
  }

  private static @Nullable FieldType fieldType(String type) {
    switch (type) {
      case "string":
        return FieldType.STRING;
      case "int32":
        return FieldType.INT32;
      case "int64":
        return FieldType.INT64;
      case "double":
        return FieldType.DOUBLE;
      case "boolean":
        return FieldType.BOOLEAN;
      case "decimal":
        return FieldType.DECIMAL;
      case "timestamp":
        return FieldType.DATETIME;
      case "date":
        return FieldType.logicalType(SqlTypes.DATE);
      default:
        return null;
    }
  }

  private static DecimalBound decimalBound(StepConfig c, @Nullable String text) {
    String[] parts = text == null ? new String[0] : text.split(",", -1);
    try {
      if (parts.length == 2) {
        return DecimalBound.of(
            Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
      }
    } catch (IllegalArgumentException e) {
      throw c.error(
          "decimals",
          "expected \"precision,scale\" like \"38,2\", got '" + text + "': " + e.getMessage());
    }
    throw c.error("decimals", "expected \"precision,scale\" like \"38,2\", got '" + text + "'");
  }
}
