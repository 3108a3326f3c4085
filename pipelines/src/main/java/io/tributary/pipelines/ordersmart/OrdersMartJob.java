package io.tributary.pipelines.ordersmart;

import io.tributary.pipelines.options.SourceKind;
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
 * Backfillable job = new OrdersMartJob();
 * job.validate(options); // parses OrdersMartSettings.of(options) once
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

  /**
   * Parses the options into the run's {@link OrdersMartSettings} (a bad value: one line naming the
   * option; with Kafka and no {@code --kafkaOffsets} the end offsets are captured now), then checks
   * what the environment must provide: the change logs, a writable output.
   */
  @Override
  public void validate(PipelineOptions options) throws UsageException {
    OrdersMartSettings s;
    try {
      s = OrdersMartSettings.of(options);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    if (s.source() == SourceKind.FILE) {
      IoChecks.requireInput("--orders", s.orders(), options);
      IoChecks.requireInput("--products", s.products(), options);
    }
    IoChecks.requireWritableDirectory("--output", s.output());
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
    OrdersMartSettings s = OrdersMartSettings.of(options);
    if (s.source() == SourceKind.KAFKA) {
      return "kafka://"
          + s.bootstrapServers()
          + "/"
          + s.ordersTopic()
          + ",kafka://"
          + s.bootstrapServers()
          + "/"
          + s.productsTopic();
    }
    return s.orders() + "," + s.products();
  }

  /** The two change logs (files or Kafka topics), each with the row schema of its table. */
  @Override
  public List<LineageDataset> lineageInputs(PipelineOptions options) {
    OrdersMartSettings s = OrdersMartSettings.of(options);
    if (s.source() == SourceKind.KAFKA) {
      // limit 0: String.split's default (trailing empty strings dropped), kept as before.
      String broker = s.bootstrapServers().split(",", 0)[0];
      return List.of(
          LineageDataset.kafka(broker, s.ordersTopic()).withSchema(OrdersMartPipeline.ORDER),
          LineageDataset.kafka(broker, s.productsTopic()).withSchema(OrdersMartPipeline.PRODUCT));
    }
    return List.of(
        LineageDataset.file(s.orders()).withSchema(OrdersMartPipeline.ORDER),
        LineageDataset.file(s.products()).withSchema(OrdersMartPipeline.PRODUCT));
  }

  /**
   * The lake datasets and dead letters, and with {@code --jdbcUrl} the PostgreSQL tables as {@code
   * postgres://host:port} + {@code database.public.table}, each with its schema.
   */
  @Override
  public List<LineageDataset> lineageOutputs(PipelineOptions options) {
    OrdersMartSettings s = OrdersMartSettings.of(options);
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
    if (!s.jdbcUrl().isEmpty()) {
      java.util.regex.Matcher m = JDBC.matcher(s.jdbcUrl());
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
    OrdersMartPipeline.build(pipeline, OrdersMartSettings.of(options));
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
    return OrdersMartPipeline.inputFingerprint(OrdersMartSettings.of(options));
  }
}
