package io.tributary.io.kafka;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.io.deadletter.DeadLetterFiles;
import io.tributary.io.schema.RegisteredSchema;
import io.tributary.io.schema.SchemaRegistry;
import io.tributary.testing.Counters;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.expr.FilterRows;
import io.tributary.transforms.expr.MapFields;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.metrics.StageGraph;
import io.tributary.transforms.privacy.PrivacyPolicy;
import io.tributary.transforms.privacy.Protect;
import io.tributary.transforms.stages.RecordFnChain;
import io.tributary.transforms.stages.RecordStages;
import io.tributary.transforms.time.EventTime;
import io.tributary.transforms.validate.RowRule;
import io.tributary.transforms.validate.Validate;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Event time and validation in the Kafka source's decoding step ({@code
 * KafkaRows.read().withEventTimeField(..).withValidation(..)}): each message passes decoding, event
 * time, then the rules, and each stage keeps its name and rejections; an event time outside the
 * limits is a dead letter of the event-time stage, not a failed run. On records built in memory (no
 * broker); {@code ClickstreamKafkaIT} runs the fused source against a broker.
 */
@RunWith(JUnit4.class)
public class KafkaRowsFusedStagesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  private static final long T = 1_793_523_600_000L; // 2026-11-01T09:00:00Z

  /** An Avro message of the newest contract, at {@code eventTime} with {@code price}. */
  private static KafkaRecord<byte[], byte[]> message(
      RegisteredSchema contract, long offset, long eventTime, String price) {
    GenericRecord e = KafkaRowsIT.event(contract.schema(), (int) offset);
    e.put("event_time", eventTime);
    e.put("price", ByteBuffer.wrap(new BigDecimal(price).unscaledValue().toByteArray()));
    return KafkaRowsLimitsTest.record(offset, ConfluentWireFormat.encode(contract, e));
  }

  private static Validate priceRule(BadRecordErrorHandler<?> handler) {
    return Validate.rows()
        .withRule(RowRule.atLeast("price", BigDecimal.ZERO).withReason("negative_price"))
        .withBadRecordErrorHandler(handler);
  }

  @Test
  public void eachMessagePassesDecodeThenEventTimeThenTheRulesInOneStep() throws Exception {
    Path out = tmp.newFolder("dl").toPath();
    SchemaRegistry registry = SchemaRegistry.bundled();
    RegisteredSchema contract = registry.latest("clickstream-event");
    BadRecordErrorHandler<?> handler =
        p.registerBadRecordErrorHandler(DeadLetterFiles.to(out.toString()));
    // Years 0001-9999 by default; 10^15 ms is in the year 33658, which Beam can carry as a
    // timestamp only up to 294247: out of the limits' range, not of Beam's.
    long farFuture = 1_000_000_000_000_000L;
    KafkaRows.Read read =
        KafkaRows.read()
            .withBadRecordErrorHandler(handler)
            .withEventTimeField("event_time")
            .withValidation(priceRule(handler));
    PCollection<Row> rows =
        decoded(
            contract,
            read,
            handler,
            message(contract, 1, T + 1_000, "10.50"), // passes all three
            message(contract, 2, T + 2_000, "-1.00"), // the rules reject it
            message(contract, 3, farFuture, "10.50"), // event time rejects it
            message(contract, 4, farFuture, "-1.00"), // event time first
            KafkaRowsLimitsTest.record(
                5, "{\"event_id\":\"e-5\"}".getBytes(StandardCharsets.UTF_8)));
    PAssert.that(rows.apply(ParDo.of(new IdAtTimestamp())))
        .containsInAnyOrder("e-0000001@" + new Instant(T + 1_000));
    p.run().waitUntilFinish();
    assertThat(
        rejected(out),
        equalTo(
            List.of(
                "e-0000002 validate/negative_price",
                "e-0000003 event_time/out_of_range",
                "e-0000004 event_time/out_of_range",
                "offset 5 decode/not_wire_format")));
  }

  /**
   * {@code records} through the source's decoding step as {@code read} builds it (its limits, its
   * event time and stages), outside a pipeline's Kafka read; closes {@code handler}.
   */
  @SafeVarargs
  private final PCollection<Row> decoded(
      RegisteredSchema contract,
      KafkaRows.Read read,
      BadRecordErrorHandler<?> handler,
      KafkaRecord<byte[], byte[]>... records) {
    RecordFnChain chain = read.chain(contract.beamSchema());
    PCollectionTuple result =
        p.apply(Create.of(List.of(records)).withCoder(KafkaRowsLimitsTest.RECORD_CODER))
            .apply(
                ParDo.of(
                        new KafkaRows.DecodeFn(
                                SchemaRegistry.bundled(),
                                contract,
                                PayloadFormat.AVRO,
                                "decode",
                                RecordLimits.defaults(),
                                BadRecordRouter.RECORDING_ROUTER)
                            .running(chain))
                    .withOutputTags(
                        KafkaRows.ROWS, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    DeadLetters.register(handler, result);
    handler.close();
    return result.get(KafkaRows.ROWS).setRowSchema(chain.outputSchema());
  }

  /** "event_id stage/reason" of each dead letter in {@code out} ("offset N" when undecoded). */
  private static List<String> rejected(Path out) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    List<String> rejected = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("dead-letters-00000-of-00001.jsonl"))) {
      JsonNode dl = mapper.readTree(line);
      String payload = dl.get("payload").asText();
      String id =
          payload.startsWith("{\"event_id\"")
              ? mapper.readTree(payload).get("event_id").asText()
              : "offset " + mapper.readTree(payload).get("offset").asText();
      rejected.add(id + " " + dl.get("stage").asText() + "/" + dl.get("reason").asText());
    }
    rejected.sort(null);
    return rejected;
  }

  /** "event_id@timestamp" of each row. */
  static final class IdAtTimestamp extends DoFn<Row, String> {
    @ProcessElement
    public void process(@Element Row row, @Timestamp Instant ts, OutputReceiver<String> out) {
      out.output(row.getString("event_id") + "@" + ts);
    }
  }

  /** The Kafka source of the clicks (never run: the graph tests only build it). */
  private static KafkaRows.Read clicks() {
    return KafkaRows.read()
        .withBootstrapServers("localhost:9092")
        .withTopic("clicks")
        .withSubject(SchemaRegistry.bundled(), "clickstream-event");
  }

  /** A pipeline that reads with the source {@code source} makes for its dead-letter handler. */
  private Pipeline readingClicks(
      java.util.function.Function<BadRecordErrorHandler<?>, KafkaRows.Read> source) {
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    BadRecordErrorHandler<?> handler =
        pipeline.registerBadRecordErrorHandler(DeadLetterFiles.to(tmp.getRoot().toString()));
    pipeline.apply("ReadClicks", source.apply(handler));
    handler.close();
    return pipeline;
  }

  @Test
  public void theSourceAccountsForThreeStagesInOneStep() {
    Pipeline pipeline =
        readingClicks(
            handler ->
                clicks()
                    .withStageName("clicks")
                    .withEventTimeField("event_time")
                    .withBadRecordErrorHandler(handler)
                    .withValidation(priceRule(handler)));

    StageGraph graph = StageGraph.of(pipeline);
    List<String> names = new ArrayList<>();
    graph.stages().forEach(s -> names.add(s.name()));
    assertThat(names, equalTo(List.of("clicks", "clicks_event_time", "validate")));
    assertThat(graph.stage("clicks_event_time").feeders(), equalTo(Set.of("clicks")));
    assertThat(graph.stage("validate").feeders(), equalTo(Set.of("clicks_event_time")));
    // One step: no step of EventTime's or Validate's own.
    List<String> ownSteps = new ArrayList<>();
    pipeline.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            if (node.getFullName().contains("AssignEventTime")
                || node.getFullName().contains("CheckRules")) {
              ownSteps.add(node.getFullName());
            }
          }
        });
    assertThat(ownSteps, empty());
  }

  /** Validate, MapFields, FilterRows and Protect: a run of four per-row stages. */
  private static RecordStages fourStages(BadRecordErrorHandler<?> handler) {
    return RecordStages.of(
        priceRule(handler),
        MapFields.of(Map.of("label", "event_id.upperAscii()"))
            .withAppend(true)
            .withStageName("label")
            .withBadRecordErrorHandler(handler),
        FilterRows.where("event_type == 'page_view'").withBadRecordErrorHandler(handler),
        Protect.with(PrivacyPolicy.of(Map.of("email", "drop"))).withBadRecordErrorHandler(handler));
  }

  @Test
  public void withStagesRunsEventTimeAndFourStagesInTheDecodingStep() throws Exception {
    Path out = tmp.newFolder("dl").toPath();
    SchemaRegistry registry = SchemaRegistry.bundled();
    RegisteredSchema contract = registry.latest("clickstream-event");
    BadRecordErrorHandler<?> handler =
        p.registerBadRecordErrorHandler(DeadLetterFiles.to(out.toString()));
    KafkaRows.Read read =
        KafkaRows.read()
            .withBadRecordErrorHandler(handler)
            .withEventTimeField("event_time")
            .withStages(fourStages(handler));
    PCollection<Row> rows =
        decoded(
            contract,
            read,
            handler,
            message(contract, 1, T + 1_000, "10.50"), // page_view: passes all
            message(contract, 2, T + 2_000, "10.50"), // purchase: filtered out
            message(contract, 3, T + 3_000, "-1.00"), // the rules reject it
            message(contract, 5, 1_000_000_000_000_000L, "10.50"), // event time rejects it
            KafkaRowsLimitsTest.record(
                7, "{\"event_id\":\"e-7\"}".getBytes(StandardCharsets.UTF_8)));
    PAssert.that(rows.apply(ParDo.of(new Shown())))
        .containsInAnyOrder(
            "e-0000001 E-0000001 [event_id, user_id, event_type, product_id, price, currency,"
                + " event_time, ip, user_agent, label] @"
                + new Instant(T + 1_000));
    PipelineResult run = p.run();
    run.waitUntilFinish();

    Map<String, Long> counts = new TreeMap<>();
    for (String stage : List.of("decode", "event_time", "validate", "label", "filter", "protect")) {
      for (String suffix : List.of(StageCounters.IN, StageCounters.OUT)) {
        String name = StageCounters.counterName(stage, suffix);
        counts.put(name, Counters.get(run, name));
      }
    }
    assertThat(
        counts,
        equalTo(
            new TreeMap<>(
                Map.ofEntries(
                    Map.entry("stage.decode.in", 5L),
                    Map.entry("stage.decode.out", 4L),
                    Map.entry("stage.event_time.in", 4L),
                    Map.entry("stage.event_time.out", 3L),
                    Map.entry("stage.validate.in", 3L),
                    Map.entry("stage.validate.out", 2L),
                    Map.entry("stage.label.in", 2L),
                    Map.entry("stage.label.out", 2L),
                    Map.entry("stage.filter.in", 2L),
                    Map.entry("stage.filter.out", 1L),
                    Map.entry("stage.protect.in", 1L),
                    Map.entry("stage.protect.out", 1L)))));
    assertThat(
        rejected(out),
        equalTo(
            List.of(
                "e-0000003 validate/negative_price",
                "e-0000005 event_time/out_of_range",
                "offset 7 decode/not_wire_format")));
  }

  /** "event_id label fields @timestamp" of each row. */
  static final class Shown extends DoFn<Row, String> {
    @ProcessElement
    public void process(@Element Row row, @Timestamp Instant ts, OutputReceiver<String> out) {
      out.output(
          row.getString("event_id")
              + " "
              + row.getString("label")
              + " "
              + row.getSchema().getFieldNames()
              + " @"
              + ts);
    }
  }

  @Test
  public void aSourceWithStagesAccountsForEachInOneStep() {
    Pipeline pipeline =
        readingClicks(
            handler -> clicks().withBadRecordErrorHandler(handler).withStages(fourStages(handler)));
    StageGraph graph = StageGraph.of(pipeline);
    List<String> names = new ArrayList<>();
    graph.stages().forEach(s -> names.add(s.name()));
    assertThat(names, equalTo(List.of("decode", "validate", "label", "filter", "protect")));
    assertThat(graph.stage("protect").feeders(), equalTo(Set.of("filter")));
  }

  @Test
  public void stagesNamedAsTheSourceOrItsEventTimeAreRefused() {
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    BadRecordErrorHandler<?> handler =
        pipeline.registerBadRecordErrorHandler(DeadLetterFiles.to(tmp.getRoot().toString()));
    KafkaRows.Read read = KafkaRows.read().withBadRecordErrorHandler(handler);
    IllegalArgumentException source =
        assertThrows(
            IllegalArgumentException.class,
            () -> read.withValidation(priceRule(handler).withStageName("decode")));
    assertThat(
        source.getMessage(),
        containsString(
            "KafkaRows.read().withValidation: two stages share the stage name 'decode'"));
    IllegalArgumentException eventTime =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                read.withEventTimeField("event_time")
                    .withStages(
                        RecordStages.of(
                            EventTime.fromField("event_time").withBadRecordErrorHandler(handler))));
    assertThat(
        eventTime.getMessage(),
        containsString(
            "KafkaRows.read().withStages: two stages share the stage name 'event_time'"));
    // Without an event-time field, an EventTime stage of that name is the only one.
    read.withStages(
        RecordStages.of(EventTime.fromField("event_time").withBadRecordErrorHandler(handler)));
    handler.close();
  }

  @Test
  public void validationWithAnotherHandlerIsRefusedNamingTheCall() {
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    BadRecordErrorHandler<?> one =
        pipeline.registerBadRecordErrorHandler(DeadLetterFiles.to(tmp.getRoot().toString()));
    BadRecordErrorHandler<?> other =
        pipeline.registerBadRecordErrorHandler(DeadLetterFiles.to(tmp.getRoot().toString()));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> KafkaRows.read().withBadRecordErrorHandler(one).withValidation(priceRule(other)));
    assertThat(
        e.getMessage(),
        containsString(
            "KafkaRows.read().withValidation: stages 'decode' and 'validate' must send rejections"
                + " to the same handler"));
  }
}
