package io.tributary.pipelines.ordersmart;

import io.tributary.pipelines.runtime.Backfillable;
import io.tributary.pipelines.runtime.IoChecks;
import io.tributary.pipelines.runtime.UsageException;
import io.tributary.transforms.cdc.Cdc;
import io.tributary.transforms.lineage.LineageDataset;
import io.tributary.transforms.metrics.RunAccounting;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.schemas.Schema;

/**
 * The {@code orders-mart} job as the command line runs it, and as {@code tributary backfill} runs
 * it one date partition at a time.
 *
 * <pre>{@code
 * tributary run orders-mart --orders=testdata/cdc/orders.jsonl --products=testdata/cdc/products.jsonl --output=/tmp/mart
 * tributary backfill orders-mart --from=2026-11-01 --to=2026-11-03 --orders=... --products=... --output=/tmp/mart
 * tributary run orders-mart --source=kafka --bootstrapServers=localhost:9092 --ordersTopic=orders \
 *     --productsTopic=products --output=/tmp/mart
 * }</pre>
 */
public final class OrdersMartJob implements Backfillable {
  @Override
  public String name() {
    return "orders-mart";
  }

  @Override
  public String summary() {
    return "Debezium orders + products change logs -> current orders, SCD2 history, daily revenue per category -> lake + PostgreSQL";
  }

  @Override
  public Class<? extends PipelineOptions> optionsClass() {
    return OrdersMartOptions.class;
  }

