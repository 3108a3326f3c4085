package io.tributary.transforms.expr;

import static io.tributary.transforms.expr.MapFieldsTest.ORDER;
import static io.tributary.transforms.expr.MapFieldsTest.order;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import io.tributary.testing.Counters;
import io.tributary.transforms.metrics.StageGraph;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class FilterRowsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  @Test
  public void keepsMatchingRowsAndCountsTheFilteredOnes() {
    PCollection<Row> kept =
        p.apply(
                Create.of(
                        order("a", 12.5, 1, "EUR", null),
                        order("b", 9.0, 1, "EUR", null),
                        order("c", 30.0, 1, "USD", null),
                        order("d", 11.0, 1, "EUR", "x"))
                    .withRowSchema(ORDER))
            .apply(FilterRows.where("price > 10.0 && currency == 'EUR'"));
    PAssert.that(kept)
        .containsInAnyOrder(order("a", 12.5, 1, "EUR", null), order("d", 11.0, 1, "EUR", "x"));
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "filter"), 4, 2, Map.of(), Map.of("filtered", 2L));
  }

  @Test
  public void failingConditionIsRejectedAndTheStageBalances() {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new MapFieldsTest.Descriptions());
    PCollection<Row> kept =
        p.apply(
                Create.of(
                        order("a", 12.5, 2, "EUR", "gift"),
                        order("b", 12.5, 0, "EUR", "gift"),
                        order("c", 12.5, 2, "EUR", null),
                        order("d", 1.0, 2, "EUR", "gift"))
                    .withRowSchema(ORDER))
            .apply(
                FilterRows.where("10 / quantity > 1 && note.startsWith('g')")
                    .withStageName("euro_orders")
                    .withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(kept)
        .containsInAnyOrder(order("a", 12.5, 2, "EUR", "gift"), order("d", 1.0, 2, "EUR", "gift"));
    PAssert.that(handler.getOutput())
        .containsInAnyOrder(
            "euro_orders/expression_error: condition `10 / quantity > 1 && note.startsWith('g')`:"
                + " division by zero at column 4",
            "euro_orders/expression_error: condition `10 / quantity > 1 && note.startsWith('g')`:"
                + " no operation for these operands (a null value?) at column 37");
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "euro_orders"), 4, 2, Map.of("expression_error", 2L), Map.of());
  }

  @Test
  public void nullSafeConditionFiltersNullsOut() {
    PCollection<Row> kept =
        p.apply(
                Create.of(order("a", 1, 1, "EUR", null), order("b", 1, 1, "EUR", "gift"))
                    .withRowSchema(ORDER))
            .apply(FilterRows.where("note != null && note == 'gift'"));
    PAssert.that(kept).containsInAnyOrder(order("b", 1, 1, "EUR", "gift"));
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "filter"), 2, 1, Map.of(), Map.of("filtered", 1L));
  }

  @Test
  public void conditionThatIsNotABoolFailsConstruction() {
    PCollection<Row> input = p.apply(Create.of(order("a", 1, 1, "EUR", null)).withRowSchema(ORDER));
    ExpressionException e =
        assertThrows(ExpressionException.class, () -> input.apply(FilterRows.where("currency")));
    assertThat(e.getMessage(), equalTo("FilterRows.where: expected bool, got string at column 1"));
    e =
        assertThrows(
            ExpressionException.class,
            () -> input.apply(FilterRows.where("price > 1.0 && curency == 'EUR'")));
    assertThat(
        e.getMessage(),
        equalTo(
            "FilterRows.where: undeclared reference to 'curency' (did you mean 'currency'?) at"
                + " column 16"));
    assertThat(e.column(), equalTo(16));
    p.enableAbandonedNodeEnforcement(false);
  }

  @Test
  public void displayDataListsTheCondition() {
    String data =
        DisplayData.from(FilterRows.where("price > 1.0").withStageName("cheap")).toString();
    assertThat(data, containsString("price > 1.0"));
    assertThat(data, containsString("cheap"));
  }
}
