package io.tributary.io.jdbc;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.LiveMetrics;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.metrics.StageRole;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * Writes schema'd rows to a PostgreSQL table with idempotent upserts ({@code INSERT ... ON CONFLICT
 * (key) DO UPDATE}), so a rerun or a retried bundle leaves exactly one row per key.
 *
 * <p>Rows are written in batches (one transaction each, {@link #withBatchSize}); transient errors
 * (lost or refused connections, a server shutting down or starting up, deadlocks, serialization
 * failures) retry the whole batch on a new connection with exponential backoff ({@link
 * #withRetries}, {@link #withRetryBackoff}), counted in {@code tributary/jdbc_retries}; when the
 * retries run out the run fails with a {@link PostgresUnavailableException} naming the table; a
 * batch that fails on a constraint or a bad value is replayed row by row under savepoints, and each
 * refused row goes to the bad-record handler, under the stage's name, with a reason ({@code
 * unique_violation}, {@code foreign_key_violation}, {@code not_null_violation}, {@code
 * check_violation}, {@code constraint_violation}, {@code data_exception}) and the server's message.
 * The table is created from the schema when absent; the DDL is logged at INFO.
 *
 * <p>An {@link AccountedStage} of role {@link StageRole#SINK}, named {@code serve_<table>} ({@code
 * serve_shop_orders} for {@code shop.orders}) unless {@link #withStageName} says otherwise: it
 * counts the rows it received ({@code in}), wrote or deleted ({@code out}) and refused (dead
 * letters by reason), and balances on its own. Rows written are also counted in {@code
 * tributary/postgres.<table>.upserted} and {@code .deleted}.
 *
 * <p>Change streams: with {@link #withDeleteFlag} a boolean field (e.g. {@code __deleted} of {@code
 * Cdc.Result.changes()}) marks rows whose key is deleted instead; the flag is not a column.
 * Windowed results: with {@link #withPaneIndexColumn} the table gets a column with the pane index,
 * and an upsert replaces a row only from the same or a later pane, so a late, retried earlier pane
 * never overwrites a later one. Rebuilt marts that must lose the rows a rebuild no longer has are
 * replaced by partition instead: {@link #withReplacedPartitions} and {@link #withReplacedTable}
 * turn these settings into a {@link PostgresReplace}.
 *
 * <pre>{@code
 * changes.apply("WriteOrders",
 *     PostgresUpsert.into(JdbcTarget.of(url, user, password), "shop.orders")
 *         .withPrimaryKey("order_id")
 *         .withDeleteFlag(Cdc.DELETED)
 *         .withBadRecordErrorHandler(deadLetters));
 * }</pre>
 */
@AutoValue
public abstract class PostgresUpsert extends PTransform<PCollection<Row>, PCollection<Void>>
    implements AccountedStage {
  private static final String NAME = "PostgresUpsert";

  abstract PostgresSinkSettings settings();

  abstract @Nullable String deleteFlag();

  abstract @Nullable String paneIndexColumn();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setSettings(PostgresSinkSettings settings);

    abstract Builder setDeleteFlag(@Nullable String field);

    abstract Builder setPaneIndexColumn(@Nullable String column);

    abstract PostgresUpsert build();
  }

  /**
   * Upserts into {@code table} ({@code table} or {@code schema.table}); set the key with {@link
   * #withPrimaryKey}.
   */
  public static PostgresUpsert into(JdbcTarget target, String table) {
    return new AutoValue_PostgresUpsert.Builder()
        .setSettings(PostgresSinkSettings.of(target, table, NAME + ".into"))
        .build();
  }

  private PostgresUpsert with(PostgresSinkSettings settings) {
    return toBuilder().setSettings(settings).build();
  }

  /** The primary-key fields; the conflict target of the upsert. Required. */
  public PostgresUpsert withPrimaryKey(String... fields) {
    return with(settings().withPrimaryKey(NAME + ".withPrimaryKey", fields));
  }

  /** A boolean field that, when true, deletes the row's key instead of upserting it. */
  public PostgresUpsert withDeleteFlag(String field) {
    checkArgument(
        field != null && !field.isEmpty(), "%s.withDeleteFlag: field must not be empty", NAME);
    return toBuilder().setDeleteFlag(field).build();
  }

  /**
   * Adds a bigint column with the pane index; a row is only replaced by the same or a later pane.
   */
  public PostgresUpsert withPaneIndexColumn(String column) {
    checkArgument(
        column != null && column.matches("[A-Za-z_][A-Za-z0-9_]*"),
        "%s.withPaneIndexColumn: expected a column name, got '%s'",
        NAME,
        column);
    return toBuilder().setPaneIndexColumn(column).build();
  }

  /**
   * The table's columns, when they differ from the input schema (e.g. NOT NULL columns fed by a
   * change stream whose non-key fields are nullable for deletes). Input rows must have every field.
   */
  public PostgresUpsert withTableSchema(Schema schema) {
    return with(settings().withTableSchema(NAME + ".withTableSchema", schema));
  }

  /**
   * Replaces whole partitions instead of upserting row by row, with these settings (database,
   * table, key, table schema, batch size, retries, handler, stage name): see {@link
   * PostgresReplace#partitions}. Not combinable with {@link #withDeleteFlag} or {@link
   * #withPaneIndexColumn}.
   */
  public PostgresReplace withReplacedPartitions(String column, List<String> partitions) {
    checkArgument(
        column != null && !column.isEmpty(),
        "%s.withReplacedPartitions: column must not be empty",
        NAME);
    checkArgument(
        partitions != null,
        "%s.withReplacedPartitions: partitions must not be null (use an empty list)",
        NAME);
    checkReplaceable("withReplacedPartitions");
    return PostgresReplace.of(settings(), column, partitions);
  }

  /**
   * Replaces the whole table with the input in one transaction, with these settings: see {@link
   * PostgresReplace#wholeTable}.
   */
  public PostgresReplace withReplacedTable() {
    checkReplaceable("withReplacedTable");
    return PostgresReplace.of(settings(), null, List.of());
  }

  private void checkReplaceable(String method) {
    checkArgument(
        deleteFlag() == null && paneIndexColumn() == null,
        "%s.%s: cannot be combined with withDeleteFlag() or withPaneIndexColumn()",
        NAME,
        method);
  }

  /** Rows per transaction, 500 by default. */
  public PostgresUpsert withBatchSize(int rows) {
    return with(settings().withBatchSize(NAME + ".withBatchSize", rows));
  }

  /**
   * Retries of a batch on transient errors, 8 by default; backoff starts at {@code
   * initialBackoffMillis} and doubles (up to the longest backoff, raised to {@code
   * initialBackoffMillis} when shorter).
   */
  public PostgresUpsert withRetries(int maxRetries, long initialBackoffMillis) {
    return with(settings().withRetries(NAME + ".withRetries", maxRetries, initialBackoffMillis));
  }

  /**
   * Retries of a batch on connection-class errors (SQLSTATE class 08, 57P01 admin shutdown, 57P03
   * cannot connect now, refused connections; also deadlocks and serialization failures), 8 by
   * default: each opens a new connection and runs the whole uncommitted batch again, which an
   * upsert by key makes harmless. Past the last one the run fails with a {@link
   * PostgresUnavailableException} naming the table. Each retry counts in {@code
   * tributary/jdbc_retries} ({@link #RETRIES_COUNTER}) and logs one line without the URL or the
   * password.
   */
  public PostgresUpsert withRetries(int maxRetries) {
    return with(settings().withRetries(NAME + ".withRetries", maxRetries));
  }

  /**
   * The wait before the first retry, doubling with each retry up to {@code maxMillis}; 200 ms and
   * 10 s by default (8 retries wait about 33 s in all).
   */
  public PostgresUpsert withRetryBackoff(long initialMillis, long maxMillis) {
    return with(settings().withRetryBackoff(NAME + ".withRetryBackoff", initialMillis, maxMillis));
  }

  /**
   * The counter (namespace {@code tributary}) of the retries of every PostgreSQL sink: {@code
   * jdbc_retries}.
   */
  public static final String RETRIES_COUNTER = PostgresSinkSettings.RETRIES;

  /** Sends rows the database refuses to {@code handler} instead of failing the pipeline. */
  public PostgresUpsert withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    return with(settings().withBadRecordErrorHandler(NAME + ".withBadRecordErrorHandler", handler));
  }

  /**
   * The stage name (lower_snake_case, unique in the pipeline): the prefix of this stage's counters
   * and the stage of its dead letters; {@code serve_<table>} by default.
   */
  public PostgresUpsert withStageName(String name) {
    return with(settings().withStageName(NAME + ".withStageName", name));
  }

  @Override
  public String stageName() {
    return settings().stageName();
  }

  @Override
  public StageRole stageRole() {
    return StageRole.SINK;
  }

  /** The table this transform writes, as its DDL will create it, for a given input schema. */
  public PostgresTable tableFor(Schema input) {
    return PostgresTable.of(
        settings().table(),
        settings().columnsFor(input, deleteFlag(), NAME),
        settings().primaryKey(),
        paneIndexColumn());
  }

  @Override
  public PCollection<Void> expand(PCollection<Row> input) {
    checkArgument(!settings().primaryKey().isEmpty(), "%s: withPrimaryKey() is required", NAME);
    checkArgument(input.hasSchema(), "%s: input %s has no schema", NAME, input.getName());
    Schema schema = input.getSchema();
    if (deleteFlag() != null) {
      checkArgument(
          schema.hasField(deleteFlag())
              && schema.getField(deleteFlag()).getType().getTypeName() == Schema.TypeName.BOOLEAN,
          "%s.withDeleteFlag: '%s' must be a BOOLEAN field of the input; fields: %s",
          NAME,
          deleteFlag(),
          schema.getFieldNames());
    }
    TupleTag<Void> done = new TupleTag<Void>() {};
    PCollectionTuple result =
        input.apply(
            "Upsert",
            ParDo.of(new UpsertFn(settings(), tableFor(schema), deleteFlag()))
                .withOutputTags(done, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    DeadLetters.register(settings().badRecordErrorHandler(), result);
    return result.get(done);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    settings().populateDisplayData(builder);
    builder
        .addIfNotNull(DisplayData.item("deleteFlag", deleteFlag()).withLabel("Delete flag field"))
        .addIfNotNull(
            DisplayData.item("paneIndexColumn", paneIndexColumn()).withLabel("Pane index column"));
  }

  /**
   * Buffers rows per bundle and writes them through a {@link PostgresWriter}. A refused row is
   * dead-lettered in its own window: at once when the batch fails while an element of that window
   * is being processed, otherwise (the batch written at the end of the bundle, or a row of another
   * window) from {@code @FinishBundle}, both through {@link DeadLetters#reject}.
   */
  static final class UpsertFn extends DoFn<Row, Void> {
    private final JdbcTarget target;
    private final PostgresTable table;
    private final @Nullable String deleteFlag;
    private final int batchSize;
    private final int maxRetries;
    private final long initialBackoffMillis;
    private final long maxBackoffMillis;
    private final Counter retries;
    private final BadRecordRouter router;
    private final String stage;
    private final StageCounters counters;
    private final Counter upserted;
    private final Counter deleted;
    private transient PostgresWriter writer;
    private transient List<PostgresWriter.Op> buffer;
    private transient List<PostgresWriter.Failure> refusedElsewhere;

    /** Where a buffered row came from, to route its dead letter into the right window. */
    private static final class Origin {
      final Instant timestamp;
      final BoundedWindow window;

      Origin(Instant timestamp, BoundedWindow window) {
        this.timestamp = timestamp;
        this.window = window;
      }
    }

    UpsertFn(PostgresSinkSettings settings, PostgresTable table, @Nullable String deleteFlag) {
      this.target = settings.target();
      this.table = table;
      this.deleteFlag = deleteFlag;
      this.batchSize = settings.batchSize();
      this.maxRetries = settings.maxRetries();
      this.initialBackoffMillis = settings.initialBackoffMillis();
      this.maxBackoffMillis = settings.maxBackoffMillis();
      this.retries = PostgresSinkSettings.retryCounter();
      this.router = DeadLetters.routerFor(settings.badRecordErrorHandler());
      this.stage = settings.stageName();
      this.counters = StageCounters.of(stage);
      this.upserted =
          LiveMetrics.counter(DeadLetters.NAMESPACE, "postgres." + table.name() + ".upserted");
      this.deleted =
          LiveMetrics.counter(DeadLetters.NAMESPACE, "postgres." + table.name() + ".deleted");
    }

    @Setup
    public void setup() throws Exception {
      writer =
          new PostgresWriter(
              target, table, maxRetries, initialBackoffMillis, maxBackoffMillis, retries);
      writer.ensureTable();
    }

    @StartBundle
    public void startBundle() {
      buffer = new ArrayList<>();
      refusedElsewhere = new ArrayList<>();
    }

    @ProcessElement
    public void process(
        @Element Row row,
        @Timestamp Instant timestamp,
        BoundedWindow window,
        PaneInfo pane,
        MultiOutputReceiver out)
        throws Exception {
      counters.in();
      boolean delete = deleteFlag != null && Boolean.TRUE.equals(row.getBoolean(deleteFlag));
      buffer.add(
          new PostgresWriter.Op(row, delete, pane.getIndex(), new Origin(timestamp, window)));
      if (buffer.size() >= batchSize) {
        DeadLetters.Output here = DeadLetters.Output.of(out);
        for (PostgresWriter.Failure f : flush()) {
          if (((Origin) f.op.context).window.equals(window)) {
            PostgresSinkSettings.reject(router, here, stage, f);
          } else {
            refusedElsewhere.add(f); // the receiver can only emit into this element's window
          }
        }
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) throws Exception {
      List<PostgresWriter.Failure> refused = refusedElsewhere;
      refusedElsewhere = new ArrayList<>();
      refused.addAll(flush());
      for (PostgresWriter.Failure f : refused) {
        Origin origin = (Origin) f.op.context;
        PostgresSinkSettings.reject(
            router, DeadLetters.Output.of(context, origin.timestamp, origin.window), stage, f);
      }
    }

    private List<PostgresWriter.Failure> flush() throws Exception {
      List<PostgresWriter.Op> ops = buffer;
      buffer = new ArrayList<>();
      if (ops.isEmpty()) {
        return new ArrayList<>();
      }
      List<PostgresWriter.Failure> failures = writer.write(ops);
      long deletes = ops.stream().filter(o -> o.delete).count();
      long failedDeletes = failures.stream().filter(f -> f.op.delete).count();
      deleted.inc(deletes - failedDeletes);
      upserted.inc(ops.size() - deletes - (failures.size() - failedDeletes));
      counters.out(ops.size() - failures.size());
      return failures;
    }

    @Teardown
    public void teardown() {
      if (writer != null) {
        writer.close();
      }
    }
  }
}
