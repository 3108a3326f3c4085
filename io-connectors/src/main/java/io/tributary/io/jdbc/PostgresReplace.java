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
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
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
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableList;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Replaces whole partitions of a PostgreSQL table (or the whole table) with the input, instead of
 * upserting row by row: for every value of the partition column that the input has, and for every
 * listed partition (given as text: {@code 2026-11-01} for a date column), one transaction deletes
 * the table's rows of that partition and inserts the input's rows of it. A row that a rebuilt
 * partition no longer has (a category without orders that day any more) disappears; a listed
 * partition without input rows is emptied; other partitions are not touched; readers see the old or
 * the new partition, never a mix. Rows the database refuses go to the bad-record handler (stage
 * {@link #stageName()}, reasons as for {@link PostgresUpsert}); the rest of their partition is
 * still written.
 *
 * <p>For bounded inputs (batch runs, backfills): each partition's rows are grouped on one worker
 * and written in one transaction; the batch size only bounds the JDBC batches inside it. The
 * partition column must be a non-nullable STRING, integer or {@code SqlTypes.DATE} field. The table
 * is created from the schema when absent, as for {@link PostgresUpsert}.
 *
 * <p>An {@link AccountedStage} of role {@link StageRole#SINK}, named {@code serve_<table>} unless
 * {@link #withStageName} says otherwise: it counts the rows it received ({@code in}), inserted
 * ({@code out}) and refused (dead letters by reason). Rows deleted by replaces are counted in
 * {@code tributary/postgres.<table>.partition_rows_deleted}, rows inserted also in {@code
 * tributary/postgres.<table>.upserted}.
 *
 * <pre>{@code
 * mart.apply("WriteMart",
 *     PostgresReplace.partitions(db, "daily_category_revenue", "dt", List.of("2026-11-01"))
 *         .withPrimaryKey("dt", "category")
 *         .withBadRecordErrorHandler(deadLetters));
 * // or, from an upsert's settings: PostgresUpsert.into(db, t).withPrimaryKey(...).withReplacedTable()
 * }</pre>
 */
@AutoValue
public abstract class PostgresReplace extends PTransform<PCollection<Row>, PCollection<Void>>
    implements AccountedStage {
  private static final String NAME = "PostgresReplace";

  /** Key of the group that holds every row when the whole table is replaced. */
  private static final String WHOLE_TABLE = "*";

  abstract PostgresSinkSettings settings();

  /** The partition column; null replaces the whole table. */
  abstract @Nullable String partitionColumn();

  /** The partitions replaced even when the input has no row of them. */
  abstract ImmutableList<String> listedPartitions();

  static PostgresReplace of(
      PostgresSinkSettings settings, @Nullable String column, List<String> partitions) {
    return new AutoValue_PostgresReplace(settings, column, ImmutableList.copyOf(partitions));
  }

  /**
   * Replaces the partitions of {@code column} that the input has, and every one of {@code
   * partitions} (an empty list for none), in {@code table} ({@code table} or {@code schema.table});
   * set the key with {@link #withPrimaryKey}.
   */
  public static PostgresReplace partitions(
      JdbcTarget target, String table, String column, List<String> partitions) {
    checkArgument(
        column != null && !column.isEmpty(), "%s.partitions: column must not be empty", NAME);
    checkArgument(
        partitions != null, "%s.partitions: partitions must not be null (use an empty list)", NAME);
    return of(PostgresSinkSettings.of(target, table, NAME + ".partitions"), column, partitions);
  }

  /**
   * Replaces the whole table with the input in one transaction: the input is the table's complete
   * new content, so rows it no longer has are deleted. For inputs small enough for one worker (a
   * mart rebuilt in full).
   */
  public static PostgresReplace wholeTable(JdbcTarget target, String table) {
    return of(PostgresSinkSettings.of(target, table, NAME + ".wholeTable"), null, List.of());
  }

  private PostgresReplace with(PostgresSinkSettings settings) {
    return of(settings, partitionColumn(), listedPartitions());
  }

  /** The primary-key fields. Required. */
  public PostgresReplace withPrimaryKey(String... fields) {
    return with(settings().withPrimaryKey(NAME + ".withPrimaryKey", fields));
  }

  /** The table's columns, when they differ from the input schema. */
  public PostgresReplace withTableSchema(Schema schema) {
    return with(settings().withTableSchema(NAME + ".withTableSchema", schema));
  }

  /** Rows per JDBC batch inside a partition's transaction, 500 by default. */
  public PostgresReplace withBatchSize(int rows) {
    return with(settings().withBatchSize(NAME + ".withBatchSize", rows));
  }

  /** Retries of a partition on transient errors, 8 by default, backoff doubling. */
  public PostgresReplace withRetries(int maxRetries, long initialBackoffMillis) {
    return with(settings().withRetries(NAME + ".withRetries", maxRetries, initialBackoffMillis));
  }

  /**
   * Retries of a partition's transaction on connection-class errors, 8 by default: each opens a new
   * connection and runs the whole replace (delete and inserts) again; the failed attempt was rolled
   * back, so readers never see a partial partition. Past the last one the run fails with a {@link
   * PostgresUnavailableException} naming the table. Counted in {@code tributary/jdbc_retries}.
   */
  public PostgresReplace withRetries(int maxRetries) {
    return with(settings().withRetries(NAME + ".withRetries", maxRetries));
  }

  /**
   * The wait before the first retry, doubling up to {@code maxMillis}; 200 ms and 10 s by default.
   */
  public PostgresReplace withRetryBackoff(long initialMillis, long maxMillis) {
    return with(settings().withRetryBackoff(NAME + ".withRetryBackoff", initialMillis, maxMillis));
  }

  /** Sends rows the database refuses to {@code handler} instead of failing the pipeline. */
  public PostgresReplace withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    return with(settings().withBadRecordErrorHandler(NAME + ".withBadRecordErrorHandler", handler));
  }

  /**
   * The stage name (lower_snake_case, unique in the pipeline), {@code serve_<table>} by default.
   */
  public PostgresReplace withStageName(String name) {
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
        settings().columnsFor(input, null, NAME),
        settings().primaryKey(),
        null);
  }

  @Override
  public PCollection<Void> expand(PCollection<Row> input) {
    checkArgument(!settings().primaryKey().isEmpty(), "%s: withPrimaryKey() is required", NAME);
    checkArgument(input.hasSchema(), "%s: input %s has no schema", NAME, input.getName());
    checkArgument(
        input.isBounded() == PCollection.IsBounded.BOUNDED,
        "%s: needs a bounded input (a batch run or a backfill); for streams upsert with "
            + "PostgresUpsert.withPaneIndexColumn()",
        NAME);
    Schema schema = input.getSchema();
    PostgresTable table = tableFor(schema);
    String column = partitionColumn();
    List<KV<String, Row>> markers = new ArrayList<>();
    if (column == null) {
      markers.add(KV.of(WHOLE_TABLE, null));
    } else {
      checkArgument(
          schema.hasField(column),
          "%s: column '%s' is not in the input; fields: %s",
          NAME,
          column,
          schema.getFieldNames());
      Schema.FieldType type = schema.getField(column).getType();
      checkArgument(!type.getNullable(), "%s: column '%s' must not be nullable", NAME, column);
      partitionValue(type, column, null); // fails naming the column when its type cannot be one
      for (String value : listedPartitions()) {
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
                ParDo.of(new ReplaceFn(settings(), table, column))
                    .withOutputTags(done, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    DeadLetters.register(settings().badRecordErrorHandler(), result);
    return result.get(done);
  }

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
          NAME
              + ": partition '"
              + value
              + "' is not a value of column '"
              + column
              + "' ("
              + type
              + ")");
    }
    throw new IllegalArgumentException(
        NAME
            + ": column '"
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
    return value instanceof Number n ? Long.toString(n.longValue()) : value.toString();
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
    private final int maxRetries;
    private final long initialBackoffMillis;
    private final long maxBackoffMillis;
    private final Counter retries;
    private final BadRecordRouter router;
    private final String stage;
    private final StageCounters counters;
    private final Counter upserted;
    private final Counter partitionRowsDeleted;
    private transient PostgresWriter writer;

    ReplaceFn(PostgresSinkSettings settings, PostgresTable table, @Nullable String column) {
      this.target = settings.target();
      this.table = table;
      this.column = column;
      this.maxRetries = settings.maxRetries();
      this.initialBackoffMillis = settings.initialBackoffMillis();
      this.maxBackoffMillis = settings.maxBackoffMillis();
      this.retries = PostgresSinkSettings.retryCounter();
      this.router = DeadLetters.routerFor(settings.badRecordErrorHandler());
      this.stage = settings.stageName();
      this.counters = StageCounters.of(stage);
      this.upserted =
          LiveMetrics.counter(DeadLetters.NAMESPACE, "postgres." + table.name() + ".upserted");
      this.partitionRowsDeleted =
          LiveMetrics.counter(
              DeadLetters.NAMESPACE, "postgres." + table.name() + ".partition_rows_deleted");
    }

    @Setup
    public void setup() throws Exception {
      writer =
          new PostgresWriter(
              target, table, maxRetries, initialBackoffMillis, maxBackoffMillis, retries);
      writer.ensureTable();
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<Row>> partition, MultiOutputReceiver out)
        throws Exception {
      List<PostgresWriter.Op> ops = new ArrayList<>();
      for (Row row : partition.getValue()) {
        if (row != null) { // null: the marker of a listed partition
          ops.add(new PostgresWriter.Op(row, false, 0, null));
        }
      }
      counters.in(ops.size());
      Object value =
          column == null
              ? null
              : partitionValue(
                  table.schema().getField(column).getType(), column, partition.getKey());
      // One transaction however many rows: the batch size only bounds the JDBC batches inside it.
      List<PostgresWriter.Failure> failures = writer.replacePartition(column, value, ops);
      long deleted = writer.lastPreludeCount();
      long inserted = (long) ops.size() - failures.size();
      partitionRowsDeleted.inc(deleted);
      upserted.inc(inserted);
      counters.out(inserted);
      LOG.info(
          "Replaced {} of PostgreSQL table {}: {} row(s) deleted, {} inserted, {} refused",
          column == null ? "every row" : "partition " + column + "=" + partition.getKey(),
          table.name(),
          deleted,
          inserted,
          failures.size());
      DeadLetters.Output rejected = DeadLetters.Output.of(out);
      for (PostgresWriter.Failure f : failures) {
        PostgresSinkSettings.reject(router, rejected, stage, f);
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
    settings().populateDisplayData(builder);
    builder.add(
        DisplayData.item(
                "replace",
                partitionColumn() == null
                    ? "whole table"
                    : "partitions of "
                        + partitionColumn()
                        + (listedPartitions().isEmpty()
                            ? ""
                            : " incl. " + String.join(",", listedPartitions())))
            .withLabel("Replaces (delete + insert in one transaction)"));
  }
}
