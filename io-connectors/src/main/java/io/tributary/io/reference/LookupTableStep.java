package io.tributary.io.reference;

import io.tributary.io.formats.FileFormat;
import io.tributary.io.formats.ReferenceFiles;
import io.tributary.io.jdbc.JdbcTarget;
import io.tributary.io.jdbc.PostgresReference;
import io.tributary.io.jdbc.PostgresUpsertStep;
import io.tributary.io.schema.ContractConfig;
import io.tributary.transforms.lookup.Lookup;
import io.tributary.transforms.lookup.MissingKey;
import io.tributary.transforms.lookup.ReferenceTable;
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
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;

/**
 * The {@code LookupTable} step: {@link Lookup#fromTable} adds fields of a reference table, read
 * from files ({@code path}, {@code format}) or by a PostgreSQL query ({@code query}, {@code url},
 * {@code user}, {@code password_env} or {@code password_file}), its rows decoded against a contract
 * of the schema registry ({@code subject}). On an unbounded input the table is re-read every {@code
 * refresh}; a bounded one reads it once. A row whose key the table lacks follows {@code
 * on_missing}: {@code fill_nulls} (the default; {@code defaults} give values), {@code dead_letter}
 * (reason {@code no_match}, counted by this step as a stage) or {@code wait} (with {@code refresh}
 * and {@code max_wait}: the row is held until a re-read table has its key, at most {@code
 * max_wait}, then follows {@code after_wait}: {@code dead_letter}, reason {@code
 * no_match_after_wait}, the default, or {@code fill_nulls}).
 *
 * <pre>{@code
 * - type: LookupTable
 *   name: site_of_device
 *   input: decode
 *   config:
 *     path: testdata/iot/devices.jsonl
 *     format: jsonl
 *     subject: iot-device
 *     key: device_id
 *     fields: [site]
 *     on_missing: dead_letter
 *     refresh: 10m
 * }</pre>
 */
public final class LookupTableStep extends StepProvider {
  @Override
  public String typeName() {
    return "LookupTable";
  }

