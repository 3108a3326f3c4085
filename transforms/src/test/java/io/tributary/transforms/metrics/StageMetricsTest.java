package io.tributary.transforms.metrics;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.time.EventTime;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class StageMetricsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  @Test
  public void countsOutputAndRecordsProcessingLagOfTimestampedElements() {
    long before = System.currentTimeMillis();
    // event times one and two hours before the run: the lag is at least that
    Instant oneHourAgo = new Instant(before - 3_600_000L);
    Instant twoHoursAgo = new Instant(before - 7_200_000L);
    PCollection<String> out =
        p.apply(
                Create.timestamped(
                    TimestampedValue.of("a", oneHourAgo),
                    TimestampedValue.of("b", twoHoursAgo),
                    TimestampedValue.of("c", oneHourAgo)))
            .apply("Observe", StageMetrics.after("parse"));
    PAssert.that(out).containsInAnyOrder("a", "b", "c");
    // no event time yet (the minimum timestamp): counted, not measured
    p.apply("Untimed", Create.of("x")).apply("ObserveUntimed", StageMetrics.after("untimed"));
    Map<String, Long> liveBefore = LiveMetrics.snapshot();
    PipelineResult result = p.run();
    result.waitUntilFinish();

    MetricQueryResults q =
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.inNamespace(DeadLetters.NAMESPACE))
                    .build());
    Map<String, Long> counters = new java.util.TreeMap<>();
    q.getCounters()
        .forEach(c -> counters.merge(c.getName().getName(), c.getAttempted(), Long::sum));
    assertEquals(Long.valueOf(3), counters.get("stage.parse.out"));
    assertEquals(Long.valueOf(1), counters.get("stage.untimed.out"));
    Map<String, DistributionResult> dists = new java.util.TreeMap<>();
    q.getDistributions().forEach(d -> dists.put(d.getName().getName(), d.getAttempted()));
    DistributionResult lag = dists.get("stage.parse.lag_ms");
    assertEquals(3, lag.getCount());
    assertThat(lag.getMin(), greaterThanOrEqualTo(3_600_000L));
    assertThat(lag.getMax(), greaterThanOrEqualTo(7_200_000L));
    assertEquals(null, dists.get("stage.untimed.lag_ms"));
    // the in-JVM mirror saw the same three (workers run in this JVM on both test runners)
    long mirrored =
        LiveMetrics.snapshot().getOrDefault("tributary/stage.parse.out", 0L)
            - liveBefore.getOrDefault("tributary/stage.parse.out", 0L);
    assertEquals(3, mirrored);
  }

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

  @Test
  public void stageNamesAreCheckedAndDisplayed() {
    assertThrows(IllegalArgumentException.class, () -> StageMetrics.after("Bad Name"));
    DisplayData d = DisplayData.from(StageMetrics.after("dedup"));
    assertThat(d.toString(), org.hamcrest.Matchers.containsString("tributary/stage.dedup.out"));
    assertThat(d.toString(), org.hamcrest.Matchers.containsString("tributary/stage.dedup.lag_ms"));
  }
}
