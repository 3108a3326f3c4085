package io.tributary.transforms.stages;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.tributary.testing.Counters;
import io.tributary.transforms.errors.Rejection;
import io.tributary.transforms.expr.FilterRows;
import io.tributary.transforms.expr.MapFields;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.metrics.StageGraph;
import io.tributary.transforms.time.EventTime;
import io.tributary.transforms.validate.RowRule;
import io.tributary.transforms.validate.Validate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Four record stages in one step give the rows, timestamps, dead letters and per-stage counts the
 * four transforms give applied one by one (both runners: {@code mvn verify} runs this class on the
 * Direct and the Flink runner), and the step is one {@code ParDo}.
 */
@RunWith(JUnit4.class)
public class RecordStagesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Schema READING =
      Schema.builder()
          .addStringField("id")
          .addDoubleField("temperature")
          .addStringField("unit")
          .addInt64Field("count")
          .addDateTimeField("ts")
          .build();

  private static final Instant MAX = Instant.parse("2030-01-01T00:00:00Z");

  private static Row reading(String id, double temperature, String unit, long count, String ts) {
    return Row.withSchema(READING)
        .addValues(id, temperature, unit, count, Instant.parse(ts).toDateTime())
        .build();
  }

  private static List<Row> input() {
    return List.of(
        reading("a", 68.0, "F", 2, "2026-11-02T08:00:00Z"), // 20 C, per_count 10: kept
        reading("b", 21.0, "C", 1, "2026-11-02T08:01:00Z"), // kept
        reading("c", 21.0, "K", 1, "2026-11-02T08:02:00Z"), // unknown unit: validate
        reading("d", 21.0, "C", 0, "2026-11-02T08:03:00Z"), // division by zero: derive
        reading("e", 1.0, "C", 1, "2026-11-02T08:04:00Z"), // per_count 1 <= 2: filtered
        reading("f", 30.0, "C", 3, "2031-01-01T00:00:00Z")); // out of range: event_time
  }

  private static List<RecordStage> stages(BadRecordErrorHandler<?> handler) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("temperature_c", "unit == 'F' ? (temperature - 32.0) * 5.0 / 9.0 : temperature");
    fields.put("per_count", "temperature / double(10 / count)");
    return List.of(
        Validate.rows()
            .withRule(RowRule.oneOf("unit", Set.of("C", "F")).withReason("unknown_unit"))
            .withStageName("validate")
            .withBadRecordErrorHandler(handler),
        MapFields.of(fields)
            .withAppend(true)
            .withStageName("derive")
            .withBadRecordErrorHandler(handler),
        FilterRows.where("per_count > 2.0")
            .withStageName("warm")
            .withBadRecordErrorHandler(handler),
        EventTime.fromField("ts")
            .withLimits(RecordLimits.defaults().withEventTimeRange(new Instant(0), MAX))
            .withStageName("event_time")
            .withBadRecordErrorHandler(handler));
  }

  private PCollection<Row> run(boolean fused, BadRecordErrorHandler<?> handler) {
    PCollection<Row> in = p.apply(Create.of(input()).withRowSchema(READING));
    List<RecordStage> stages = stages(handler);
    if (fused) {
      return in.apply("Prepare", RecordStages.of(stages));
    }
    PCollection<Row> rows = in;
    for (RecordStage s : stages) {
      @SuppressWarnings("unchecked")
      PTransform<PCollection<Row>, PCollection<Row>> t =
          (PTransform<PCollection<Row>, PCollection<Row>>) s;
      rows = rows.apply(s.stageName(), t);
    }
    return rows;
  }

  /** Each row as "id temperature_c per_count @timestamp". */
  private static PCollection<String> shown(PCollection<Row> rows) {
    return rows.apply(
        "Show",
        ParDo.of(
            new DoFn<Row, String>() {
              @ProcessElement
              public void process(
                  @Element Row r, @Timestamp Instant t, OutputReceiver<String> out) {
                out.output(
                    r.getString("id")
                        + " "
                        + r.getDouble("temperature_c")
                        + " "
                        + r.getDouble("per_count")
                        + " @"
                        + t);
              }
            }));
  }

  private void check(boolean fused) {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new Reasons());
    PCollection<Row> rows = run(fused, handler);
    handler.close();
    assertEquals(
        List.of("id", "temperature", "unit", "count", "ts", "temperature_c", "per_count"),
        rows.getSchema().getFieldNames());
    PAssert.that(shown(rows))
        .containsInAnyOrder(
            "a 20.0 13.6 @2026-11-02T08:00:00.000Z", "b 21.0 2.1 @2026-11-02T08:01:00.000Z");
    PAssert.that(handler.getOutput())
        .containsInAnyOrder(
            "validate/unknown_unit c", "derive/expression_error d", "event_time/out_of_range f");
    StageGraph graph = StageGraph.of(p);
    assertEquals(Set.of("validate"), graph.stage("derive").feeders());
    assertEquals(Set.of("derive"), graph.stage("warm").feeders());
    assertEquals(Set.of("warm"), graph.stage("event_time").feeders());
    PipelineResult result = p.run();
    result.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(result, graph, "validate"), 6, 5, Map.of("unknown_unit", 1L), Map.of());
    Counters.assertStage(
        Counters.stage(result, graph, "derive"), 5, 4, Map.of("expression_error", 1L), Map.of());
    Counters.assertStage(
        Counters.stage(result, graph, "warm"), 4, 3, Map.of(), Map.of("filtered", 1L));
    Counters.assertStage(
        Counters.stage(result, graph, "event_time"), 3, 2, Map.of("out_of_range", 1L), Map.of());
  }

  @Test
  public void fourStagesInOneStepGiveWhatTheyGiveOneByOne() {
    check(true);
    assertEquals(List.of("Prepare/RunStages"), parDos(p));
  }

  @Test
  public void theSameStagesOneByOne() {
    check(false);
    assertEquals(
        List.of(
            "validate/CheckRules",
            "derive/EvaluateExpressions",
            "warm/Filter",
            "event_time/AssignEventTime"),
        parDos(p));
  }

  @Test
  public void refusesStagesWithDifferentHandlers() {
    BadRecordErrorHandler<PCollection<String>> one = p.registerBadRecordErrorHandler(new Reasons());
    BadRecordErrorHandler<PCollection<String>> two = p.registerBadRecordErrorHandler(new Reasons());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RecordStages.of(stages(one).get(0), stages(two).get(1)));
    assertThat(
        e.getMessage(),
        containsString(
            "RecordStages.of: stages 'validate' and 'derive' must send rejections to the same"
                + " handler"));
    one.close();
    two.close();
    p.enableAbandonedNodeEnforcement(false);
  }

  @Test
  public void refusesTwoStagesOfOneName() {
    BadRecordErrorHandler<PCollection<String>> h = p.registerBadRecordErrorHandler(new Reasons());
    List<RecordStage> s = stages(h);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RecordStages.of(s.get(1), s.get(2), ((MapFields) s.get(1)).withStageName("warm")));
    assertThat(e.getMessage(), containsString("two stages share the stage name"));
    h.close();
    p.enableAbandonedNodeEnforcement(false);
  }

  /** The full names of the pipeline's ParDos between the input and the test's own steps. */
  private static List<String> parDos(Pipeline pipeline) {
    List<String> out = new ArrayList<>();
    pipeline.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            String name = node.getFullName();
            if (node.getTransform() instanceof ParDo.MultiOutput
                && !name.startsWith("Show")
                && !name.startsWith("Create")
                && !name.contains("PAssert")
                && !name.contains("Reasons")) {
              out.add(name);
            }
          }
        });
    return out;
  }

  /** Each dead letter as "stage/reason id". */
  static final class Reasons extends PTransform<PCollection<BadRecord>, PCollection<String>> {
    @Override
    public PCollection<String> expand(PCollection<BadRecord> input) {
      return input.apply(
          "Reasons",
          MapElements.into(TypeDescriptors.strings())
              .via(
                  b -> {
                    Rejection r = Rejection.from(b);
                    String json = b.getRecord().getHumanReadableJsonRecord();
                    String id = json.replaceAll("(?s).*?\\bid\\W+(\\w+).*", "$1");
                    return r.stage() + "/" + r.reason() + " " + id;
                  }));
    }
  }
}
