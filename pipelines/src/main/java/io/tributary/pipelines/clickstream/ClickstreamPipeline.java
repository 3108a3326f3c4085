package io.tributary.pipelines.clickstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.io.deadletter.DeadLetterFiles;
import io.tributary.io.files.FileSource;
import io.tributary.io.files.JsonLinesFiles;
import io.tributary.io.files.WindowPartitionedFiles;
import io.tributary.io.formats.ReadRows;
import io.tributary.io.kafka.KafkaRows;
import io.tributary.io.schema.SchemaRegistry;
import io.tributary.transforms.dedup.Dedup;
import io.tributary.transforms.json.RowJsonText;
import io.tributary.transforms.time.EventTime;
import io.tributary.transforms.validate.RowRule;
import io.tributary.transforms.validate.Validate;
import io.tributary.transforms.windowing.PaneMetadata;
import io.tributary.transforms.windowing.WindowSpec;
import io.tributary.transforms.windowing.WindowedResult;
import io.tributary.transforms.windowing.Windowing;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;

/**
 * The clickstream pipeline: read JSON lines, decode against the {@code ClickEvent} contract,
 * validate, deduplicate by {@code event_id}, window by event time and aggregate per window.
 *
 * <p>Outputs under {@code --output}: {@code aggregates/dt=YYYY-MM-DD/hour=HH/*.jsonl} (one line per
 * window and pane, with the pane's timing, index and finality so sinks can upsert), {@code
 * dead-letter/dead-letters-*.jsonl} (one line per rejected input) and {@code late/late-*.jsonl}
 * (one line per event later than the window spec's allowed lateness: the event's fields plus {@code
 * missed_window_start}, {@code missed_window_end}, {@code watermark_at_arrival}, {@code
 * late_by_ms}; counted as too-late in the run accounting).
 *
 * <pre>{@code
 * Pipeline p = Pipeline.create(options);
 * ClickstreamPipeline.build(p, ClickstreamSettings.of(options));
 * p.run().waitUntilFinish();
 * }</pre>
 */
public final class ClickstreamPipeline {
  /** The contract's subject in the schema registry (runners-config/schemas, bundled in the jar). */
  public static final String SUBJECT = "clickstream-event";

  /**
   * Contract of one event: the Beam schema of the newest registered version of {@link #SUBJECT}.
   */
  public static final Schema EVENT_SCHEMA = SchemaRegistry.bundled().latest(SUBJECT).beamSchema();

  private ClickstreamPipeline() {}

  /** Where a build writes. */
  public static String aggregatesDir(String output) {
    return join(output, "aggregates");
  }

  /** Where a build writes events that were later than the allowed lateness. */
  public static String lateDir(String output) {
    return join(output, "late");
  }

  /** Parses the {@code --window} option; the message names the option and the bad part. */
  public static WindowSpec windowSpec(String text) {
    try {
      return WindowSpec.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--window: " + e.getMessage(), e);
    }
  }

  /**
   * The fixed event-time windows quality metrics are computed over: the window size of a fixed or
   * sliding spec, one hour for session and global windows (whose extent depends on the data).
   */
  static Duration qualityWindowSize(WindowSpec window) {
    return window.size() != null && window.kind() != WindowSpec.Kind.SESSION
        ? window.size()
        : Duration.standardHours(1);
  }

  /** Where a build writes its dead letters. */
  public static String deadLetterDir(String output) {
    return join(output, "dead-letter");
  }

  /**
   * Adds the clickstream stages to {@code pipeline}. Parses the options first ({@link
   * ClickstreamSettings#of}), so a bad option fails before anything is built, with a message that
   * names it.
   */
  public static void build(Pipeline pipeline, ClickstreamOptions options) {
    build(pipeline, ClickstreamSettings.of(options));
  }

  /** Adds the clickstream stages to {@code pipeline}, as {@code settings} say. */
  public static void build(Pipeline pipeline, ClickstreamSettings settings) {
    WindowSpec window = settings.window();
    Duration ttl = settings.dedupTtl();
    List<String> currencies = settings.currencies();

    BadRecordErrorHandler<?> deadLetters =
        pipeline.registerBadRecordErrorHandler(
            DeadLetterFiles.to(deadLetterDir(settings.output()))
                .withProtection(settings.protection()));

    Validate validate =
        Validate.rows()
            .withRule(RowRule.atLeast("price", BigDecimal.ZERO).withReason("negative_price"))
            .withRule(RowRule.oneOf("currency", currencies).withReason("unknown_currency"))
            .withBadRecordErrorHandler(deadLetters);
    PCollection<Row> events =
        readValidEvents(pipeline, settings, deadLetters, validate)
            .apply("Quality", ClickstreamQuality.stage(settings, qualityWindowSize(window)))
            // Personal data is protected here, before any output (late, Kafka, files) sees it.
            // Event time is set in the same step (one serialization boundary fewer on Flink), so
            // an out-of-range row's dead letter is the protected row.
            .apply(
                "Protect",
                ClickstreamPrivacy.protect(settings, deadLetters)
                    .withEventTime(
                        EventTime.fromField("event_time")
                            .withLimits(settings.limits())
                            .withBadRecordErrorHandler(deadLetters)));

    // --dedup=false: no Dedup stage; the sinks then see exactly what the source delivers, which is
    // what the no-Dedup restore drills check (docs/operations.md).
    PCollection<Row> unique =
        settings.dedup()
            ? events
                .apply(
                    "Dedup",
                    Dedup.<Row>byField("event_id")
                        .withTtl(ttl)
                        // Duplicates are counted, never written: one output (chained on Flink).
                        .withoutDuplicatesOutput()
                        .withBuckets(settings.dedupBuckets()))
                .output()
            : events;

    if (settings.sinkTopic() != null) {
      // Before windowing: every unique event leaves once, whatever the window spec says about
      // lateness.
      unique.apply(
          "WriteEventsKafka",
          KafkaRows.write()
              .withBootstrapServers(settings.bootstrapServers())
              .withTopic(settings.sinkTopic())
              .withSchema(settings.contract())
              .withPayloadFormat(settings.payloadFormat())
              .withKeyField("event_id")
              .withExactlyOnce(settings.sinkShards(), settings.sinkGroupId()));
    }

    WindowedResult<Row> windowed =
        unique.apply(
            "Window", Windowing.<Row>of(window).withRouterBuckets(settings.routerBuckets()));
    windowed
        .output()
        .apply("Aggregate", Combine.globally(new ClickAggregate.Fn()).withoutDefaults())
        .apply("FormatJson", ParDo.of(new FormatFn()))
        .apply("WriteAggregates", WindowPartitionedFiles.to(aggregatesDir(settings.output())));

    windowed
        .tooLate()
        .apply("LateToJson", MapElements.into(TypeDescriptors.strings()).via(RowJsonText::render))
        .apply("WriteLate", lateFiles(lateDir(settings.output())));

    deadLetters.close();
  }

