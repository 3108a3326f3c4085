package io.tributary.pipelines.ordersmart;

import io.tributary.pipelines.options.JdbcOptions;
import io.tributary.pipelines.options.KafkaOptions;
import io.tributary.pipelines.options.OutputOptions;
import io.tributary.pipelines.options.SourceOptions;
import io.tributary.pipelines.runtime.RecordLimitsOptions;
import io.tributary.pipelines.runtime.RunOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * Options of the {@code orders-mart} pipeline: its own (the change logs as files or topics, the
 * Kafka offsets, the dates to build) and the shared mixins it extends (output, source, Kafka,
 * PostgreSQL, record limits, and what every run takes). {@link OrdersMartSettings} parses them.
 *
 * <pre>{@code
 * tributary run orders-mart --orders=testdata/cdc/orders.jsonl --products=testdata/cdc/products.jsonl \
 *     --output=/tmp/mart --jdbcUrl=jdbc:postgresql://localhost:5432/shop
 * tributary run orders-mart --source=kafka --bootstrapServers=localhost:9092 \
 *     --ordersTopic=shop.public.orders --productsTopic=shop.public.products --output=/tmp/mart
 * OrdersMartSettings settings = OrdersMartSettings.of(options.as(OrdersMartOptions.class));
 * }</pre>
 */
@Description("Orders mart")
public interface OrdersMartOptions
    extends OutputOptions,
        SourceOptions,
        KafkaOptions,
        JdbcOptions,
        RecordLimitsOptions,
        RunOptions {
  @Description(
      "--source=file: orders change log, Debezium JSON envelopes, one per line (file or glob).")
  String getOrders();

  void setOrders(String value);

  @Description(
      "--source=file: products change log, Debezium JSON envelopes, one per line (file or glob).")
  String getProducts();

  void setProducts(String value);

  @Description(
      "--source=kafka: topic of the orders change events (Debezium JSON values, null values are tombstones).")
  String getOrdersTopic();

  void setOrdersTopic(String value);

  @Description("--source=kafka: topic of the products change events.")
  String getProductsTopic();

  void setProductsTopic(String value);

  @Description(
      "--source=kafka: offsets to replay, topic:partition:start-end[,...]; default: every partition "
          + "from its first offset to its end offset when the job starts (captured once, so every date of a "
          + "backfill reads the same messages).")
  @Default.String("")
  String getKafkaOffsets();

  void setKafkaOffsets(String value);

  @Description(
      "Comma-separated dates YYYY-MM-DD to (re)build; empty builds every date in the input.")
  @Default.String("")
  String getPartitions();

  void setPartitions(String value);
}
