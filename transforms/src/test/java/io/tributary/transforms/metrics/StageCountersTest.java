package io.tributary.transforms.metrics;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import io.tributary.transforms.time.EventTime;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class StageCountersTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  /**
   * What an observation point gave, an accounted stage gives by itself: its out counter and the
   * processing lag of what left, here an event-time stage whose rows are one and two hours old.
   */
  @Test
  public void anAccountedStageCountsItsOutputAndLagWithoutAnObservationPoint() {
    long before = System.currentTimeMillis();
    Schema schema = Schema.builder().addStringField("id").addDateTimeField("at").build();
    p.apply(
            Create.of(
                    Row.withSchema(schema).addValues("a", new Instant(before - 3_600_000L)).build(),
                    Row.withSchema(schema).addValues("b", new Instant(before - 7_200_000L)).build())
                .withRowSchema(schema))
        .apply("Stamp", EventTime.fromField("at").withStageName("stamp"));
    StageGraph graph = StageGraph.of(p);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    StageAccounting stamp = RunAccounting.from(result, graph).stages().get(0);
    assertEquals("stamp", stamp.name());
    assertEquals(2, stamp.in());
    assertEquals(2, stamp.out());
    assertEquals(true, stamp.balanced());
    assertEquals(2, stamp.lag().count());
    assertThat(stamp.lag().min(), greaterThanOrEqualTo(3_600_000L));
    assertThat(stamp.lag().max(), greaterThanOrEqualTo(7_200_000L));
  }

  /**
   * Every stage that counted records has an active span (first <= last) within the run's wall
   * clock; a stage that saw nothing (all filtered upstream) has none, so the report can say "no
   * records".
   */
  @Test
  public void eachStageWithRecordsHasAnActiveSpanWithinTheRun() {
    long before = System.currentTimeMillis();
    p.apply(Create.of(1, 2, 3, 4, 5, 6))
        .apply("Evens", new RunAccountingTest.KeepMultiples("evens", 2, StageExit.FILTERED, -1))
        .apply("Sixes", new RunAccountingTest.KeepMultiples("sixes", 3, StageExit.FILTERED, -1))
        .apply("None", new RunAccountingTest.KeepMultiples("none", 7, StageExit.FILTERED, -1))
        .apply("Empty", new RunAccountingTest.KeepMultiples("empty", 1, StageExit.FILTERED, -1));
    StageGraph graph = StageGraph.of(p);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    long after = System.currentTimeMillis();
    RunAccounting accounting = RunAccounting.from(result, graph);
    for (StageAccounting s : accounting.stages()) {
      if (s.name().equals("empty")) {
        assertEquals(0, s.in());
        assertNull("a stage without records has no span", s.active());
        continue;
      }
      StageAccounting.ActiveSpan a = s.active();
      assertNotNull(s.name() + " counted records, so it has a span", a);
      assertThat(s.name(), a.first(), greaterThanOrEqualTo(before));
      assertThat(s.name(), a.last(), greaterThanOrEqualTo(a.first()));
      assertThat(s.name(), a.last(), lessThanOrEqualTo(after));
      assertEquals(a.last() - a.first(), a.millis());
    }
    assertEquals("the accounting line is unchanged by the span", true, accounting.balanced());
  }

  @Test
  public void aSpanCannotEndBeforeItStarts() {
    assertThrows(IllegalArgumentException.class, () -> StageAccounting.ActiveSpan.of(10, 9));
  }

  @Test
  public void stageNamesAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> StageCounters.of("Bad Name"));
    assertThrows(IllegalArgumentException.class, () -> StageCounters.of("a.b"));
    assertEquals("stage.dedup.in", StageCounters.counterName("dedup", StageCounters.IN));
  }

  /** The in-JVM mirror the progress line reads sees what Beam's metrics see. */
  @Test
  public void countersCountIntoTheLiveMirrorToo() {
    p.apply(Create.of(1, 2, 3))
        .apply("Mirror", new RunAccountingTest.KeepMultiples("mirror", 1, StageExit.FILTERED, -1));
    Map<String, Long> before = LiveMetrics.snapshot();
    p.run().waitUntilFinish();
    Map<String, Long> after = LiveMetrics.snapshot();
    assertEquals(
        3,
        after.getOrDefault("tributary/stage.mirror.in", 0L)
            - before.getOrDefault("tributary/stage.mirror.in", 0L));
    assertEquals(
        3,
        after.getOrDefault("tributary/stage.mirror.out", 0L)
            - before.getOrDefault("tributary/stage.mirror.out", 0L));
  }
}
