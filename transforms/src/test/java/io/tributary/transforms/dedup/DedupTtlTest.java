package io.tributary.transforms.dedup;

import static io.tributary.transforms.windowing.WindowingTest.min;
import static io.tributary.transforms.windowing.WindowingTest.rows;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.tributary.testing.Counters;
import io.tributary.testing.EventScript;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageGraph;
import io.tributary.transforms.windowing.WindowedResult;
import io.tributary.transforms.windowing.Windowing;
import io.tributary.transforms.windowing.WindowingTest;
import java.io.Serializable;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Event-time TTL and window-straddling duplicates, on the Direct runner and on Flink. */
@RunWith(JUnit4.class)
public class DedupTtlTest implements Serializable {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static PCollection<String> lines(PCollection<Row> rows, String name) {
    return rows.apply(
        name,
        MapElements.into(TypeDescriptors.strings())
            .via((Row r) -> r.getString("user") + "," + r.getInt64("n")));
  }

  @Test
  public void afterTheWatermarkPassesFirstSeenPlusTtlTheIdIsAcceptedAgain() {
    EventScript script =
        EventScript.create()
            .add(min(0), "x,1") // first seen at 00:00: remembered until 00:10
            .add(min(5), "x,2") // within the TTL: duplicate
            .watermark(min(11)) // passes 00:00 + 10m: the id's state is cleared by its timer
            .add(min(12), "x,3") // accepted again, remembered until 00:22
            .add(min(15), "x,4"); // duplicate of x,3
    Dedup.Result<Row> result =
        rows(script.apply(p, "Events"))
            .apply("Dedup", Dedup.<Row>byField("user").withTtl(Duration.standardMinutes(10)));
    PAssert.that(lines(result.output(), "Unique")).containsInAnyOrder("x,1", "x,3");
    PAssert.that(lines(result.duplicates(), "Duplicates")).containsInAnyOrder("x,2", "x,4");
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "dedup"), 4, 2, Map.of(), Map.of("deduplicated", 2L));
    // x,1 forgotten after its TTL, x,3 at the end of input: nothing stays remembered.
    assertEquals(2, Counters.get(run, Dedup.EXPIRED));
  }

  @Test
  public void everyRememberedIdIsForgottenOnceTheWatermarkPassesItsTtl() {
    EventScript script = EventScript.create();
    java.util.List<String> firsts = new java.util.ArrayList<>();
    // 300 distinct ids over an hour, each sent twice a minute apart: 300 unique, 300 duplicates.
    for (int i = 0; i < 300; i++) {
      script.add(min(0).plus(Duration.standardSeconds(12L * i)), "id" + i + "," + i);
      firsts.add("id" + i + "," + i);
      script.add(min(0).plus(Duration.standardSeconds(12L * i + 60)), "id" + i + "," + (1000 + i));
    }
    Dedup.Result<Row> result =
        rows(script.apply(p, "Events"))
            .apply("Dedup", Dedup.<Row>byField("user").withTtl(Duration.standardMinutes(10)));
    PAssert.that(lines(result.output(), "Unique")).containsInAnyOrder(firsts);
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "dedup"), 600, 300, Map.of(), Map.of("deduplicated", 300L));
    // Each remembered id is swept exactly once: the state holds nothing at the end.
    assertEquals(300, Counters.get(run, Dedup.EXPIRED));
  }

  @Test
  public void idsSpreadOverTheBuckets() {
    int[] counts = new int[Dedup.DEFAULT_BUCKETS];
    for (int i = 0; i < 100_000; i++) {
      counts[Dedup.bucketOf(String.format("e-%07d", i), Dedup.DEFAULT_BUCKETS)]++;
    }
    int max = java.util.Arrays.stream(counts).max().getAsInt();
    int min = java.util.Arrays.stream(counts).min().getAsInt();
    double mean = 100_000.0 / Dedup.DEFAULT_BUCKETS;
    assertTrue("max bucket " + max + " vs mean " + mean, max < mean * 1.5);
    assertTrue("min bucket " + min + " vs mean " + mean, min > mean * 0.5);
  }

  @Test
  public void duplicatesThatStraddleAWindowBoundaryAreCaught() {
    EventScript script =
        EventScript.create()
            .add(min(59), "y,1") // window 00:00-01:00
            .watermark(min(60)) // the first window closes
            .add(
                min(61),
                "y,2") // same id, next window: still a duplicate (dedup runs before windowing)
            .add(min(90), "z,3");
    Dedup.Result<Row> deduped =
        rows(script.apply(p, "Events"))
            .apply("Dedup", Dedup.<Row>byField("user").withTtl(Duration.standardHours(1)));
    WindowedResult<Row> windowed = deduped.output().apply("Window", Windowing.<Row>of("fixed:1h"));
    PAssert.that(WindowingTest.sumPanes(windowed.output()))
        .containsInAnyOrder("00:00-01:00 ON_TIME#0 1 final", "01:00-02:00 ON_TIME#0 3 final");
    PAssert.that(lines(deduped.duplicates(), "Duplicates")).containsInAnyOrder("y,2");
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "dedup"), 3, 2, Map.of(), Map.of("deduplicated", 1L));
    Counters.assertStage(Counters.stage(run, graph, "window"), 2, 2, Map.of(), Map.of());
    RunAccounting line = Counters.accounting(run, graph);
    assertEquals(3, line.read());
    assertEquals(2, line.written());
    assertTrue(line.line(), line.balanced());
  }

  @Test
  public void validationAndDisplayData() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Dedup.<Row>byField("id").withTtl(Duration.ZERO));
    assertThat(e.getMessage(), containsString("Dedup.withTtl"));
    DisplayData data =
        DisplayData.from(Dedup.<Row>byField("event_id").withTtl(Duration.standardHours(24)));
    assertThat(data.toString(), containsString("event_id"));
    assertThat(data.asMap().keySet().toString(), containsString("ttl"));
    p.enableAbandonedNodeEnforcement(false);
  }
}