  /**
   * The source part: decoded events from a file, a watched directory or a Kafka topic, each counted
   * in {@code tributary/read}, undecodable ones to {@code deadLetters}, then checked by {@code
   * validate}. The one switch on the source kind. Records are decoded and validated in one step
   * ({@link ReadRows#withValidation}, {@link KafkaRows.Read#withValidation}): on Flink one
   * serialization boundary fewer for files read in batch, one copy of each row fewer when
   * streaming.
   */
  static PCollection<Row> readValidEvents(
      Pipeline pipeline,
      ClickstreamSettings settings,
      BadRecordErrorHandler<?> deadLetters,
      Validate validate) {
    FileSource files;
    switch (settings.source()) {
      case KAFKA:
        KafkaRows.Read read =
            KafkaRows.read()
                .withBootstrapServers(settings.bootstrapServers())
                .withTopic(settings.topic())
                .withSubject(settings.registry(), SUBJECT)
                .withPayloadFormat(settings.payloadFormat())
                .withConsumerGroup(settings.consumerGroup())
                .withBadRecordErrorHandler(deadLetters);
        if (settings.maxRecords() != null) {
          read = read.withMaxNumRecords(settings.maxRecords());
        }
        read =
            settings.kafkaWatermark() == null
                ? read.withWatermarkHeld()
                : read.withMaxDelay(settings.kafkaWatermark());
        return pipeline.apply("ReadKafka", read.withValidation(validate));
      case WATCH:
        files =
            FileSource.watch(settings.input())
                .withPollInterval(settings.pollInterval())
                .withWatermarkPolicy(settings.watchWatermark());
        if (settings.stopAfterIdle() != null) {
          files = files.withStopAfterIdle(settings.stopAfterIdle());
        }
        if (settings.markers() != null) {
          files = files.withProcessedFileMarkers(settings.markers());
        }
        break;
      case FILE:
        files = FileSource.glob(settings.input());
        break;
      default:
        throw new IllegalStateException("unsupported source " + settings.source());
    }
    return pipeline
        .apply("Files", files)
        .apply(
            "Decode",
            ReadRows.of(settings.format(), settings.contract())
                .withBadRecordErrorHandler(deadLetters)
                .withValidation(validate));
  }

  /**
   * JSON lines under {@code directory}: one file for a bounded run; for an unbounded run, files per
   * minute of processing time (late records are behind the watermark by definition, so an
   * event-time window here would drop them again).
   */
  static PTransform<PCollection<String>, PCollection<String>> lateFiles(String directory) {
    return JsonLinesFiles.to(directory).withPrefix("late");
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
        @Element ClickAggregate agg,
        BoundedWindow window,
        PaneInfo pane,
        OutputReceiver<String> out)
        throws IOException {
      PaneMetadata meta = PaneMetadata.of(window, pane);
      ObjectNode node = mapper.createObjectNode();
      node.put(
          "window_start",
          meta.windowStart() == null
              ? null
              : java.time.Instant.ofEpochMilli(meta.windowStart().getMillis()).toString());
      node.put(
          "window_end",
          meta.windowEnd() == null
              ? null
              : java.time.Instant.ofEpochMilli(meta.windowEnd().getMillis()).toString());
      node.put("events", agg.events());
      ObjectNode byType = node.putObject("events_by_type");
      agg.eventsByType().forEach(byType::put);
      ObjectNode revenue = node.putObject("revenue_by_currency");
      agg.revenueByCurrency()
          .forEach((currency, sum) -> revenue.put(currency, sum.toPlainString()));
      node.put("distinct_users", agg.distinctUsers());
      ObjectNode paneNode = node.putObject("pane");
      paneNode.put("timing", meta.timing());
      paneNode.put("index", meta.index());
      paneNode.put("final", meta.isFinal());
      out.output(mapper.writeValueAsString(node));
    }
  }

  private static String join(String dir, String child) {
    return dir.endsWith("/") ? dir + child : dir + "/" + child;
  }
}
