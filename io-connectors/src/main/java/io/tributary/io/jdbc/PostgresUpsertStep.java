package io.tributary.io.jdbc;

import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepKind;
import io.tributary.transforms.spec.StepProvider;
import io.tributary.transforms.spec.StepTransforms;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * The {@code PostgresUpsert} sink: {@link PostgresUpsert} into a PostgreSQL table, keyed by the
 * configured columns, as an accounted stage of role SINK named after the step (it balances on its
 * own: rows received, rows written, rows the database refused as dead letters of this step; it is
 * not a term of the run's line, since it serves results at another granularity than the records
 * read). The table is created from the input schema when absent.
 *
 * <p>The password is never written in a spec: it comes from an environment variable ({@code
 * password_env}) or a file ({@code password_file}, e.g. a mounted secret), read when the pipeline
 * is built; a spec has no key for a literal password. The URL and user may be literal or {@code
 * ${env:NAME}}.
 *
 * <pre>{@code
 * - type: PostgresUpsert
 *   name: serve_device_windows
 *   input: flag_anomalies
 *   config:
 *     url: ${env:TRIBUTARY_PG_URL}        # jdbc:postgresql://host:5432/db
 *     user: tributary
 *     password_env: TRIBUTARY_PG_PASSWORD
 *     table: iot.device_windows
 *     key: [device_id, window_start]
 * }</pre>
 */
public final class PostgresUpsertStep extends StepProvider {
  @Override
  public String typeName() {
    return "PostgresUpsert";
  }

  @Override
  public String description() {
    return "Upserts rows into a PostgreSQL table (INSERT ... ON CONFLICT (key) DO UPDATE) in"
        + " batched transactions with retries; rows the database refuses are dead letters of this"
        + " step. The password comes from password_env or password_file, never from the spec.";
  }

  @Override
  public StepKind kind() {
    return StepKind.SINK;
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.of("url", FieldType.STRING)
            .withDescription("The JDBC URL, jdbc:postgresql://host:port/database."),
        Field.of("user", FieldType.STRING).withDescription("The database user."),
        Field.nullable("password_env", FieldType.STRING)
            .withDescription("The environment variable holding the password."),
        Field.nullable("password_file", FieldType.STRING)
            .withDescription("A file holding the password (a trailing newline is dropped)."),
        Field.of("table", FieldType.STRING)
            .withDescription("The table, 'table' or 'schema.table'."),
        Field.of("key", FieldType.array(FieldType.STRING))
            .withDescription("The primary-key columns: the conflict target of the upsert."),
        Field.nullable("batch_size", FieldType.INT32)
            .withDescription("Rows per transaction (default 500)."),
        Field.nullable("pane_index_column", FieldType.STRING)
            .withDescription(
                "A bigint column with the window pane's index: a row is only replaced by the same"
                    + " or a later pane (for streaming aggregates)."));
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    return from(configuration, context, System.getenv());
  }

  /** {@link #from(Row, StepContext)} with {@code environment} for {@code password_env}. */
  SchemaTransform from(Row configuration, StepContext context, Map<String, String> environment) {
    StepConfig c = StepConfig.of(configuration);
    String password = password(c, environment);
    JdbcTarget target;
    try {
      target = JdbcTarget.of(c.requiredString("url"), c.requiredString("user"), password);
    } catch (IllegalArgumentException e) {
      // JdbcTarget names the URL it refuses; it may come from ${env:...}, so say only what is
      // wrong.
      throw c.error("url", "expected a PostgreSQL JDBC URL (jdbc:postgresql://host:port/db)");
    }
    List<String> key = c.strings("key");
    if (key.isEmpty()) {
      throw c.error("key", "'key' needs at least one column");
    }
    PostgresUpsert upsert;
    try {
      upsert =
          PostgresUpsert.into(target, c.requiredString("table"))
              .withPrimaryKey(key.toArray(new String[0]))
              .withStageName(context.stageName());
    } catch (IllegalArgumentException e) {
      throw c.error("table", e.getMessage());
    }
    if (c.has("batch_size")) {
      long rows = c.longValue("batch_size", 0);
      if (rows < 1) {
        throw c.error("batch_size", "'batch_size' must be at least 1, got " + rows);
      }
      upsert = upsert.withBatchSize((int) rows);
    }
    if (c.has("pane_index_column")) {
      try {
        upsert = upsert.withPaneIndexColumn(c.requiredString("pane_index_column"));
      } catch (IllegalArgumentException e) {
        throw c.error("pane_index_column", e.getMessage());
      }
    }
    if (context.errorHandler() != null) {
      upsert = upsert.withBadRecordErrorHandler(context.errorHandler());
    }
    PostgresUpsert built = upsert;
    return StepTransforms.sink(
        rows -> {
          Schema in = rows.getSchema();
          for (String k : key) {
            if (!in.hasField(k)) {
              throw c.error(
                  "key",
                  "the input has no field '" + k + "'; its fields are " + in.getFieldNames());
            }
          }
          // Into the global window, default trigger, first: the rows this step refuses join the
          // run's dead letters, which are collected there, and Beam cannot flatten a collection of
          // other windows or another trigger (aggregates come in their event-time windows, with
          // late firings) with them. Nothing after this groups, so the trigger decides nothing,
          // and each row keeps its timestamp and pane (pane_index_column still works).
          rows.apply(
                  "IntoGlobalWindow",
                  Window.<Row>into(new GlobalWindows())
                      .triggering(DefaultTrigger.of())
                      .withAllowedLateness(Duration.ZERO)
                      .discardingFiredPanes())
              .apply("Upsert", built.withTableSchema(keysNotNull(in, key)));
        });
  }

  /**
   * The input's fields as the table's columns, the key columns NOT NULL (a primary key cannot be
   * nullable; step outputs such as an aggregate's window bounds are nullable in their schema though
   * never null): a row with a null key is then refused by the database as a {@code
   * not_null_violation}, a dead letter of this step.
   */
  static Schema keysNotNull(Schema input, List<String> key) {
    Schema.Builder b = Schema.builder();
    for (Field f : input.getFields()) {
      b.addField(key.contains(f.getName()) ? f.withNullable(false) : f);
    }
    return b.build();
  }

  /**
   * The password of {@code password_env} (an environment variable of {@code environment}) or {@code
   * password_file}, exactly one of them, each error naming the field: also for other PostgreSQL
   * steps.
   */
  public static String password(StepConfig c, Map<String, String> environment) {
    boolean env = c.has("password_env");
    boolean file = c.has("password_file");
    if (env == file) {
      throw c.error(
          env ? "password_file" : "url",
          "set exactly one of password_env (an environment variable) and password_file (a file);"
              + " a password is never written in a spec");
    }
    if (env) {
      String name = c.requiredString("password_env");
      @Nullable String value = environment.get(name);
      if (value == null) {
        throw c.error("password_env", "the environment variable " + name + " is not set");
      }
      return value;
    }
    Path path = Path.of(c.requiredString("password_file"));
    try {
      String value = Files.readString(path, StandardCharsets.UTF_8);
      return value.endsWith("\n") ? value.substring(0, value.length() - 1) : value;
    } catch (IOException e) {
      throw c.error("password_file", "cannot read " + path + ": " + e.getMessage());
    }
  }
}
