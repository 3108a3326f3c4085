package io.tributary.transforms.validate;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertThrows;

import io.tributary.testing.Counters;
import io.tributary.transforms.metrics.StageGraph;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class ValidateTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final Schema SCHEMA =
      Schema.builder()
          .addStringField("id")
          .addDecimalField("price")
          .addStringField("currency")
          .build();

  private static Row row(String id, String price, String currency) {
    return Row.withSchema(SCHEMA).addValues(id, new BigDecimal(price), currency).build();
  }

  /** Keeps reason and payload of each bad record. */
  static final class Described extends PTransform<PCollection<BadRecord>, PCollection<String>> {
    @Override
    public PCollection<String> expand(PCollection<BadRecord> input) {
      return input.apply(
          MapElements.into(TypeDescriptors.strings())
              .via(
                  r ->
                      r.getFailure().getDescription()
                          + " <- "
                          + r.getRecord().getHumanReadableJsonRecord()));
    }
  }

  private Validate rules() {
    return Validate.rows()
        .withRule(RowRule.atLeast("price", BigDecimal.ZERO).withReason("negative_price"))
        .withRule(RowRule.oneOf("currency", List.of("EUR", "USD")).withReason("unknown_currency"));
  }

  @Test
  public void rejectsWithFirstReasonAndListsEveryViolation() {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new Described());
    PCollection<Row> valid =
        p.apply(
                Create.of(
                        row("a", "1.00", "EUR"),
                        row("b", "-1.00", "EUR"),
                        row("c", "0", "XXX"),
                        row("d", "-2", "BTC"))
                    .withRowSchema(SCHEMA))
            .apply(rules().withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(valid).containsInAnyOrder(row("a", "1.00", "EUR"));
    PAssert.that(handler.getOutput())
        .containsInAnyOrder(
            "validate/negative_price: field 'price' must be >= 0 <- \"{\\\"id\\\":\\\"b\\\",\\\"price\\\":-1.00,\\\"currency\\\":\\\"EUR\\\"}\"",
            "validate/unknown_currency: field 'currency' must be one of [EUR, USD] <- \"{\\\"id\\\":\\\"c\\\",\\\"price\\\":0,\\\"currency\\\":\\\"XXX\\\"}\"",
            "validate/negative_price: field 'price' must be >= 0; field 'currency' must be one of [EUR, USD] <- \"{\\\"id\\\":\\\"d\\\",\\\"price\\\":-2,\\\"currency\\\":\\\"BTC\\\"}\"");
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    // One row valid, three rejected once each under their first reason.
    Counters.assertStage(
        Counters.stage(run, graph, "validate"),
        4,
        1,
        Map.of("negative_price", 2L, "unknown_currency", 1L),
        Map.of());
  }

  @Test
  public void withStageNameNamesTheAccountingAndTheRejections() {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new Described());
    p.apply(Create.of(row("a", "1", "EUR"), row("b", "-1", "EUR")).withRowSchema(SCHEMA))
        .apply(rules().withStageName("validate_orders").withBadRecordErrorHandler(handler));
    handler.close();
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "validate_orders"),
        2,
        1,
        Map.of("negative_price", 1L),
        Map.of());
    assertThrows(IllegalArgumentException.class, () -> rules().withStageName("Validate"));
  }

  @Test
  public void unknownFieldFailsAtConstructionNamingIt() {
    PCollection<Row> input = p.apply(Create.of(row("a", "1", "EUR")).withRowSchema(SCHEMA));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> input.apply(Validate.rows().withRule(RowRule.notNull("amount"))));
    assertThat(e.getMessage(), containsString("field 'amount'"));
    p.enableAbandonedNodeEnforcement(false);
  }

  @Test
  public void noRulesIsAConstructionError() {
    PCollection<Row> input = p.apply(Create.of(row("a", "1", "EUR")).withRowSchema(SCHEMA));
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> input.apply(Validate.rows()));
    assertThat(e.getMessage(), containsString("withRule() is required"));
    p.enableAbandonedNodeEnforcement(false);
  }

  @Test
  public void displayDataListsRules() {
    assertThat(DisplayData.from(rules()).toString(), containsString("negative_price"));
  }
}
