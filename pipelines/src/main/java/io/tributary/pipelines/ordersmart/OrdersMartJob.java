package io.tributary.pipelines.ordersmart;

import io.tributary.pipelines.runtime.Backfillable;
import io.tributary.pipelines.runtime.IoChecks;

import io.tributary.pipelines.runtime.UsageException;
import io.tributary.transforms.lineage.LineageDataset;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The {@code orders-mart} job as the command line runs it, and as {@code tributary backfill} runs it
 * one date partition at a time.
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
      throw new UsageException("--jdbcUrl: expected jdbc:postgresql://host:port/database, got '" + o.getJdbcUrl() + "'");
    }
    boolean kafka;
    try {
      kafka = OrdersMartPipeline.fromKafka(o);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    if (kafka) {
      for (String[] required : new String[][] {{"--bootstrapServers", o.getBootstrapServers()},
          {"--ordersTopic", o.getOrdersTopic()}, {"--productsTopic", o.getProductsTopic()}}) {
        if (required[1] == null || required[1].isBlank()) {
          throw new UsageException(required[0] + ": required with --source=kafka");
        }
      }
      try {
        OrdersMartPipeline.kafkaOffsets(o); // parses --kafkaOffsets, or captures the end offsets now
      } catch (IllegalArgumentException | org.apache.kafka.common.KafkaException e) {
        throw new UsageException(e.getMessage());
      }
    } else {
      IoChecks.requireInput("--orders", o.getOrders(), options);
      IoChecks.requireInput("--products", o.getProducts(), options);
    }
    IoChecks.requireWritableDirectory("--output", o.getOutput());
  }

  @Override
  public String outputDirectory(PipelineOptions options) {
    return options.as(OrdersMartOptions.class).getOutput();
  }

  @Override
  public String input(PipelineOptions options) {
    OrdersMartOptions o = options.as(OrdersMartOptions.class);
    if ("kafka".equals(o.getSource())) {
      return "kafka://" + o.getBootstrapServers() + "/" + o.getOrdersTopic() + ",kafka://" + o.getBootstrapServers()
          + "/" + o.getProductsTopic();
    }
    return o.getOrders() + "," + o.getProducts();
  }

  @Override
  public List<LineageDataset> lineageInputs(PipelineOptions options) {
    OrdersMartOptions o = options.as(OrdersMartOptions.class);
    if ("kafka".equals(o.getSource())) {
      return List.of(LineageDataset.kafka(o.getBootstrapServers().split(",")[0], o.getOrdersTopic()),
          LineageDataset.kafka(o.getBootstrapServers().split(",")[0], o.getProductsTopic()));
    }
    return Backfillable.super.lineageInputs(options);
  }

  @Override
  public void build(Pipeline pipeline, PipelineOptions options) {
    OrdersMartPipeline.build(pipeline, options.as(OrdersMartOptions.class));
  }

  /** Lake dataset roots whose {@code _SUCCESS} markers say a date is complete. */
  @Override
  public List<String> datasetRoots(PipelineOptions options) {
    String output = outputDirectory(options);
    return OrdersMartPipeline.DATASETS.stream().map(d -> OrdersMartPipeline.lakeRoot(output, d))
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