  @Override
  public void validate(PipelineOptions options) throws UsageException {
    OrdersMartOptions o = options.as(OrdersMartOptions.class);
    try {
      OrdersMartPipeline.partitions(o);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    if (!o.getJdbcUrl().isEmpty() && !o.getJdbcUrl().startsWith("jdbc:postgresql:")) {
      throw new UsageException(
          "--jdbcUrl: expected jdbc:postgresql://host:port/database, got '" + o.getJdbcUrl() + "'");
    }
    boolean kafka;
    try {
      kafka = OrdersMartPipeline.fromKafka(o);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    if (kafka) {
      for (String[] required :
          new String[][] {
            {"--bootstrapServers", o.getBootstrapServers()},
            {"--ordersTopic", o.getOrdersTopic()},
            {"--productsTopic", o.getProductsTopic()}
          }) {
        if (required[1] == null || required[1].isBlank()) {
          throw new UsageException(required[0] + ": required with --source=kafka");
        }
      }
      try {
        OrdersMartPipeline.kafkaOffsets(
            o); // parses --kafkaOffsets, or captures the end offsets now
      } catch (IllegalArgumentException | org.apache.kafka.common.KafkaException e) {
        throw new UsageException(e.getMessage());
      }
    } else {
      IoChecks.requireInput("--orders", o.getOrders(), options);
      IoChecks.requireInput("--products", o.getProducts(), options);
    }
    try {
      io.tributary.pipelines.runtime.RecordLimitsOptions.limits(o, null);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    IoChecks.requireWritableDirectory("--output", o.getOutput());
  }

  @Override
  public String outputDirectory(PipelineOptions options) {
    return options.as(OrdersMartOptions.class).getOutput();
  }

  /**
   * The run-scoped outputs only: the lake's partitions and the served tables are replaced partition
   * by partition by their sinks, so a run into a lake that holds other dates is normal.
   */
  @Override
  public List<String> runOutputs(PipelineOptions options) {
    String out = outputDirectory(options);
    String sep = out.endsWith("/") ? "" : "/";
    return List.of(
        deadLetterDir(out),
        out + sep + "_run_summary.json",
        out + sep + "_run_report.html",
        out + sep + "_openlineage.jsonl");
  }

  @Override
  public String input(PipelineOptions options) {
    OrdersMartOptions o = options.as(OrdersMartOptions.class);
    if ("kafka".equals(o.getSource())) {
      return "kafka://"
          + o.getBootstrapServers()
          + "/"
          + o.getOrdersTopic()
          + ",kafka://"
          + o.getBootstrapServers()
          + "/"
          + o.getProductsTopic();
    }
    return o.getOrders() + "," + o.getProducts();
  }

  /** The two change logs (files or Kafka topics), each with the row schema of its table. */
  @Override
  public List<LineageDataset> lineageInputs(PipelineOptions options) {
    OrdersMartOptions o = options.as(OrdersMartOptions.class);
    if ("kafka".equals(o.getSource())) {
      String broker = o.getBootstrapServers().split(",")[0];
      return List.of(
          LineageDataset.kafka(broker, o.getOrdersTopic()).withSchema(OrdersMartPipeline.ORDER),
          LineageDataset.kafka(broker, o.getProductsTopic())
              .withSchema(OrdersMartPipeline.PRODUCT));
    }
    return List.of(
        LineageDataset.file(o.getOrders()).withSchema(OrdersMartPipeline.ORDER),
        LineageDataset.file(o.getProducts()).withSchema(OrdersMartPipeline.PRODUCT));
  }

  /**
   * The lake datasets and dead letters, and with {@code --jdbcUrl} the PostgreSQL tables as {@code
   * postgres://host:port} + {@code database.public.table}, each with its schema.
   */
  @Override
  public List<LineageDataset> lineageOutputs(PipelineOptions options) {
    OrdersMartOptions o = options.as(OrdersMartOptions.class);
    String out = outputDirectory(options);
    Schema history = Cdc.historySchema(OrdersMartPipeline.ORDER, List.of("order_id"));
    List<LineageDataset> outputs =
        new ArrayList<>(
            List.of(
                LineageDataset.file(OrdersMartPipeline.lakeRoot(out, "orders"))
                    .withSchema(OrdersMartPipeline.ORDER),
                LineageDataset.file(OrdersMartPipeline.lakeRoot(out, "orders_history"))
                    .withSchema(history),
                LineageDataset.file(OrdersMartPipeline.lakeRoot(out, "daily_category_revenue"))
                    .withSchema(OrdersMartPipeline.MART),
                LineageDataset.file(deadLetterDir(out))));
    if (!o.getJdbcUrl().isEmpty()) {
      java.util.regex.Matcher m = JDBC.matcher(o.getJdbcUrl());
      if (m.matches()) {
        String hostPort = m.group(1).contains(":") ? m.group(1) : m.group(1) + ":5432";
        String db = m.group(2);
        outputs.add(
            LineageDataset.postgres(hostPort, db + ".public.products")
                .withSchema(OrdersMartPipeline.PRODUCT));
        outputs.add(
            LineageDataset.postgres(hostPort, db + ".public.orders")
                .withSchema(OrdersMartPipeline.ORDER));
        outputs.add(
            LineageDataset.postgres(hostPort, db + ".public.orders_history").withSchema(history));
        outputs.add(
            LineageDataset.postgres(hostPort, db + ".public.daily_category_revenue")
                .withSchema(OrdersMartPipeline.MART));
      }
    }
    return outputs;
  }

  private static final java.util.regex.Pattern JDBC =
      java.util.regex.Pattern.compile("jdbc:postgresql://([^/?]+)/([^/?]+)(\\?.*)?");

  private static String deadLetterDir(String out) {
    return out.endsWith("/") ? out + "dead-letter" : out + "/dead-letter";
  }

  @Override
  public Map<LineageDataset, Long> outputRowCounts(
      PipelineOptions options, RunAccounting accounting) {
    return Map.of(
        LineageDataset.file(deadLetterDir(outputDirectory(options))), accounting.deadLettered());
  }

  @Override
  public void build(Pipeline pipeline, PipelineOptions options) {
    OrdersMartPipeline.build(pipeline, options.as(OrdersMartOptions.class));
  }

  /** Lake dataset roots whose {@code _SUCCESS} markers say a date is complete. */
  @Override
  public List<String> datasetRoots(PipelineOptions options) {
    String output = outputDirectory(options);
    return OrdersMartPipeline.DATASETS.stream()
        .map(d -> OrdersMartPipeline.lakeRoot(output, d))
        .collect(java.util.stream.Collectors.toList());
  }

  /** Sets the dates a run (re)builds. */
  @Override
  public void setPartitions(PipelineOptions options, List<String> dates) {
    options.as(OrdersMartOptions.class).setPartitions(String.join(",", dates));
  }

  /** The input fingerprint stored in markers. */
  @Override
  public String inputFingerprint(PipelineOptions options) {
    return OrdersMartPipeline.inputFingerprint(options.as(OrdersMartOptions.class));
  }
}
