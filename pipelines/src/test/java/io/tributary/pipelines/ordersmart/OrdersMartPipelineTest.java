package io.tributary.pipelines.ordersmart;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tributary.pipelines.Testdata;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageGraph;
import java.nio.file.Path;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * orders-mart over testdata/cdc (shuffled, redelivered, deleted, overtaken and malformed change
 * events), bounded, on whichever runner this surefire execution targets: the golden final state,
 * history and mart, and exact accounting from the generator's manifest.
 */
@RunWith(JUnit4.class)
public class OrdersMartPipelineTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void reproducesTheGoldenStateHistoryAndMartWithExactAccounting() throws Exception {
    Path out = tmp.newFolder("out").toPath();
    OrdersMartOptions options = p.getOptions().as(OrdersMartOptions.class);
    options.setOrders(Testdata.file("cdc/orders.jsonl").toString());
    options.setProducts(Testdata.file("cdc/products.jsonl").toString());
    options.setOutput(out.toString());
    OrdersMartPipeline.build(p, options);
    StageGraph graph = StageGraph.of(p);
    PipelineResult result = p.run();
    result.waitUntilFinish();

    MartOutputs.assertGoldenLake(out);

    JsonNode m = Testdata.manifest("cdc/expected.json");
    JsonNode o = m.get("orders");
    JsonNode pr = m.get("products");
    RunAccounting a = RunAccounting.from(result, graph);
    assertEquals(o.get("lines").asLong() + pr.get("lines").asLong(), a.read());
    assertEquals(o.get("accepted").asLong() + pr.get("accepted").asLong(), a.written());
    assertEquals(
        o.get("redelivered").asLong()
            + o.get("tombstones").asLong()
            + pr.get("redelivered").asLong()
            + pr.get("tombstones").asLong(),
        a.deduplicated());
    assertEquals(
        Map.of(
            "cdc_orders.missing_after",
            1L,
            "cdc_orders.missing_position",
            1L,
            "cdc_orders.not_json",
            1L,
            "cdc_orders.unknown_op",
            1L,
            "cdc_products.truncated_json",
            1L),
        a.deadLettersByReason());
    assertTrue(a.line(), a.balanced());
  }
}
