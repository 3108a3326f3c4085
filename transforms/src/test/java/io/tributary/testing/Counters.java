package io.tributary.testing;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageAccounting;
import io.tributary.transforms.metrics.StageGraph;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * Reads the counters of a finished run: one {@code tributary/<name>} counter (attempted value,
 * summed over steps), or one accounted stage's numbers.
 *
 * <pre>{@code
 * StageGraph graph = StageGraph.of(p);               // before p.run()
 * PipelineResult run = p.run();
 * run.waitUntilFinish();
 * StageAccounting dedup = Counters.stage(run, graph, "dedup");
 * Counters.assertStage(dedup, 5, 3, Map.of(), Map.of("deduplicated", 2L));
 * assertEquals(2, Counters.get(run, Dedup.EXPIRED));
 * }</pre>
 */
public final class Counters {
  private Counters() {}

  /** The counter's attempted value, 0 if it was never incremented. */
  public static long get(PipelineResult result, String name) {
    long sum = 0;
    for (MetricResult<Long> c :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(DeadLetters.NAMESPACE, name))
                    .build())
            .getCounters()) {
      sum += c.getAttempted();
    }
    return sum;
  }

  /** The accounting of {@code graph}'s stages in a finished run. */
  public static RunAccounting accounting(PipelineResult result, StageGraph graph) {
    return RunAccounting.from(result, graph);
  }

  /** The numbers of stage {@code name} of {@code graph} in a finished run. */
  public static StageAccounting stage(PipelineResult result, StageGraph graph, String name) {
    for (StageAccounting s : RunAccounting.from(result, graph).stages()) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    assertNotNull("no stage named '" + name + "' in the graph", graph.stage(name));
    throw new AssertionError("unreachable");
  }

  /**
   * Asserts a stage's exact numbers: records in and out, rejections by reason and exits by {@code
   * StageExit.counterSuffix()} (zero entries left out), and that it balances.
   */
  public static void assertStage(
      StageAccounting stage,
      long in,
      long out,
      Map<String, Long> rejected,
      Map<String, Long> exits) {
    String name = "stage '" + stage.name() + "' ";
    assertEquals(name + "in", in, stage.in());
    assertEquals(name + "out", out, stage.out());
    assertEquals(name + "rejected", rejected, stage.rejected());
    assertEquals(name + "exits", exits, stage.exits());
    assertTrue(name + "balances: " + stage, stage.balanced());
  }
}
