package io.tributary.transforms.metrics;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class RunAccountingTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  /** A stage that keeps multiples of {@code divisor}, the rest leaving by {@code exit}. */
  static final class KeepMultiples extends PTransform<PCollection<Integer>, PCollection<Integer>>
      implements AccountedStage {
    private final String stage;
    private final int divisor;
    private final StageExit exit;
    private final int leak;

    KeepMultiples(String name, int divisor, StageExit exit, int leak) {
      this.stage = name;
      this.divisor = divisor;
      this.exit = exit;
      this.leak = leak;
    }

    @Override
    public String stageName() {
      return stage;
    }

    @Override
    public PCollection<Integer> expand(PCollection<Integer> input) {
      StageCounters counters = StageCounters.of(stage);
      int d = divisor;
      StageExit e = exit;
      int l = leak;
      return input.apply(
          ParDo.of(
              new DoFn<Integer, Integer>() {
                @ProcessElement
                public void process(@Element Integer x, OutputReceiver<Integer> out) {
                  counters.in();
                  if (x == l) {
                    return; // lost on purpose: the stage must be reported unbalanced
                  }
                  if (x % d != 0) {
                    counters.exit(e);
                    return;
                  }
                  counters.out();
                  out.output(x);
                }
              }));
    }
  }

  @Test
  public void lineShowsEveryTermAndBalance() {
    RunAccounting a =
        RunAccounting.of(
            100, 80, Map.of("decode.not_json", 5L, "validate.negative_price", 3L), 2, 10, 0);
    assertTrue(a.balanced());
    assertEquals(8, a.deadLettered());
    assertEquals(
        "read=100 = written=80 + dead-lettered=8 + quarantined=2 + deduplicated=10 + too-late=0 [balanced]",
        a.line());
  }

  @Test
  public void unbalancedRunSaysHowManyAreUnaccounted() {
    RunAccounting a = RunAccounting.of(100, 80, Map.of(), 0, 10, 0);
    assertFalse(a.balanced());
    assertTrue(a.line(), a.line().endsWith("[UNBALANCED: 10 unaccounted]"));
  }

  @Test
  public void derivesTheLineFromTheStagesOfAGraph() {
    Map<String, StageRole> stages = new LinkedHashMap<>();
    stages.put("read", StageRole.STEP);
    stages.put("dedup", StageRole.STEP);
    stages.put("window", StageRole.STEP);
    stages.put("serve", StageRole.SINK);
    StageGraph graph =
        StageGraph.of(
            stages,
            Map.of(
                "read", List.of("dedup"), "dedup", List.of("window"), "window", List.of("serve")));
    Map<String, Long> counters = new LinkedHashMap<>();
    counters.put("stage.read.in", 10L);
    counters.put("stage.read.out", 8L);
    counters.put("dead_letter.read.not_json", 1L);
    counters.put("stage.read.skipped", 1L);
    counters.put("stage.dedup.in", 8L);
    counters.put("stage.dedup.out", 6L);
    counters.put("stage.dedup.deduplicated", 2L);
    counters.put("stage.window.in", 6L);
    counters.put("stage.window.out", 5L);
    counters.put("stage.window.too_late", 1L);
    counters.put("stage.serve.in", 3L);
    counters.put("stage.serve.out", 2L);
    counters.put("dead_letter.serve.constraint", 1L);
    RunAccounting a = RunAccounting.of(graph, counters, Map.of());
    assertEquals(
        "read=10 = written=5 + dead-lettered=1 + quarantined=0 + deduplicated=2 + too-late=1"
            + " + skipped=1 [balanced]",
        a.line());
    assertEquals(Map.of("read.not_json", 1L), a.deadLettersByReason());
    assertEquals(4, a.stages().size());
    assertEquals(Map.of("constraint", 1L), a.stages().get(3).rejected());

    counters.put("stage.dedup.out", 5L); // a record lost inside dedup
    RunAccounting lost = RunAccounting.of(graph, counters, Map.of());
    assertFalse(lost.balanced());
    assertEquals(
        "read=10 = written=5 + dead-lettered=1 + quarantined=0 + deduplicated=2 + too-late=1"
            + " + skipped=1 [UNBALANCED: stage 'dedup' in=8 but out+exits=7]",
        lost.line());
  }

  @Test
  public void findsStagesOfABuiltPipelineAndReadsTheirCounters() {
    p.apply(Create.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12))
        .apply("Evens", new KeepMultiples("evens", 2, StageExit.FILTERED, -1))
        .apply("Format", MapElements.into(TypeDescriptors.integers()).via((Integer x) -> x))
        .apply("Fours", new KeepMultiples("fours", 4, StageExit.DEDUPLICATED, 6));
    StageGraph graph = StageGraph.of(p);
    assertEquals(List.of("evens"), names(graph.entries()));
    assertEquals(List.of("fours"), names(graph.exits()));
    assertEquals(List.of("evens"), List.copyOf(graph.stage("fours").feeders()));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    RunAccounting a = RunAccounting.from(result, graph);
    assertEquals(12, a.read());
    assertEquals(3, a.written());
    assertEquals(6, a.filtered());
    assertEquals(2, a.deduplicated());
    assertEquals(1, a.unbalancedStages().size());
    assertEquals("fours", a.unbalancedStages().get(0).name());
    assertEquals(1, a.unbalancedStages().get(0).unaccounted());
    assertFalse(a.balanced());
  }

  @Test
  public void refusesTwoStagesWithOneName() {
    PCollection<Integer> in = p.apply(Create.of(1));
    in.apply("A", new KeepMultiples("same", 2, StageExit.FILTERED, -1));
    in.apply("B", new KeepMultiples("same", 3, StageExit.FILTERED, -1));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> StageGraph.of(p));
    assertEquals(
        "two stages are named 'same' (A and B): give each its own name with withStageName(...)",
        e.getMessage());
    p.enableAbandonedNodeEnforcement(false);
  }

  private static List<String> names(List<StageGraph.Node> nodes) {
    return nodes.stream().map(StageGraph.Node::name).collect(java.util.stream.Collectors.toList());
  }
}
