package io.tributary.transforms.lookup;

import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepProvider;
import io.tributary.transforms.spec.StepTransforms;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;

/**
 * The {@code Lookup} step: {@link Lookup} adds fields of a small table (input {@code table}, one
 * row per key) to each row of its main input ({@code input}) by key. A row whose key the table
 * lacks follows {@code on_missing}: {@code fill_nulls} (the default: each added field's default, or
 * null; every row goes out once and the step is no stage of the accounting) or {@code dead_letter}
 * (reason {@code no_match}; the step is then an accounted stage); {@code wait} is refused, since
 * this table is never re-read. For a table read from files or PostgreSQL, refreshed, and {@code
 * on_missing: wait}, see the {@code LookupTable} step (io-connectors).
 *
 * <pre>{@code
 * - type: Lookup
 *   name: categorize
 *   input: {input: cdc_orders, table: cdc_products}
 *   config: {key: product_id, fields: [category], defaults: {category: unknown}}
 * }</pre>
 */
public final class LookupStep extends StepProvider {
  /** The table's input tag. */
  public static final String TABLE = "table";

  @Override
  public String typeName() {
    return "Lookup";
  }

  @Override
  public String description() {
    return "Adds fields of a small table (input 'table', one row per key, held in memory) to each"
        + " row of 'input' whose key matches; a row without a match gets defaults or is a dead letter"
        + " (on_missing).";
  }

  @Override
  public List<String> inputCollectionNames() {
    return List.of(INPUT, TABLE);
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.of("key", FieldType.STRING).withDescription("The key field of the input."),
        Field.nullable("table_key", FieldType.STRING)
            .withDescription("The key field of the table (default: the same name as 'key')."),
        Field.of("fields", FieldType.array(FieldType.STRING))
            .withDescription("The table's fields to add, in order."),
        Field.nullable("defaults", FieldType.map(FieldType.STRING, FieldType.STRING))
            .withDescription(
                "Value of an added field when no table row matches (default: null), by field."),
        Field.nullable("on_missing", FieldType.STRING)
            .withDescription("A row without a match: fill_nulls (default) or dead_letter."));
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    StepConfig c = StepConfig.of(configuration);
    String key = c.requiredString("key");
    String tableKey = c.string("table_key", key);
    List<String> fields = c.strings("fields");
    if (fields.isEmpty()) {
      throw c.error("fields", "'fields' needs at least one field of the table");
    }
    Map<String, String> defaults = c.stringMap("defaults");
    for (String d : defaults.keySet()) {
      if (!fields.contains(d)) {
        throw c.error("defaults", "'" + d + "' is not one of the added fields " + fields);
      }
    }
    MissingKey rule;
    try {
      rule = MissingKey.parse(c.string("on_missing", "fill_nulls"));
    } catch (IllegalArgumentException e) {
      throw c.error("on_missing", e.getMessage());
    }
    if (rule == MissingKey.WAIT) {
      throw c.error(
          "on_missing",
          "wait needs a table that is re-read: use the LookupTable step with refresh and"
              + " max_wait");
    }
    if (rule != MissingKey.FILL_NULLS && !defaults.isEmpty()) {
      throw c.error("defaults", "defaults apply with on_missing: fill_nulls only");
    }
    return StepTransforms.tuple(
        tuple -> {
          if (!tuple.has(INPUT) || !tuple.has(TABLE)) {
            throw new IllegalArgumentException(
                "Lookup needs two inputs: 'input: {input: <rows>, table: <table>}'");
          }
          PCollection<Row> table = tuple.get(TABLE);
          Lookup lookup = Lookup.from(table).by(key, tableKey).withMissingKey(rule);
          if (rule == MissingKey.DEAD_LETTER) {
            lookup = lookup.withStageName(context.stageName());
            if (context.errorHandler() != null) {
              lookup = lookup.withBadRecordErrorHandler(context.errorHandler());
            }
          }
          for (String f : fields) {
            lookup = lookup.withField(f);
          }
          for (Map.Entry<String, String> d : defaults.entrySet()) {
            lookup = lookup.withDefault(d.getKey(), d.getValue());
          }
          PCollection<Row> rows = tuple.get(INPUT);
          Lookup built = lookup;
          try {
            built.outputSchema(rows.getSchema());
          } catch (IllegalArgumentException e) {
            String m = e.getMessage() == null ? "" : e.getMessage();
            throw c.error(
                m.startsWith("Lookup.by")
                    ? (m.contains("table") ? "table_key" : "key")
                    : m.startsWith("Lookup.withDefault") ? "defaults" : "fields",
                m);
          }
          return PCollectionRowTuple.of(OUTPUT, rows.apply("Lookup", built));
        });
  }
}
