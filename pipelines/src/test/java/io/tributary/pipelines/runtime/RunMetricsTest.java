package io.tributary.pipelines.runtime;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.tributary.transforms.metrics.StageMetrics;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Stages chain in pipeline order: a stage's input is the previous stage's output. */
@RunWith(JUnit4.class)
public class RunMetricsTest {
  @Test
  public void stagesChainAndBalanceWithDeadLettersAndRemovals() {
    Map<String, Long> counters =
        Map.of(
            "read",
            100L,
            "stage.decode.out",
            95L,
            "dead_letter.decode.not_json",
            4L,
            "dead_letter.decode.bad_type",
            1L,
            "stage.dedup.out",
            90L,
            "deduplicated",
            5L,
            "stage.window.out",
            88L,
            "too_late",
            1L);
    RunMetrics m =
        RunMetrics.of(
            List.of("decode", "dedup", "window"),
            counters,
            Map.of("stage.dedup.lag_ms", DistributionResult.create(900, 90, 2, 30)));
    List<RunMetrics.Stage> s = m.stages();
    assertEquals(100, s.get(0).in());
    assertEquals(95, s.get(0).out());
    assertEquals(Map.of("bad_type", 1L, "not_json", 4L), s.get(0).deadLettered());
    assertTrue(s.get(0).balanced());
    assertEquals(95, s.get(1).in());
    assertEquals(Map.of("deduplicated", 5L), s.get(1).removed());
    assertEquals(10.0, s.get(1).lag().mean(), 0.0);
    assertEquals(30, s.get(1).lag().max());
    assertNull(s.get(0).lag());
    assertTrue(s.get(1).balanced());
    assertFalse("90 in, 88 out, 1 too late: one record unaccounted", s.get(2).balanced());
  }

  @Test
  public void stagesOfFindsObservationPointsInTopologicalOrder() {
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    p.apply(Create.of(1, 2, 3))
        .apply("A", StageMetrics.after("first"))
        .apply("B", StageMetrics.after("second"));
    assertEquals(List.of("first", "second"), RunMetrics.stagesOf(p));
  }
}
