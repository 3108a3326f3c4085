package io.tributary.io.testing;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.metrics.LiveMetrics;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageAccounting;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.metrics.StageGraph;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;

/**
 * Asserts the numbers of one source stage after a run, as the run's accounting derives them from
 * Beam's metrics ({@link RunAccounting#from(PipelineResult, StageGraph)}) and as the live progress
 * line sees them in the in-JVM mirror ({@link LiveMetrics#snapshot()} minus a snapshot taken before
 * the run).
 *
 * <pre>{@code
 * SourceStageAssert stage = SourceStageAssert.before(p);    // after building, before p.run()
 * PipelineResult result = p.run();
 * result.waitUntilFinish();
 * stage.check(result, "read", 7, 5, Map.of("too_large", 1L, "invalid_utf8", 1L));
 * }</pre>
 */
public final class SourceStageAssert {
  private final StageGraph graph;
  private final Map<String, Long> baseline;

  private SourceStageAssert(StageGraph graph, Map<String, Long> baseline) {
    this.graph = graph;
    this.baseline = baseline;
  }

  /** The stages of the built {@code pipeline} and the mirror's values now. */
  public static SourceStageAssert before(Pipeline pipeline) {
    return new SourceStageAssert(StageGraph.of(pipeline), LiveMetrics.snapshot());
  }

  /** The graph of the pipeline. */
  public StageGraph graph() {
    return graph;
  }

  /**
   * Checks that stage {@code name} is an entry of the graph, saw {@code in} records, output {@code
   * out}, rejected exactly {@code rejected} by reason and balances; and that the mirror counted the
   * same {@code in} and {@code out}.
   */
  public StageAccounting check(
      PipelineResult result, String name, long in, long out, Map<String, Long> rejected) {
    RunAccounting accounting = RunAccounting.from(result, graph);
    StageAccounting stage =
        accounting.stages().stream()
            .filter(s -> s.name().equals(name))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no stage '" + name + "' in " + graph.stages()));
    assertTrue(
        name + " is an entry of the graph",
        graph.entries().stream().anyMatch(n -> n.name().equals(name)));
    assertEquals(name + ".in", in, stage.in());
    assertEquals(name + ".out", out, stage.out());
    assertEquals(name + " rejected", rejected, stage.rejected());
    assertTrue(name + " balances: " + accounting.line(), stage.balanced());
    assertEquals(name + " is the run's read", in, accounting.read());
    assertEquals(name + " live in", in, live(StageCounters.counterName(name, StageCounters.IN)));
    assertEquals(name + " live out", out, live(StageCounters.counterName(name, StageCounters.OUT)));
    return stage;
  }

  /** The mirror's value of {@code tributary/<counter>} since {@link #before}. */
  public long live(String counter) {
    String key = DeadLetters.NAMESPACE + "/" + counter;
    return LiveMetrics.snapshot().getOrDefault(key, 0L) - baseline.getOrDefault(key, 0L);
  }
}
