package io.tributary.pipelines.ordersmart;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/**
 * Options of the {@code orders-mart} pipeline.
 *
 * <pre>{@code
 * tributary run orders-mart --orders=testdata/cdc/orders.jsonl --products=testdata/cdc/products.jsonl \
 *     --output=/tmp/mart --jdbcUrl=jdbc:postgresql://localhost:5432/shop
 * tributary run orders-mart --source=kafka --bootstrapServers=localhost:9092 \
 *     --ordersTopic=shop.public.orders --productsTopic=shop.public.products --output=/tmp/mart
 * }</pre>
 */
public interface OrdersMartOptions
    extends PipelineOptions, io.tributary.pipelines.runtime.RecordLimitsOptions {
  @Description(
      "Where the change logs come from: file (--orders, --products) or kafka (--ordersTopic, "
          + "--productsTopic, replayed up to the end offsets seen at start).")
  @Default.String("file")
  String getSource();

  void setSource(String value);

  @Description(
      "--source=file: orders change log, Debezium JSON envelopes, one per line (file or glob).")
  String getOrders();

  void setOrders(String value);

  @Description(
      "--source=file: products change log, Debezium JSON envelopes, one per line (file or glob).")
  String getProducts();

  void setProducts(String value);

  @Description("--source=kafka: bootstrap servers, host:port[,host:port].")
  String getBootstrapServers();

  void setBootstrapServers(String value);

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

  @Description("Output directory: lake/ (Avro partitions), dead-letter/ and _run_summary.json.")
  @Validation.Required
  String getOutput();

  void setOutput(String value);

  @Description("PostgreSQL JDBC URL to serve the tables to; empty writes the lake only.")
  @Default.String("")
  String getJdbcUrl();

  void setJdbcUrl(String value);

  @Description("PostgreSQL user.")
  @Default.String("postgres")
  String getJdbcUser();

  void setJdbcUser(String value);

  @Description("PostgreSQL password (prefer the PGPASSWORD environment variable).")
  @Default.String("")
  String getJdbcPassword();

  void setJdbcPassword(String value);

  @Description(
      "Comma-separated dates YYYY-MM-DD to (re)build; empty builds every date in the input.")
  @Default.String("")
  String getPartitions();

  void setPartitions(String value);
}
