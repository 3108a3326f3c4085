package io.tributary.io.jdbc;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.json.RowJsonText;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableList;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * Writes schema'd rows to a PostgreSQL table with idempotent upserts ({@code INSERT ... ON CONFLICT
 * (key) DO UPDATE}), so a rerun or a retried bundle leaves exactly one row per key.
 *
 * <p>Rows are written in batches (one transaction each, {@link #withBatchSize}); transient errors
 * (lost connections, deadlocks, serialization failures, server shutdown) retry the batch with
 * exponential backoff ({@link #withRetries}); a batch that fails on a constraint or a bad value is
 * replayed row by row under savepoints, and each refused row goes to the bad-record handler, stage
 * {@code postgres}, with a reason ({@code unique_violation}, {@code foreign_key_violation}, {@code
 * not_null_violation}, {@code check_violation}, {@code constraint_violation}, {@code
 * data_exception}) and the server's message. The table is created from the schema when absent; the
 * DDL is logged at INFO. Rows written are counted in {@code tributary/postgres.<table>.upserted}
 * and {@code .deleted}.
 *
 * <p>Change streams: with {@link #withDeleteFlag} a boolean field (e.g. {@code __deleted} of {@code
 * Cdc.Result.changes()}) marks rows whose key is deleted instead; the flag is not a column.
 * Windowed results: with {@link #withPaneIndexColumn} the table gets a column with the pane index,
 * and an upsert replaces a row only from the same or a later pane, so a late, retried earlier pane
 * never overwrites a later one.
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
public abstract class PostgresUpsert extends PTransform<PCollection<Row>, PCollection<Void>> {
  /** Stage name on rejections. */
  public static final String STAGE = "postgres";

  abstract JdbcTarget target();

  abstract String table();

  abstract ImmutableList<String> primaryKey();

  abstract @Nullable String deleteFlag();

  abstract @Nullable String paneIndexColumn();

  abstract @Nullable Schema tableSchema();

  abstract int batchSize();

  /** Non-null in replace mode: the partitions replaced even when the input has no row of them. */
  abstract @Nullable ImmutableList<String> replacedPartitions();

  /** Replace mode: the partition column; null replaces the whole table. */
  abstract @Nullable String partitionColumn();

  abstract int maxRetries();

  abstract long initialBackoffMillis();

  abstract ErrorHandler<BadRecord, ?> badRecordErrorHandler();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setTarget(JdbcTarget target);

    abstract Builder setTable(String table);

    abstract Builder setPrimaryKey(ImmutableList<String> primaryKey);

    abstract Builder setDeleteFlag(@Nullable String field);

    abstract Builder setPaneIndexColumn(@Nullable String column);

    abstract Builder setTableSchema(@Nullable Schema schema);

    abstract Builder setBatchSize(int size);

    abstract Builder setReplacedPartitions(@Nullable ImmutableList<String> partitions);

    abstract Builder setPartitionColumn(@Nullable String column);

    abstract Builder setMaxRetries(int retries);

    abstract Builder setInitialBackoffMillis(long millis);

    abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler);

    abstract PostgresUpsert build();
  }

  /**
   * Upserts into {@code table} ({@code table} or {@code schema.table}); set the key with {@link
   * #withPrimaryKey}.
   */
  public static PostgresUpsert into(JdbcTarget target, String table) {
    checkArgument(target != null, "PostgresUpsert.into: target must not be null");
    checkArgument(
        table != null && !table.isEmpty(), "PostgresUpsert.into: table must not be empty");
    return new AutoValue_PostgresUpsert.Builder()
        .setTarget(target)
        .setTable(table)
        .setPrimaryKey(ImmutableList.of())
        .setBatchSize(500)
        .setMaxRetries(5)
        .setInitialBackoffMillis(200)
        .setBadRecordErrorHandler(DeadLetters.defaultHandler())
        .build();
  }

  /** The primary-key fields; the conflict target of the upsert. Required. */
  public PostgresUpsert withPrimaryKey(String... fields) {
    checkArgument(
        fields != null && fields.length > 0,
        "PostgresUpsert.withPrimaryKey: at least one field is required");
    return toBuilder().setPrimaryKey(ImmutableList.copyOf(fields)).build();
  }

  /** A boolean field that, when true, deletes the row's key instead of upserting it. */
  public PostgresUpsert withDeleteFlag(String field) {
    checkArgument(
        field != null && !field.isEmpty(),
        "PostgresUpsert.withDeleteFlag: field must not be empty");
    return toBuilder().setDeleteFlag(field).build();
  }

  /**
   * Adds a bigint column with the pane index; a row is only replaced by the same or a later pane.
   */
  public PostgresUpsert withPaneIndexColumn(String column) {
    checkArgument(
        column != null && column.matches("[A-Za-z_][A-Za-z0-9_]*"),
        "PostgresUpsert.withPaneIndexColumn: expected a column name, got '%s'",
        column);
    return toBuilder().setPaneIndexColumn(column).build();
  }

  /**
   * The table's columns, when they differ from the input schema (e.g. NOT NULL columns fed by a
   * change stream whose non-key fields are nullable for deletes). Input rows must have every field.
   */
  public PostgresUpsert withTableSchema(Schema schema) {
    checkArgument(schema != null, "PostgresUpsert.withTableSchema: schema must not be null");
    return toBuilder().setTableSchema(schema).build();
  }

  /**
   * Replaces whole partitions instead of upserting row by row: for every value of {@code column}
   * that the input has, and for every value in {@code partitions} (given as text: {@code
   * 2026-11-01} for a date column), one transaction deletes the table's rows of that partition and
   * inserts the input's rows of it. A row that a rebuilt partition no longer has (a category
   * without orders that day any more) disappears; a listed partition without input rows is emptied;
   * other partitions are not touched; readers see the old or the new partition, never a mix. Rows
   * the database refuses go to the bad-record handler as with upserts, the rest of their partition
   * is still written.
   *
   * <p>For bounded inputs (batch runs, backfills): each partition's rows are grouped on one worker
   * and written in one transaction. {@code column} must be a non-nullable STRING, integer or {@code
   * SqlTypes.DATE} field. Not combinable with {@link #withDeleteFlag} or {@link
   * #withPaneIndexColumn}. Rows deleted by replaces are counted in {@code
   * tributary/postgres.<table>.partition_rows_deleted}.
   */
  public PostgresUpsert withReplacedPartitions(String column, List<String> partitions) {
    checkArgument(
        column != null && !column.isEmpty(),
        "PostgresUpsert.withReplacedPartitions: column must not be empty");
    checkArgument(
        partitions != null,
        "PostgresUpsert.withReplacedPartitions: partitions must not be null (use an empty list)");
    return toBuilder()
        .setPartitionColumn(column)
        .setReplacedPartitions(ImmutableList.copyOf(partitions))
        .build();
  }

  /**
   * Replaces the whole table with the input in one transaction: the input is the table's complete
   * new content, so rows it no longer has are deleted. For bounded inputs small enough for one
   * worker (a mart rebuilt in full); see {@link #withReplacedPartitions} for the rules.
   */
  public PostgresUpsert withReplacedTable() {
    return toBuilder().setPartitionColumn(null).setReplacedPartitions(ImmutableList.of()).build();
  }

  /** Rows per transaction, 500 by default. */
  public PostgresUpsert withBatchSize(int rows) {
    checkArgument(rows > 0, "PostgresUpsert.withBatchSize: rows must be > 0, got %s", rows);
    return toBuilder().setBatchSize(rows).build();
  }

  /**
   * Retries of a batch on transient errors, 5 by default; backoff starts at {@code
   * initialBackoffMillis} and doubles.
   */
  public PostgresUpsert withRetries(int maxRetries, long initialBackoffMillis) {
    checkArgument(
        maxRetries >= 0, "PostgresUpsert.withRetries: maxRetries must be >= 0, got %s", maxRetries);
    checkArgument(
        initialBackoffMillis >= 0,
        "PostgresUpsert.withRetries: initialBackoffMillis must be >= 0, got %s",
        initialBackoffMillis);
    return toBuilder()
        .setMaxRetries(maxRetries)
        .setInitialBackoffMillis(initialBackoffMillis)
        .build();
  }

  /** Sends rows the database refuses to {@code handler} instead of failing the pipeline. */
  public PostgresUpsert withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgument(
        handler != null, "PostgresUpsert.withBadRecordErrorHandler: handler must not be null");
    return toBuilder().setBadRecordErrorHandler(handler).build();
  }

  /** The table this transform writes, as its DDL will create it, for a given input schema. */
  public PostgresTable tableFor(Schema input) {
    Schema columns = tableSchema();
    if (columns == null) {
      Schema.Builder b = Schema.builder();
      input.getFields().stream()
          .filter(f -> !f.getName().equals(deleteFlag()))
          .forEach(b::addField);
      columns = b.build();
    }
    for (String f : columns.getFieldNames()) {
      checkArgument(
          input.hasField(f),
          "PostgresUpsert: column '%s' of the table schema is not in the input schema %s",
          f,
          input.getFieldNames());
    }
    return PostgresTable.of(table(), columns, primaryKey(), paneIndexColumn());
  }

  @Override
  public PCollection<Void> expand(PCollection<Row> input) {
    checkArgument(!primaryKey().isEmpty(), "PostgresUpsert: withPrimaryKey() is required");
    checkArgument(input.hasSchema(), "PostgresUpsert: input %s has no schema", input.getName());
    Schema schema = input.getSchema();
    if (deleteFlag() != null) {
      checkArgument(
          schema.hasField(deleteFlag())
              && schema.getField(deleteFlag()).getType().getTypeName() == Schema.TypeName.BOOLEAN,
          "PostgresUpsert.withDeleteFlag: '%s' must be a BOOLEAN field of the input; fields: %s",
          deleteFlag(),
          schema.getFieldNames());
    }
    PostgresTable table = tableFor(schema);
    if (replacedPartitions() != null) {
      return expandReplace(input, table);
    }
    TupleTag<Void> done = new TupleTag<Void>() {};
    PCollectionTuple result =
        input.apply(
            "Upsert",
            ParDo.of(
                    new UpsertFn(
                        target(),
                        table,
                        deleteFlag(),
                        batchSize(),
                        maxRetries(),
                        initialBackoffMillis(),
                        DeadLetters.routerFor(badRecordErrorHandler())))
                .withOutputTags(done, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    DeadLetters.register(badRecordErrorHandler(), result);
    return result.get(done);
  }

  private PCollection<Void> expandReplace(PCollection<Row> input, PostgresTable table) {
    Schema schema = input.getSchema();
    String column = partitionColumn();
    checkArgument(
        input.isBounded() == PCollection.IsBounded.BOUNDED,
        "PostgresUpsert.withReplacedPartitions: needs a bounded input (a batch run or a backfill); for streams "
            + "upsert with withPaneIndexColumn()");
    checkArgument(
        deleteFlag() == null && paneIndexColumn() == null,
        "PostgresUpsert.withReplacedPartitions: cannot be combined with withDeleteFlag() or withPaneIndexColumn()");
    List<KV<String, Row>> markers = new ArrayList<>();
    if (column == null) {
      markers.add(KV.of(WHOLE_TABLE, null));
    } else {
      checkArgument(
          schema.hasField(column),
          "PostgresUpsert.withReplacedPartitions: column '%s' is not in the input; fields: %s",
          column,
          schema.getFieldNames());
      Schema.FieldType type = schema.getField(column).getType();
      checkArgument(
          !type.getNullable(),
          "PostgresUpsert.withReplacedPartitions: column '%s' must not be nullable",
          column);
      partitionValue(
          type, column, null); // fails naming the column when its type cannot be a partition
      for (String value : replacedPartitions()) {
        markers.add(KV.of(partitionText(partitionValue(type, column, value)), null));
      }
    }
    KvCoder<String, Row> coder =
        KvCoder.of(StringUtf8Coder.of(), NullableCoder.of(RowCoder.of(schema)));
    PCollection<KV<String, Row>> keyed =
        input.apply("KeyByPartition", ParDo.of(new PartitionKeyFn(column))).setCoder(coder);
    PCollection<KV<String, Row>> listed =
        input.getPipeline().apply("ListedPartitions", Create.of(markers).withCoder(coder));
    TupleTag<Void> done = new TupleTag<Void>() {};
    PCollectionTuple result =
        PCollectionList.of(keyed)
            .and(listed)
            .apply("AllPartitions", Flatten.pCollections())
            .apply("GroupByPartition", GroupByKey.create())
            .apply(
                "ReplacePartition",
                ParDo.of(
                        new ReplaceFn(
                            target(),
                            table,
                            column,
                            batchSize(),
                            maxRetries(),
                            initialBackoffMillis(),
                            DeadLetters.routerFor(badRecordErrorHandler())))
                    .withOutputTags(done, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    DeadLetters.register(badRecordErrorHandler(), result);
    return result.get(done);
  }

  /** Key of the group that holds every row in {@link #withReplacedTable()} mode. */
  private static final String WHOLE_TABLE = "*";

  /**
   * The partition value of text {@code value} for a column of {@code type}; null value only checks
   * the type.
   */
  static @Nullable Object partitionValue(
      Schema.FieldType type, String column, @Nullable String value) {
    try {
      switch (type.getTypeName()) {
        case STRING:
          return value;
        case BYTE:
        case INT16:
        case INT32:
        case INT64:
          return value == null ? null : Long.parseLong(value);
        case LOGICAL_TYPE:
          if (org.apache.beam.sdk.schemas.logicaltypes.SqlTypes.DATE
              .getIdentifier()
              .equals(type.getLogicalType().getIdentifier())) {
            return value == null ? null : java.time.LocalDate.parse(value);
          }
          break;
        default:
          break;
      }
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "PostgresUpsert.withReplacedPartitions: partition '"
              + value
              + "' is not a value of column '"
              + column
              + "' ("
              + type
              + ")");
    }
    throw new IllegalArgumentException(
        "PostgresUpsert.withReplacedPartitions: column '"
            + column
            + "' has type "
            + type
            + "; expected a STRING, integer or SqlTypes.DATE field");
  }

  /**
   * The grouping key of a partition value: its text form ({@code 2026-11-01}, {@code 42}, the
   * string).
   */
  static String partitionText(Object value) {
    return value instanceof Number ? Long.toString(((Number) value).longValue()) : value.toString();
  }

  /** Keys rows by the text of their partition value. */
  static final class PartitionKeyFn extends DoFn<Row, KV<String, Row>> {
    private final @Nullable String column;

    PartitionKeyFn(@Nullable String column) {
      this.column = column;
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<KV<String, Row>> out) {
      out.output(KV.of(column == null ? WHOLE_TABLE : partitionText(row.getValue(column)), row));
    }
  }

  /** Replaces one partition (or the table) with its rows in one transaction. */
  static final class ReplaceFn extends DoFn<KV<String, Iterable<Row>>, Void> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ReplaceFn.class);
    private final JdbcTarget target;
    private final PostgresTable table;
    private final @Nullable String column;
    private final int batchSize;
    private final int maxRetries;
    private final long initialBackoffMillis;
    private final BadRecordRouter router;
    private final Counter upserted;
    private final Counter partitionRowsDeleted;
    private transient PostgresWriter writer;

    ReplaceFn(
        JdbcTarget target,
        PostgresTable table,
        @Nullable String column,
        int batchSize,
        int maxRetries,
        long initialBackoffMillis,
        BadRecordRouter router) {
      this.target = target;
      this.table = table;
      this.column = column;
      this.batchSize = batchSize;
      this.maxRetries = maxRetries;
      this.initialBackoffMillis = initialBackoffMillis;
      this.router = router;
      this.upserted =
          Metrics.counter(DeadLetters.NAMESPACE, "postgres." + table.name() + ".upserted");
      this.partitionRowsDeleted =
          Metrics.counter(
              DeadLetters.NAMESPACE, "postgres." + table.name() + ".partition_rows_deleted");
    }

    @Setup
    public void setup() throws Exception {
      PostgresWriter.ensureTable(target, table);
      writer = new PostgresWriter(target, table, maxRetries, initialBackoffMillis);
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<Row>> partition, MultiOutputReceiver out)
        throws Exception {
      List<PostgresWriter.Op> ops = new ArrayList<>();
      for (Row row : partition.getValue()) {
        if (row != null) {
          ops.add(new PostgresWriter.Op(row, false, 0, null));
        }
      }
      Object value =
          column == null
              ? null
              : partitionValue(
                  table.schema().getField(column).getType(), column, partition.getKey());
      // One transaction however many rows: the batch size only bounds the JDBC batches inside it.
      List<PostgresWriter.Failure> failures = writer.replacePartition(column, value, ops);
      long deleted = writer.lastPreludeCount();
      partitionRowsDeleted.inc(deleted);
      upserted.inc(ops.size() - failures.size());
      LOG.info(
          "Replaced {} of PostgreSQL table {}: {} row(s) deleted, {} inserted, {} refused",
          column == null ? "every row" : "partition " + column + "=" + partition.getKey(),
          table.name(),
          deleted,
          ops.size() - failures.size(),
          failures.size());
      for (PostgresWriter.Failure f : failures) {
        DeadLetters.reject(
            router,
            out,
            RowJsonText.render(f.op.row),
            StringUtf8Coder.of(),
            new RecordRejectedException(STAGE, f.reason, f.message));
      }
    }

    @Teardown
    public void teardown() {
      if (writer != null) {
        writer.close();
      }
    }
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("target", target().toString()).withLabel("Database (user@url)"))
        .add(DisplayData.item("table", table()).withLabel("Table"))
        .add(
            DisplayData.item("primaryKey", String.join(",", primaryKey())).withLabel("Primary key"))
        .addIfNotNull(DisplayData.item("deleteFlag", deleteFlag()).withLabel("Delete flag field"))
        .addIfNotNull(
            DisplayData.item("paneIndexColumn", paneIndexColumn()).withLabel("Pane index column"))
        .add(DisplayData.item("batchSize", batchSize()).withLabel("Rows per transaction"))
        .addIfNotNull(
            DisplayData.item(
                    "replace",
                    replacedPartitions() == null
                        ? null
                        : partitionColumn() == null
                            ? "whole table"
                            : "partitions of "
                                + partitionColumn()
                                + (replacedPartitions().isEmpty()
                                    ? ""
                                    : " incl. " + String.join(",", replacedPartitions())))
                .withLabel("Replaces (delete + insert in one transaction)"))
        .add(DisplayData.item("maxRetries", maxRetries()).withLabel("Retries on transient errors"))
        .add(
            DisplayData.item("initialBackoffMillis", initialBackoffMillis())
                .withLabel("First retry backoff (ms)"))
        .add(
            DisplayData.item(
                    "badRecordErrorHandler", badRecordErrorHandler().getClass().getSimpleName())
                .withLabel("Bad-record handler"));
  }

  /** Buffers rows per bundle and writes them through a {@link PostgresWriter}. */
  static final class UpsertFn extends DoFn<Row, Void> {
    private final JdbcTarget target;
    private final PostgresTable table;
    private final @Nullable String deleteFlag;
    private final int batchSize;
    private final int maxRetries;
    private final long initialBackoffMillis;
    private final BadRecordRouter router;
    private final Counter upserted;
    private final Counter deleted;
    private transient PostgresWriter writer;
    private transient List<PostgresWriter.Op> buffer;

    /** Where a buffered row came from, to route its dead letter into the right window. */
    private static final class Origin {
      final Instant timestamp;
      final BoundedWindow window;

      Origin(Instant timestamp, BoundedWindow window) {
        this.timestamp = timestamp;
        this.window = window;
      }
    }

    UpsertFn(
        JdbcTarget target,
        PostgresTable table,
        @Nullable String deleteFlag,
        int batchSize,
        int maxRetries,
        long initialBackoffMillis,
        BadRecordRouter router) {
      this.target = target;
      this.table = table;
      this.deleteFlag = deleteFlag;
      this.batchSize = batchSize;
      this.maxRetries = maxRetries;
      this.initialBackoffMillis = initialBackoffMillis;
      this.router = router;
      this.upserted =
          Metrics.counter(DeadLetters.NAMESPACE, "postgres." + table.name() + ".upserted");
      this.deleted =
          Metrics.counter(DeadLetters.NAMESPACE, "postgres." + table.name() + ".deleted");
    }

    @Setup
    public void setup() throws Exception {
      PostgresWriter.ensureTable(target, table);
      writer = new PostgresWriter(target, table, maxRetries, initialBackoffMillis);
    }

    @StartBundle
    public void startBundle() {
      buffer = new ArrayList<>();
    }

    @ProcessElement
    public void process(
        @Element Row row,
        @Timestamp Instant timestamp,
        BoundedWindow window,
        PaneInfo pane,
        MultiOutputReceiver out)
        throws Exception {
      boolean delete = deleteFlag != null && Boolean.TRUE.equals(row.getBoolean(deleteFlag));
      buffer.add(
          new PostgresWriter.Op(row, delete, pane.getIndex(), new Origin(timestamp, window)));
      if (buffer.size() >= batchSize) {
        for (PostgresWriter.Failure f : flush()) {
          DeadLetters.reject(
              router, out, RowJsonText.render(f.op.row), StringUtf8Coder.of(), rejection(f));
        }
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) throws Exception {
      for (PostgresWriter.Failure f : flush()) {
        Origin origin = (Origin) f.op.context;
        RecordRejectedException rejection = rejection(f);
        router.route(
            context,
            RowJsonText.render(f.op.row),
            StringUtf8Coder.of(),
            rejection,
            rejection.description(),
            origin.window);
        DeadLetters.counter(rejection.stage(), rejection.reason()).inc();
      }
    }

    private List<PostgresWriter.Failure> flush() throws Exception {
      List<PostgresWriter.Op> ops = buffer;
      buffer = new ArrayList<>();
      List<PostgresWriter.Failure> failures = writer.write(ops);
      long deletes = ops.stream().filter(o -> o.delete).count();
      long failedDeletes = failures.stream().filter(f -> f.op.delete).count();
      deleted.inc(deletes - failedDeletes);
      upserted.inc(ops.size() - deletes - (failures.size() - failedDeletes));
      return failures;
    }

    private static RecordRejectedException rejection(PostgresWriter.Failure f) {
      return new RecordRejectedException(STAGE, f.reason, f.message);
    }

    @Teardown
    public void teardown() {
      if (writer != null) {
        writer.close();
      }
    }
  }
}
