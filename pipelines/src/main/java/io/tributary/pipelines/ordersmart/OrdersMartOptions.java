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
 * }</pre>
 */
public interface OrdersMartOptions extends PipelineOptions {
  @Description("Orders change log: Debezium JSON envelopes, one per line (file or glob).")
  @Validation.Required
  String getOrders();

  void setOrders(String value);

  @Description("Products change log: Debezium JSON envelopes, one per line (file or glob).")
  @Validation.Required
  String getProducts();

  void setProducts(String value);

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

  @Description("Comma-separated dates YYYY-MM-DD to (re)build; empty builds every date in the input.")
  @Default.String("")
  String getPartitions();

  void setPartitions(String value);
}
