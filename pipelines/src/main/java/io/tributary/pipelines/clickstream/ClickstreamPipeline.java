package io.tributary.pipelines.clickstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.io.deadletter.DeadLetterFiles;
import io.tributary.io.files.WindowPartitionedFiles;
import io.tributary.io.files.FileSource;
import io.tributary.io.files.WatermarkPolicy;
import io.tributary.io.formats.FileFormat;
import io.tributary.io.formats.ReadRows;
import io.tributary.io.kafka.KafkaRows;
import io.tributary.io.kafka.PayloadFormat;
import io.tributary.io.schema.RegisteredSchema;
import io.tributary.io.schema.SchemaRegistry;
import io.tributary.transforms.dedup.Dedup;
import io.tributary.transforms.metrics.Counted;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.time.Durations;
import io.tributary.transforms.time.EventTime;
import io.tributary.transforms.validate.RowRule;
import io.tributary.transforms.validate.Validate;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;

/**
 * The clickstream pipeline: read JSON lines, decode against the {@code ClickEvent} contract,
 * validate, deduplicate by {@code event_id}, window by event time and aggregate per window.
 *
 * <p>Outputs under {@code --output}: {@code aggregates/dt=YYYY-MM-DD/hour=HH/*.jsonl} (one line per
 * window and pane) and {@code dead-letter/dead-letters-*.jsonl} (one line per rejected input).
 *
 * <pre>{@code
 * Pipeline p = Pipeline.create(options);
 * ClickstreamPipeline.build(p, options.as(ClickstreamOptions.class));
 * p.run().waitUntilFinish();
 * }</pre>
 */
public final class ClickstreamPipeline {
  /** The contract's subject in the schema registry (runners-config/schemas, bundled in the jar). */
  public static final String SUBJECT = "clickstream-event";

  /** Contract of one event: the Beam schema of the newest registered version of {@link #SUBJECT}. */
  public static final Schema EVENT_SCHEMA = SchemaRegistry.bundled().latest(SUBJECT).beamSchema();

  private ClickstreamPipeline() {}

  /** Where a build writes. */
  public static String aggregatesDir(String output) {
    return join(output, "aggregates");
  }

  /** Where a build writes its dead letters. */
  public static String deadLetterDir(String output) {
    return join(output, "dead-letter");
  }

  /**
   * Adds the clickstream stages to {@code pipeline}. Validates the options first, so a bad option
   * fails before anything is built, with a message that names it.
   */
  public static void build(Pipeline pipeline, ClickstreamOptions options) {
    Duration windowSize = Durations.parse(options.getWindowSize(), "--windowSize");
    Duration ttl = Durations.parse(options.getDedupTtl(), "--dedupTtl");
    List<String> currencies =
        Arrays.stream(options.getCurrencies().split(",")).map(String::trim).filter(s -> !s.isEmpty())
            .collect(Collectors.toList());
    if (currencies.isEmpty()) {
      throw new IllegalArgumentException("--currencies: expected a comma-separated list of ISO-4217 codes, got ''");
    }

    BadRecordErrorHandler<?> deadLetters =
        pipeline.registerBadRecordErrorHandler(DeadLetterFiles.to(deadLetterDir(options.getOutput())));

    PCollection<Row> events =
        readEvents(pipeline, options, deadLetters)
            .apply(
                "Validate",
                Validate.rows()
                    .withRule(RowRule.atLeast("price", BigDecimal.ZERO).withReason("negative_price"))
                    .withRule(RowRule.oneOf("currency", currencies).withReason("unknown_currency"))
                    .withBadRecordErrorHandler(deadLetters))
            .apply("Quality", ClickstreamQuality.stage(options, windowSize))
            .apply("EventTime", EventTime.fromField("event_time"));

    PCollection<Row> unique =
        events.apply("Dedup", Dedup.<Row>byField("event_id").withTtl(ttl)).output();

    unique
        .apply("Window", Window.<Row>into(FixedWindows.of(windowSize)))
        .apply("CountWritten", Counted.as(RunAccounting.WRITTEN))
        .apply("Aggregate", Combine.globally(new ClickAggregate.Fn()).withoutDefaults())
        .apply("FormatJson", ParDo.of(new FormatFn()))
        .apply("WriteAggregates", WindowPartitionedFiles.to(aggregatesDir(options.getOutput())));

    deadLetters.close();
  }

