package io.tributary.pipelines.ordersmart;

import io.tributary.io.deadletter.DeadLetterFiles;
import io.tributary.io.files.FileSource;
import io.tributary.io.files.ReadLines;
import io.tributary.io.jdbc.JdbcTarget;
import io.tributary.io.jdbc.PostgresUpsert;
import io.tributary.io.kafka.KafkaReplay;
import io.tributary.io.lake.InPartitions;
import io.tributary.io.lake.InputFingerprint;
import io.tributary.io.lake.LakePartitions;
import io.tributary.pipelines.options.SourceKind;
import io.tributary.transforms.aggregate.Aggregate;
import io.tributary.transforms.aggregate.Aggregation;
import io.tributary.transforms.aggregate.Rollup;
import io.tributary.transforms.cdc.Cdc;
import io.tributary.transforms.join.AsOfJoin;
import io.tributary.transforms.json.DecimalBound;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.metrics.StageRole;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.logicaltypes.SqlTypes;
import org.apache.beam.sdk.transforms.Wait;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * The orders-mart pipeline: apply the products and orders change logs (Debezium JSON), keep the
 * current orders and their SCD2 history, and compute daily revenue and order counts per product
 * category; serve all of it to PostgreSQL (optional) and to date-partitioned lake datasets.
 *
 * <p>Outputs under {@code --output}: {@code lake/orders/dt=...} (current orders by UTC date of
 * {@code created_at}), {@code lake/orders_history/dt=...} (by date of {@code valid_from}), {@code
 * lake/daily_category_revenue/dt=...}, {@code dead-letter/}. PostgreSQL tables: {@code products},
 * {@code orders}, {@code orders_history}, {@code daily_category_revenue}. The mart counts live,
 * non-cancelled orders per date of {@code created_at} and the product's category as it was at
 * {@code created_at} (an as-of join with the products' SCD2 history, {@link #productAtOrderTime});
 * an order whose product had no version then (or was deleted) counts under {@code unknown}. With
 * {@code --partitions} only those dates are (re)built, each replaced whole, in the lake and in
 * PostgreSQL's {@code daily_category_revenue} (delete and insert of the date in one transaction);
 * without it the whole mart table is replaced.
 *
 * <p>The change logs come from files ({@code --orders}, {@code --products}, one envelope per line)
 * or, with {@code --source=kafka}, from two topics replayed by {@link KafkaReplay} between fixed
 * offsets ({@code --kafkaOffsets}, by default captured when the job starts): the same bounded
 * pipeline, the same result on every runner.
 *
 * <pre>{@code
 * Pipeline p = Pipeline.create(options);
 * OrdersMartPipeline.build(p, OrdersMartSettings.of(options));
 * p.run().waitUntilFinish();
 * }</pre>
 */
public final class OrdersMartPipeline {
  /** Row of table {@code products}. */
  /**
   * Every decimal of the lake is an Avro decimal(38,2) ({@link LakePartitions#DECIMAL_SCALE}): a
   * change event with more decimals is a dead letter (out_of_range), never rounded.
   */
  static final DecimalBound LAKE_DECIMAL = DecimalBound.of(38, LakePartitions.DECIMAL_SCALE);

  public static final Schema PRODUCT =
      Schema.builder()
          .addStringField("product_id")
          .addStringField("name")
          .addStringField("category")
          .addDecimalField("list_price")
          .build();

  /** Row of table {@code orders}. */
  public static final Schema ORDER =
      Schema.builder()
          .addStringField("order_id")
          .addStringField("customer_id")
          .addStringField("product_id")
          .addInt64Field("quantity")
          .addDecimalField("amount")
          .addStringField("status")
          .addDateTimeField("created_at")
          .addDateTimeField("updated_at")
          .build();

  /** Row of the mart {@code daily_category_revenue}. */
  public static final Schema MART =
      Schema.builder()
          .addLogicalTypeField("dt", SqlTypes.DATE)
          .addStringField("category")
          .addInt64Field("orders")
          .addDecimalField("revenue")
          .build();

  /**
   * The mart: live, non-cancelled orders (with their product's category) counted and summed per UTC
   * date of {@code created_at} and category; rows of {@link #MART}.
   */
  static Rollup dailyCategoryRevenue() {
    return Rollup.of(
            Aggregate.perWindow()
                .withGroupBy(List.of("dt", "category"))
                .withAggregation(Aggregation.count("orders"))
                .withAggregation(
                    Aggregation.sum("revenue", "amount").withScale(LakePartitions.DECIMAL_SCALE)))
        .where("status != 'cancelled'")
        .withDateOf("dt", "created_at");
  }

  /**
   * The product's category as it was when the order was placed: an as-of join of the current orders
   * with the products' SCD2 history at {@code created_at}, "unknown" before the product's first
   * version or after its delete. The facts are Cdc's current state (one row per order, not per
   * change event), so the join serves the record path: a {@code SINK}-role stage named {@value
   * #PRODUCT_AT_ORDER_TIME}, balanced on its own.
   */
  static AsOfJoin.Join productAtOrderTime(PCollection<Row> productHistory) {
    return AsOfJoin.of(productHistory)
        .by("product_id")
        .withFields("category")
        .withFactTime("created_at")
        .withDefault("category", "unknown")
        .withStageRole(StageRole.SINK)
        .withStageName(PRODUCT_AT_ORDER_TIME);
  }

  /** Stage name of the as-of join of orders with their product's version at order time. */
  public static final String PRODUCT_AT_ORDER_TIME = "product_at_order_time";

  /** The lake datasets, each a directory under {@code <output>/lake}. */
  public static final List<String> DATASETS =
      List.of("orders", "orders_history", "daily_category_revenue");

  private OrdersMartPipeline() {}

  /** Root of one lake dataset. */
  public static String lakeRoot(String output, String dataset) {
    return join(join(output, "lake"), dataset);
  }

  /**
   * The input fingerprint stored in the lake markers. Files: SHA-256 over the bytes of every input
   * file (orders, then products, each in name order). Kafka: SHA-256 over the topics' offset ranges
   * ({@link OrdersMartSettings#kafkaOffsets}), which name the replayed messages.
   */
  public static String inputFingerprint(OrdersMartSettings settings) {
    if (settings.source() == SourceKind.KAFKA) {
      return InputFingerprint.ofText(
          FINGERPRINT_LABEL,
          "kafka\n" + KafkaReplay.OffsetRange.formatList(settings.kafkaOffsets()));
    }
    return InputFingerprint.ofFiles(
        FINGERPRINT_LABEL, List.of(settings.orders(), settings.products()));
  }

  /** The label line of the input fingerprint: the job and the version of its fingerprint. */
  public static final String FINGERPRINT_LABEL = "orders-mart/1";

  /**
   * One table's change events as JSON text, each counted in {@code tributary/read}: the lines of
   * {@code file}, or the values of {@code topic} within the settings' Kafka offsets (a tombstone, a
   * null value, becomes the text {@code null}).
   */
  static PCollection<String> readChanges(
      Pipeline pipeline,
      OrdersMartSettings settings,
      String table,
      String file,
      String topic,
      RecordLimits limits,
      BadRecordErrorHandler<?> deadLetters) {
    if (settings.source() == SourceKind.KAFKA) {
      List<KafkaReplay.OffsetRange> ranges =
          settings.kafkaOffsets().stream()
              .filter(r -> r.topic.equals(topic))
              .collect(Collectors.toList());
      return pipeline.apply(
          "Read" + table + "Kafka",
          KafkaReplay.values()
              .withStageName(readStage(table))
              .withBootstrapServers(settings.bootstrapServers())
              .withRanges(ranges)
              .withLimits(limits)
              .withBadRecordErrorHandler(deadLetters));
    }
    // Lines within the limits; each line (and each rejected one) is counted in tributary/read.
    return pipeline
        .apply("Match" + table, FileSource.glob(file))
        .apply(
            "Read" + table,
            ReadLines.create()
                .withStageName(readStage(table))
                .withLimits(limits)
                .withBadRecordErrorHandler(deadLetters));
  }

  /**
   * Adds the orders-mart stages to {@code pipeline}. Parses the options first ({@link
   * OrdersMartSettings#of}), so a bad option fails before anything is built.
   */
  public static void build(Pipeline pipeline, OrdersMartOptions options) {
    build(pipeline, OrdersMartSettings.of(options));
  }

  /**
   * The stage name of a table's source, e.g. {@code read_orders}: two tables, two sources, each
   * with its own line in the accounting and its own stage in dead letters.
   */
  static String readStage(String table) {
    return "read_" + table.toLowerCase(java.util.Locale.ROOT);
  }

  /** Adds the orders-mart stages to {@code pipeline}, as {@code settings} say. */
  public static void build(Pipeline pipeline, OrdersMartSettings settings) {
    List<String> dates = settings.partitions();
    FileSystems.setDefaultPipelineOptions(pipeline.getOptions());
    String fingerprint = inputFingerprint(settings);
    BadRecordErrorHandler<?> deadLetters =
        pipeline.registerBadRecordErrorHandler(
            DeadLetterFiles.to(join(settings.output(), "dead-letter")));
    RecordLimits limits = settings.limits();

    Cdc.Result products =
        readChanges(
                pipeline,
                settings,
                "Products",
                settings.products(),
                settings.productsTopic(),
                limits,
                deadLetters)
            .apply(
                "ApplyProducts",
                Cdc.apply(PRODUCT, "product_id")
                    .withStageName("cdc_products")
                    .withLimits(limits)
                    .withDecimalBounds(Map.of("list_price", LAKE_DECIMAL))
                    .withBadRecordErrorHandler(deadLetters));
    Cdc.Result orders =
        readChanges(
                pipeline,
                settings,
                "Orders",
                settings.orders(),
                settings.ordersTopic(),
                limits,
                deadLetters)
            .apply(
                "ApplyOrders",
                Cdc.apply(ORDER, "order_id")
                    .withStageName("cdc_orders")
                    .withLimits(limits)
                    .withDecimalBounds(Map.of("amount", LAKE_DECIMAL))
                    .withBadRecordErrorHandler(deadLetters));

    PCollection<Row> currentOrders =
        orders.currentState().apply("OrdersInPartitions", InPartitions.filter("created_at", dates));
    PCollection<Row> orderChanges =
        orders.changes().apply("ChangesInPartitions", InPartitions.filter("created_at", dates));
    PCollection<Row> history =
        orders.history().apply("HistoryInPartitions", InPartitions.filter(Cdc.VALID_FROM, dates));

    // Bounded change logs: every order is released when the input ends, so none is too late.
    PCollection<Row> mart =
        currentOrders
            .apply("ProductAtOrderTime", productAtOrderTime(products.history()))
            .output()
            .apply("DailyCategoryRevenue", dailyCategoryRevenue());

    List<PCollection<?>> served = new ArrayList<>();
    if (!settings.jdbcUrl().isEmpty()) {
      JdbcTarget db =
          JdbcTarget.of(settings.jdbcUrl(), settings.jdbcUser(), settings.jdbcPassword());
      served.add(
          products
              .changes()
              .apply(
                  "WriteProductsDb",
                  sink(db, "products", settings)
                      .withPrimaryKey("product_id")
                      .withDeleteFlag(Cdc.DELETED)
                      .withTableSchema(PRODUCT)
                      .withBadRecordErrorHandler(deadLetters)));
      served.add(
          orderChanges.apply(
              "WriteOrdersDb",
              sink(db, "orders", settings)
                  .withPrimaryKey("order_id")
                  .withDeleteFlag(Cdc.DELETED)
                  .withTableSchema(ORDER)
                  .withBadRecordErrorHandler(deadLetters)));
      served.add(
          history.apply(
              "WriteHistoryDb",
              sink(db, "orders_history", settings)
                  .withPrimaryKey("order_id", Cdc.SOURCE_POSITION)
                  .withBadRecordErrorHandler(deadLetters)));
      // The mart is replaced per date, not upserted: a (date, category) the rebuild no longer has
      // (its
      // orders were deleted or cancelled) must disappear from the served table too.
      PostgresUpsert martDb =
          sink(db, "daily_category_revenue", settings)
              .withPrimaryKey("dt", "category")
              .withBadRecordErrorHandler(deadLetters);
      served.add(
          mart.apply(
              "WriteMartDb",
              dates.isEmpty()
                  ? martDb.withReplacedTable()
                  : martDb.withReplacedPartitions("dt", dates)));
    }

    // The lake's _SUCCESS markers are what a backfill trusts to skip a date, so they are written
    // only after PostgreSQL has every row of the run: a backfill killed between the two rebuilds
    // the date instead of skipping it with the database half written.
    String output = settings.output();
    afterServed(currentOrders, served, "Orders", ORDER)
        .apply(
            "WriteOrdersLake",
            LakePartitions.to(lakeRoot(output, "orders"))
                .byDateOf("created_at")
                .withPartitions(dates)
                .withInputFingerprint(fingerprint));
    afterServed(history, served, "History", history.getSchema())
        .apply(
            "WriteHistoryLake",
            LakePartitions.to(lakeRoot(output, "orders_history"))
                .byDateOf(Cdc.VALID_FROM)
                .withPartitions(dates)
                .withInputFingerprint(fingerprint));
    afterServed(mart, served, "Mart", MART)
        .apply(
            "WriteMartLake",
            LakePartitions.to(lakeRoot(output, "daily_category_revenue"))
                .byDateOf("dt")
                .withPartitions(dates)
                .withInputFingerprint(fingerprint));
    deadLetters.close();
  }

  /**
   * A PostgreSQL sink of {@code table} with the settings' batch size and retries: a lost
   * connection, a refused one or a restarting server retries the whole uncommitted transaction (an
   * upsert batch, or a date's replace) on a new connection; past the retries the run fails naming
   * the table.
   */
  private static PostgresUpsert sink(JdbcTarget db, String table, OrdersMartSettings settings) {
    return PostgresUpsert.into(db, table)
        .withBatchSize(settings.jdbcBatchSize())
        .withRetries(settings.jdbcRetries())
        .withRetryBackoff(settings.jdbcRetryBackoffMillis(), settings.jdbcMaxRetryBackoffMillis());
  }

  /**
   * {@code rows} once every PostgreSQL write in {@code served} has finished ({@code rows} itself
   * when none).
   */
  private static PCollection<Row> afterServed(
      PCollection<Row> rows, List<PCollection<?>> served, String name, Schema schema) {
    if (served.isEmpty()) {
      return rows;
    }
    return rows.apply("After" + name + "Served", Wait.on(served)).setRowSchema(schema);
  }

  private static String join(String dir, String child) {
    return dir.endsWith("/") ? dir + child : dir + "/" + child;
  }
}
