package io.tributary.io.jdbc;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.json.RowJsonText;
import io.tributary.transforms.metrics.AccountedStage;
import java.util.Locale;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableList;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What {@link PostgresUpsert} and {@link PostgresReplace} share: the database and table, the
 * primary key, the table's columns, batching, retries, the bad-record handler and the stage name.
 * Each {@code with...} takes the public method's name for its error message.
 */
@AutoValue
abstract class PostgresSinkSettings implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  abstract JdbcTarget target();

  abstract String table();

  abstract ImmutableList<String> primaryKey();

  abstract @Nullable Schema tableSchema();

  abstract int batchSize();

  abstract int maxRetries();

  abstract long initialBackoffMillis();

  abstract long maxBackoffMillis();

  abstract ErrorHandler<BadRecord, ?> badRecordErrorHandler();

  /** The stage name set with {@code withStageName}, or null for the default. */
  abstract @Nullable String explicitStageName();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setTarget(JdbcTarget target);

    abstract Builder setTable(String table);

    abstract Builder setPrimaryKey(ImmutableList<String> primaryKey);

    abstract Builder setTableSchema(@Nullable Schema schema);

    abstract Builder setBatchSize(int size);

    abstract Builder setMaxRetries(int retries);

    abstract Builder setInitialBackoffMillis(long millis);

    abstract Builder setMaxBackoffMillis(long millis);

    abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler);

    abstract Builder setExplicitStageName(@Nullable String name);

    abstract PostgresSinkSettings build();
  }

  /** Retries of a transaction on connection-class errors by default. */
  static final int DEFAULT_RETRIES = 8;

  /** The first wait before a retry by default, in milliseconds; it doubles with every retry. */
  static final long DEFAULT_INITIAL_BACKOFF_MILLIS = 200;

  /** The longest wait between two retries by default, in milliseconds. */
  static final long DEFAULT_MAX_BACKOFF_MILLIS = 10_000;

  /**
   * Defaults for {@code table}: 500 rows per batch; 8 retries waiting 200 ms, doubling up to 10 s
   * (about 33 s of waiting in all, enough for a server restart); failing on bad rows.
   */
  static PostgresSinkSettings of(JdbcTarget target, String table, String what) {
    checkArgument(target != null, "%s: target must not be null", what);
    checkArgument(table != null && !table.isEmpty(), "%s: table must not be empty", what);
    return new AutoValue_PostgresSinkSettings.Builder()
        .setTarget(target)
        .setTable(table)
        .setPrimaryKey(ImmutableList.of())
        .setBatchSize(500)
        .setMaxRetries(DEFAULT_RETRIES)
        .setInitialBackoffMillis(DEFAULT_INITIAL_BACKOFF_MILLIS)
        .setMaxBackoffMillis(DEFAULT_MAX_BACKOFF_MILLIS)
        .setBadRecordErrorHandler(DeadLetters.defaultHandler())
        .build();
  }

  /**
   * The stage name: the one set, or {@code serve_<table>} ({@code shop.items}: serve_shop_items).
   */
  String stageName() {
    String name = explicitStageName();
    return name != null ? name : defaultStageName(table());
  }

  static String defaultStageName(String table) {
    return "serve_" + table.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
  }

  PostgresSinkSettings withPrimaryKey(String what, String... fields) {
    checkArgument(fields != null && fields.length > 0, "%s: at least one field is required", what);
    return toBuilder().setPrimaryKey(ImmutableList.copyOf(fields)).build();
  }

  PostgresSinkSettings withTableSchema(String what, Schema schema) {
    checkArgument(schema != null, "%s: schema must not be null", what);
    return toBuilder().setTableSchema(schema).build();
  }

  PostgresSinkSettings withBatchSize(String what, int rows) {
    checkArgument(rows > 0, "%s: rows must be > 0, got %s", what, rows);
    return toBuilder().setBatchSize(rows).build();
  }

  PostgresSinkSettings withRetries(String what, int maxRetries, long initialBackoffMillis) {
    checkArgument(
        initialBackoffMillis >= 0,
        "%s: initialBackoffMillis must be >= 0, got %s",
        what,
        initialBackoffMillis);
    return withRetries(what, maxRetries).toBuilder()
        .setInitialBackoffMillis(initialBackoffMillis)
        .setMaxBackoffMillis(Math.max(maxBackoffMillis(), initialBackoffMillis))
        .build();
  }

  PostgresSinkSettings withRetries(String what, int maxRetries) {
    checkArgument(maxRetries >= 0, "%s: maxRetries must be >= 0, got %s", what, maxRetries);
    return toBuilder().setMaxRetries(maxRetries).build();
  }

  PostgresSinkSettings withRetryBackoff(String what, long initialMillis, long maxMillis) {
    checkArgument(
        initialMillis >= 0, "%s: initialMillis must be >= 0, got %s", what, initialMillis);
    checkArgument(
        maxMillis >= initialMillis,
        "%s: maxMillis must be >= initialMillis (%s), got %s",
        what,
        initialMillis,
        maxMillis);
    return toBuilder()
        .setInitialBackoffMillis(initialMillis)
        .setMaxBackoffMillis(maxMillis)
        .build();
  }

  /** A writer of {@code table} with these retries, counting each in {@code retries}. */
  PostgresWriter writer(PostgresTable table, org.apache.beam.sdk.metrics.Counter retries) {
    return new PostgresWriter(
        target(), table, maxRetries(), initialBackoffMillis(), maxBackoffMillis(), retries);
  }

  /** The counter of retries of every PostgreSQL sink: {@code tributary/jdbc_retries}. */
  static org.apache.beam.sdk.metrics.Counter retryCounter() {
    return io.tributary.transforms.metrics.LiveMetrics.counter(DeadLetters.NAMESPACE, RETRIES);
  }

  /** The name of the retry counter in namespace {@code tributary}. */
  static final String RETRIES = "jdbc_retries";

  PostgresSinkSettings withBadRecordErrorHandler(String what, ErrorHandler<BadRecord, ?> handler) {
    checkArgument(handler != null, "%s: handler must not be null", what);
    return toBuilder().setBadRecordErrorHandler(handler).build();
  }

  PostgresSinkSettings withStageName(String what, String name) {
    return toBuilder().setExplicitStageName(AccountedStage.checkName(name, what)).build();
  }

  /**
   * The table's columns for an input schema: {@link #tableSchema()}, or the input's fields less
   * {@code notAColumn} (a delete flag); every column must be an input field.
   */
  Schema columnsFor(Schema input, @Nullable String notAColumn, String what) {
    Schema columns = tableSchema();
    if (columns == null) {
      Schema.Builder b = Schema.builder();
      input.getFields().stream().filter(f -> !f.getName().equals(notAColumn)).forEach(b::addField);
      columns = b.build();
    }
    for (String f : columns.getFieldNames()) {
      checkArgument(
          input.hasField(f),
          "%s: column '%s' of the table schema is not in the input schema %s",
          what,
          f,
          input.getFieldNames());
    }
    return columns;
  }

  /**
   * Sends a row the database refused to the bad-record output, through the one reject path: stage
   * {@code stage}, the failure's reason and the server's message, the row as JSON text.
   */
  static void reject(
      BadRecordRouter router, DeadLetters.Output output, String stage, PostgresWriter.Failure f)
      throws Exception {
    DeadLetters.reject(
        router,
        output,
        RowJsonText.render(f.op.row),
        StringUtf8Coder.of(),
        new RecordRejectedException(stage, f.reason, f.message));
  }

  /** The display items both transforms show (never the password). */
  void populateDisplayData(DisplayData.Builder builder) {
    builder
        .add(DisplayData.item("target", target().toString()).withLabel("Database (user@url)"))
        .add(DisplayData.item("table", table()).withLabel("Table"))
        .add(DisplayData.item("stage", stageName()).withLabel("Accounted stage (sink)"))
        .add(
            DisplayData.item("primaryKey", String.join(",", primaryKey())).withLabel("Primary key"))
        .add(DisplayData.item("batchSize", batchSize()).withLabel("Rows per transaction"))
        .add(
            DisplayData.item("maxRetries", maxRetries())
                .withLabel("Retries of a transaction on connection errors"))
        .add(
            DisplayData.item("initialBackoffMillis", initialBackoffMillis())
                .withLabel("First retry backoff (ms)"))
        .add(
            DisplayData.item("maxBackoffMillis", maxBackoffMillis())
                .withLabel("Longest retry backoff (ms)"))
        .add(
            DisplayData.item(
                    "badRecordErrorHandler", badRecordErrorHandler().getClass().getSimpleName())
                .withLabel("Bad-record handler"));
  }
}