  /**
   * The source part: decoded events from a file, a watched directory or a Kafka topic, each counted
   * in {@code tributary/read}, undecodable ones to {@code deadLetters}.
   */
  static PCollection<Row> readEvents(Pipeline pipeline, ClickstreamOptions options, BadRecordErrorHandler<?> deadLetters) {
    SchemaRegistry registry = options.getRegistry() == null
        ? SchemaRegistry.bundled() : SchemaRegistry.open(java.nio.file.Path.of(options.getRegistry()));
    RegisteredSchema contract = registry.latest(SUBJECT);
    String source = options.getSource();
    if ("kafka".equals(source)) {
      KafkaRows.Read read = KafkaRows.read()
          .withBootstrapServers(options.getBootstrapServers())
          .withTopic(options.getTopic())
          .withSubject(registry, SUBJECT)
          .withPayloadFormat(PayloadFormat.parse(options.getPayloadFormat()))
          .withConsumerGroup(options.getConsumerGroup())
          .withBadRecordErrorHandler(deadLetters);
      if (options.getMaxRecords() != null) {
        read = read.withMaxNumRecords(options.getMaxRecords());
      }
      read = "held".equals(options.getKafkaWatermark())
          ? read.withWatermarkHeld()
          : read.withMaxDelay(Durations.parse(options.getKafkaWatermark(), "--kafkaWatermark"));
      return pipeline.apply("ReadKafka", read);
    }
    FileSource files;
    if ("watch".equals(source)) {
      files = FileSource.watch(options.getInput())
          .withPollInterval(Durations.parse(options.getPollInterval(), "--pollInterval"))
          .withWatermarkPolicy(watermarkPolicy(options.getWatchWatermark()));
      if (options.getStopAfterIdle() != null) {
        files = files.withStopAfterIdle(Durations.parse(options.getStopAfterIdle(), "--stopAfterIdle"));
      }
      if (options.getMarkers() != null) {
        files = files.withProcessedFileMarkers(options.getMarkers());
      }
    } else if ("file".equals(source)) {
      files = FileSource.glob(options.getInput());
    } else {
      throw new IllegalArgumentException("--source: expected file, watch or kafka, got '" + source + "'");
    }
    return pipeline
        .apply("Files", files)
        .apply("Decode", ReadRows.of(FileFormat.parse(options.getFormat()), contract).withBadRecordErrorHandler(deadLetters));
  }

  /** {@code held}, {@code arrival} or a lag such as {@code 5m}. */
  static WatermarkPolicy watermarkPolicy(String spec) {
    if ("held".equals(spec)) {
      return WatermarkPolicy.heldUntilStopped();
    }
    if ("arrival".equals(spec)) {
      return WatermarkPolicy.arrivalTime();
    }
    try {
      return WatermarkPolicy.arrivalTimeMinus(Durations.parse(spec, "--watchWatermark"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--watchWatermark: expected held, arrival or a lag like 5m, got '" + spec + "'");
    }
  }

  /** Renders an aggregate with its window and pane as one JSON line. */
  static final class FormatFn extends DoFn<ClickAggregate, String> {
    private transient ObjectMapper mapper;

    @Setup
    public void setup() {
      mapper = new ObjectMapper();
    }

    @ProcessElement
    public void process(
        @Element ClickAggregate agg, IntervalWindow window, PaneInfo pane, OutputReceiver<String> out)
        throws IOException {
      ObjectNode node = mapper.createObjectNode();
      node.put("window_start", java.time.Instant.ofEpochMilli(window.start().getMillis()).toString());
      node.put("window_end", java.time.Instant.ofEpochMilli(window.end().getMillis()).toString());
      node.put("events", agg.events());
      ObjectNode byType = node.putObject("events_by_type");
      agg.eventsByType().forEach(byType::put);
      ObjectNode revenue = node.putObject("revenue_by_currency");
      agg.revenueByCurrency().forEach((currency, sum) -> revenue.put(currency, sum.toPlainString()));
      node.put("distinct_users", agg.distinctUsers());
      ObjectNode paneNode = node.putObject("pane");
      paneNode.put("timing", timingOf(pane).name());
      paneNode.put("index", pane.getIndex());
      paneNode.put("final", pane.isLast());
      out.output(mapper.writeValueAsString(node));
    }
  }

  /**
   * The pane's timing, with one runner difference normalised. Beam's Flink runner translates a
   * bounded pipeline to Flink's batch API, which does not track panes: every window's single
   * result carries {@code PaneInfo.NO_FIRING} (timing UNKNOWN, first and last). In a bounded run a
   * window fires exactly once, after all of its input, which is what the Direct runner reports as
   * the ON_TIME pane; report it the same way so that outputs are identical on every runner.
   */
  static PaneInfo.Timing timingOf(PaneInfo pane) {
    if (pane.getTiming() == PaneInfo.Timing.UNKNOWN && pane.isFirst() && pane.isLast()) {
      return PaneInfo.Timing.ON_TIME;
    }
    return pane.getTiming();
  }

  private static String join(String dir, String child) {
    return dir.endsWith("/") ? dir + child : dir + "/" + child;
  }
}
