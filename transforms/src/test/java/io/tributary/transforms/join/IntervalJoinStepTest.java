package io.tributary.transforms.join;

import static io.tributary.transforms.join.IntervalJoinTest.at;
import static io.tributary.transforms.join.IntervalJoinTest.render;
import static io.tributary.transforms.join.IntervalJoinTest.side;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.tributary.testing.Counters;
import io.tributary.transforms.metrics.StageGraph;
import io.tributary.transforms.spec.StepConfigException;
import io.tributary.transforms.spec.StepContext;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** The {@code IntervalJoin} step builds the library's join under the step's name. */
@RunWith(JUnit4.class)
public class IntervalJoinStepTest implements Serializable {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static Row config(Map<String, Object> values) {
    Row.FieldValueBuilder b =
        Row.withSchema(new IntervalJoinStep().configurationSchema()).withFieldValues(Map.of());
    for (Map.Entry<String, Object> e : values.entrySet()) {
      b = b.withFieldValue(e.getKey(), e.getValue());
    }
    return b.build();
  }

  @Test
  public void aLeftJoinStepNamedAfterTheStage() {
    PCollection<String> lines =
        p.apply(
            "Events",
            Create.timestamped(
                    List.of(
                        TimestampedValue.of("L,k1,1", at(0, 0, 0)),
                        TimestampedValue.of("R,k1,10", at(0, 30, 0)),
                        TimestampedValue.of("R,k1,11", at(5, 0, 0)), // beyond 1m after: unmatched
                        TimestampedValue.of("L,k2,2", at(0, 0, 0))))
                .withCoder(StringUtf8Coder.of()));
    SchemaTransform step =
        new IntervalJoinStep()
            .from(
                config(Map.of("key", "device", "before", "0s", "after", "1m", "join_type", "left")),
                StepContext.of("clicks_with_views"));
    PCollectionRowTuple out =
        PCollectionRowTuple.of(IntervalJoinStep.INPUT, side(lines, "L"))
            .and(IntervalJoinStep.RIGHT, side(lines, "R"))
            .apply("Step", step);
    PAssert.that(render(out.get(IntervalJoinStep.OUTPUT), "Render"))
        .containsInAnyOrder("k1,1,10", "k2,2,null");
    PAssert.that(out.get(IntervalJoinStep.TOO_LATE_LEFT)).empty();
    PAssert.that(out.get(IntervalJoinStep.TOO_LATE_RIGHT)).empty();
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "clicks_with_views"), 4, 3, Map.of(), Map.of("unmatched", 1L));
  }

  @Test
  public void configErrorsNameTheKey() {
    IntervalJoinStep step = new IntervalJoinStep();
    StepContext ctx = StepContext.of("j");
    StepConfigException noKey =
        assertThrows(
            StepConfigException.class,
            () -> step.from(config(Map.of("before", "1m", "after", "1m")), ctx));
    assertEquals("key", noKey.key());
    StepConfigException badType =
        assertThrows(
            StepConfigException.class,
            () ->
                step.from(
                    config(Map.of("key", "d", "before", "1m", "after", "1m", "join_type", "outer")),
                    ctx));
    assertEquals("join_type", badType.key());
    assertThat(badType.getMessage(), containsString("inner, left, right or full_outer"));
    StepConfigException noAfter =
        assertThrows(
            StepConfigException.class,
            () -> step.from(config(Map.of("key", "d", "before", "1m", "after", "soon")), ctx));
    assertEquals("after", noAfter.key());
    StepConfigException both =
        assertThrows(
            StepConfigException.class,
            () ->
                step.from(
                    config(Map.of("key", "d", "keys", List.of("d"), "before", "1m", "after", "1m")),
                    ctx));
    assertEquals("keys", both.key());
  }

  @Test
  public void aKeyMissingFromASideIsAnErrorOfKey() {
    p.enableAbandonedNodeEnforcement(false);
    PCollection<String> lines =
        p.apply("Events", Create.of("L,k1,1").withCoder(StringUtf8Coder.of()));
    SchemaTransform step =
        new IntervalJoinStep()
            .from(
                config(Map.of("key", "site", "before", "1m", "after", "1m")), StepContext.of("j"));
    PCollectionRowTuple in =
        PCollectionRowTuple.of(IntervalJoinStep.INPUT, side(lines, "L"))
            .and(IntervalJoinStep.RIGHT, side(lines, "R"));
    StepConfigException e = assertThrows(StepConfigException.class, () -> in.apply("Step", step));
    assertEquals("key", e.key());
    assertThat(e.getMessage(), containsString("has no field 'site'"));
  }
}