  @Override
  public String description() {
    return "Adds fields of a reference table read from files or a PostgreSQL query (held in memory,"
        + " re-read every 'refresh' on an unbounded input) to each row whose key matches; a row"
        + " without a match follows 'on_missing'.";
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.nullable("path", FieldType.STRING)
            .withDescription("Files of the table: a path or glob (or set 'query')."),
        Field.nullable("format", FieldType.STRING)
            .withDescription("The files' format: jsonl or csv (with 'path')."),
        Field.nullable("query", FieldType.STRING)
            .withDescription("A PostgreSQL SELECT giving the table (or set 'path')."),
        Field.nullable("url", FieldType.STRING)
            .withDescription("PostgreSQL JDBC URL (with 'query')."),
        Field.nullable("user", FieldType.STRING).withDescription("PostgreSQL user (with 'query')."),
        Field.nullable("password_env", FieldType.STRING)
            .withDescription("The environment variable holding the password."),
        Field.nullable("password_file", FieldType.STRING)
            .withDescription("A file holding the password (e.g. a mounted secret)."),
        Field.of("subject", FieldType.STRING)
            .withDescription("The table's contract: a subject of the schema registry."),
        Field.nullable("version", FieldType.INT32)
            .withDescription("The contract's version (default: the newest)."),
        Field.nullable("registry", FieldType.STRING)
            .withDescription("A schema registry directory (default: the one bundled in the jar)."),
        Field.of("key", FieldType.STRING).withDescription("The key field of the input."),
        Field.nullable("table_key", FieldType.STRING)
            .withDescription("The key field of the table (default: the same name as 'key')."),
        Field.of("fields", FieldType.array(FieldType.STRING))
            .withDescription("The table's fields to add, in order."),
        Field.nullable("defaults", FieldType.map(FieldType.STRING, FieldType.STRING))
            .withDescription("Value of an added field when no row matches (fill_nulls only)."),
        Field.nullable("on_missing", FieldType.STRING)
            .withDescription(
                "A row without a match: fill_nulls (default), dead_letter or wait (needs refresh"
                    + " and max_wait)."),
        Field.nullable("max_wait", FieldType.STRING)
            .withDescription(
                "With on_missing: wait, how long a row may wait for its key (e.g. 30m; at least"
                    + " refresh)."),
        Field.nullable("after_wait", FieldType.STRING)
            .withDescription(
                "With on_missing: wait, a row still without a match after max_wait or at the end"
                    + " of input: dead_letter (default, reason no_match_after_wait) or"
                    + " fill_nulls."),
        Field.nullable("refresh", FieldType.STRING)
            .withDescription(
                "Re-read the table this often on an unbounded input (e.g. 10m; default: never)."),
        Field.nullable("max_rows", FieldType.INT64)
            .withDescription("The most rows the table may hold (default 1000000)."));
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    return from(configuration, context, System.getenv());
  }

  /** {@link #from(Row, StepContext)} with {@code environment} for {@code password_env}. */
  SchemaTransform from(Row configuration, StepContext context, Map<String, String> environment) {
    StepConfig c = StepConfig.of(configuration);
    Schema schema = ContractConfig.contract(c).beamSchema();
    ReferenceTable table = table(c, schema, environment);
    String key = c.requiredString("key");
    String tableKey = c.string("table_key", key);
    List<String> fields = c.strings("fields");
    if (fields.isEmpty()) {
      throw c.error("fields", "'fields' needs at least one field of the table");
    }
    MissingKey rule;
    try {
      rule = MissingKey.parse(c.string("on_missing", "fill_nulls"));
    } catch (IllegalArgumentException e) {
      throw c.error("on_missing", e.getMessage());
    }
    Lookup lookup = Lookup.fromTable(table).by(key, tableKey).withMissingKey(rule);
    MissingKey finalRule = rule;
    if (rule == MissingKey.WAIT) {
      if (!c.has("max_wait")) {
        throw c.error("max_wait", "on_missing: wait needs max_wait, how long a row may wait");
      }
      if (!c.has("refresh")) {
        throw c.error(
            "refresh",
            "on_missing: wait needs refresh: a table that is never re-read cannot gain"
                + " the key");
      }
      try {
        lookup = lookup.withMaxWait(c.duration("max_wait", null));
      } catch (IllegalArgumentException e) {
        throw c.error("max_wait", e.getMessage());
      }
      finalRule = MissingKey.DEAD_LETTER;
      if (c.has("after_wait")) {
        try {
          finalRule = MissingKey.parse(c.string("after_wait"));
          lookup = lookup.withAfterWait(finalRule);
        } catch (IllegalArgumentException e) {
          throw c.error(
              "after_wait",
              "expected one of dead_letter, fill_nulls, got '" + c.string("after_wait") + "'");
        }
      }
    } else {
      for (String f : new String[] {"max_wait", "after_wait"}) {
        if (c.has(f)) {
          throw c.error(f, "'" + f + "' applies to on_missing: wait only");
        }
      }
    }
    if (rule != MissingKey.FILL_NULLS) {
      lookup = lookup.withStageName(context.stageName());
      if (context.errorHandler() != null) {
        lookup = lookup.withBadRecordErrorHandler(context.errorHandler());
      }
    }
    for (String f : fields) {
      if (!schema.hasField(f)) {
        throw c.error(
            "fields",
            "the table has no field '" + f + "'; its fields are " + schema.getFieldNames());
      }
      lookup = lookup.withField(f);
    }
    Map<String, String> defaults = c.stringMap("defaults");
    for (Map.Entry<String, String> d : defaults.entrySet()) {
      if (!fields.contains(d.getKey())) {
        throw c.error("defaults", "'" + d.getKey() + "' is not one of the added fields " + fields);
      }
      if (finalRule != MissingKey.FILL_NULLS) {
        throw c.error(
            "defaults",
            "defaults apply with on_missing: fill_nulls (or wait with after_wait:"
                + " fill_nulls) only");
      }
      try {
        lookup = lookup.withDefault(d.getKey(), d.getValue());
      } catch (IllegalArgumentException e) {
        throw c.error("defaults", e.getMessage());
      }
    }
    Duration refresh = c.duration("refresh", null);
    if (refresh != null) {
      try {
        lookup = lookup.withRefresh(refresh);
      } catch (IllegalArgumentException e) {
        throw c.error("refresh", e.getMessage());
      }
    }
    if (rule == MissingKey.WAIT && c.duration("max_wait", null).isShorterThan(refresh)) {
      throw c.error(
          "max_wait",
          "max_wait "
              + c.string("max_wait")
              + " is shorter than refresh "
              + c.string("refresh")
              + "; a row would give up before the table is re-read");
    }
    if (c.has("max_rows")) {
      long max = c.longValue("max_rows", 0);
      if (max <= 0) {
        throw c.error("max_rows", "expected a number of rows > 0, got " + max);
      }
      lookup = lookup.withMaxRows(max);
    }
    Lookup built = lookup;
    return StepTransforms.map(
        rows -> {
          try {
            built.outputSchema(rows.getSchema());
          } catch (IllegalArgumentException e) {
            String m = e.getMessage() == null ? "" : e.getMessage();
            throw c.error(
                m.startsWith("Lookup.by") ? (m.contains("table") ? "table_key" : "key") : "fields",
                m);
          }
          return rows.apply("LookupTable", built);
        });
  }

  private static ReferenceTable table(
      StepConfig c, Schema schema, Map<String, String> environment) {
    if (c.has("path") == c.has("query")) {
      throw c.error(
          c.has("path") ? "query" : "path",
          "set exactly one of path (files of the table) and query (a PostgreSQL SELECT)");
    }
    if (c.has("path")) {
      for (String f : new String[] {"url", "user", "password_env", "password_file"}) {
        if (c.has(f)) {
          throw c.error(f, "'" + f + "' belongs to a table read by 'query', not 'path'");
        }
      }
      FileFormat format;
      try {
        format = FileFormat.parse(c.requiredString("format"));
        return ReferenceFiles.of(format, c.requiredString("path"), schema);
      } catch (IllegalArgumentException e) {
        throw c.error("format", e.getMessage());
      }
    }
    if (c.has("format")) {
      throw c.error("format", "'format' belongs to a table read by 'path', not 'query'");
    }
    JdbcTarget db;
    try {
      db =
          JdbcTarget.of(
              c.requiredString("url"),
              c.requiredString("user"),
              PostgresUpsertStep.password(c, environment));
    } catch (IllegalArgumentException e) {
      throw c.error("url", e.getMessage());
    }
    try {
      return PostgresReference.query(db, c.requiredString("query"), schema);
    } catch (IllegalArgumentException e) {
      throw c.error("subject", e.getMessage());
    }
  }
}
