package io.tributary.transforms.metrics;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class RunAccountingTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

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
  public void readsCountersBackFromTheRunner() {
    p.apply(Create.of(1, 2, 3))
        .apply("CountRead", Counted.as(RunAccounting.READ))
        .apply("CountWritten", Counted.as(RunAccounting.WRITTEN));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    RunAccounting a = RunAccounting.from(result);
    assertEquals(3, a.read());
    assertEquals(3, a.written());
    assertTrue(a.balanced());
  }
}
