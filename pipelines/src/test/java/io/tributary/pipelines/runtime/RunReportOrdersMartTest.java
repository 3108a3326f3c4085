package io.tributary.pipelines.runtime;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.ordersmart.OrdersMartJob;
import io.tributary.pipelines.ordersmart.OrdersMartOptions;
import io.tributary.pipelines.ordersmart.OrdersMartPipeline;
import io.tributary.testing.TestRunners;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * orders-mart's run report lists its four stages (users once saw an empty table) with a timeline
 * bar for each, and its summary has each stage's active span, on the runner of this execution.
 */
@RunWith(JUnit4.class)
public class RunReportOrdersMartTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void theReportShowsEveryStageWithItsActiveSpan() throws Exception {
    Path out = tmp.newFolder("out").toPath();
    OrdersMartOptions options = TestRunners.options().as(OrdersMartOptions.class);
    options.setOrders(Testdata.file("cdc/orders.jsonl").toString());
    options.setProducts(Testdata.file("cdc/products.jsonl").toString());
    options.setOutput(out.toString());
    RunSummary summary = PipelineRun.run(new OrdersMartJob(), options);

    String html = Files.readString(out.resolve(RunReport.FILE_NAME));
    String stages =
        html.substring(
            html.indexOf("id=\"stages\""), html.indexOf("</table>", html.indexOf("id=\"stages\"")));
    for (String stage :
        List.of(
            "read_products",
            "cdc_products",
            "read_orders",
            "cdc_orders",
            OrdersMartPipeline.PRODUCT_AT_ORDER_TIME)) {
      assertThat(stages, containsString("<td class=\"l\">" + stage + "</td>"));
      assertThat(html, containsString("<rect class=\"bar\" data-stage=\"" + stage + "\""));
    }
    JsonNode json = new ObjectMapper().readTree(summary.toJson());
    assertEquals(5, json.get("stages").size());
    for (JsonNode st : json.get("stages")) {
      java.time.Instant first = java.time.Instant.parse(st.get("first").asText());
      java.time.Instant last = java.time.Instant.parse(st.get("last").asText());
      assertFalse(st.get("stage") + ": first <= last", last.isBefore(first));
    }
  }
}
