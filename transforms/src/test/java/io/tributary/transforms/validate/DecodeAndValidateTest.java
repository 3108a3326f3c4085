package io.tributary.transforms.validate;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.tributary.testing.Counters;
import io.tributary.transforms.json.DecodeJson;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.metrics.StageGraph;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.schemas.Schema;
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

/**
 * {@link DecodeAndValidate} gives exactly what {@link DecodeJson} then {@link Validate} give: the
 * same rows, the same dead letters (reason, message, payload) and the same two stages in the
 * accounting. The two pipelines of the first two tests read the same lines and are held to one
 * expectation.
 */
@RunWith(JUnit4.class)
public class DecodeAndValidateTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final Schema SCHEMA =
      Schema.builder()
          .addStringField("id")
          .addDecimalField("price")
          .addStringField("currency")
          .build();

  private static final String OVERSIZED =
      "{\"id\":\"big\",\"price\":1,\"currency\":\"EUR\",\"note\":\"" + "x".repeat(200) + "\"}";

  private static final List<String> LINES =
      List.of(
          "{\"id\":\"a\",\"price\":1.50,\"currency\":\"EUR\"}",
          "{\"id\":\"b\",\"price\":-1,\"currency\":\"EUR\"}",
          "{\"id\":\"c\",\"price\":2,\"currency\":\"XXX\"}",
          "{\"id\":\"d\",\"price\":-2,\"currency\":\"BTC\"}",
          "not json",
          "{\"id\":\"e\",\"currency\":\"USD\"}",
          "",
          OVERSIZED,
          "{\"id\":\"f\",\"price\":0,\"currency\":\"USD\"}");

  private static final RecordLimits LIMITS =
      RecordLimits.defaults().withMaxRecordBytes(150).withKeptPayloadBytes(20);

  private static Row row(String id, String price, String currency) {
    return Row.withSchema(SCHEMA).addValues(id, new BigDecimal(price), currency).build();
  }

  private static DecodeJson.Rows decode(BadRecordErrorHandler<?> handler) {
    return DecodeJson.toRows(SCHEMA).withLimits(LIMITS).withBadRecordErrorHandler(handler);
  }

  private static Validate validate(BadRecordErrorHandler<?> handler) {
    return Validate.rows()
        .withRule(RowRule.atLeast("price", BigDecimal.ZERO).withReason("negative_price"))
        .withRule(RowRule.oneOf("currency", List.of("EUR", "USD")).withReason("unknown_currency"))
        .withBadRecordErrorHandler(handler);
  }

  /** The one expectation of both pipelines: rows, dead letters, and the two stages' numbers. */
  private void assertDecodedAndValidated(
      PCollection<Row> valid, BadRecordErrorHandler<PCollection<String>> handler) {
    PAssert.that(valid).containsInAnyOrder(row("a", "1.50", "EUR"), row("f", "0", "USD"));
    PAssert.that(handler.getOutput())
        .satisfies(
            letters -> {
              java.util.List<String> sorted = new java.util.ArrayList<>();
              letters.forEach(sorted::add);
              java.util.Collections.sort(sorted);
              assertEquals(7, sorted.size());
              String all = String.join("\n", sorted);
              // Decode's: the line itself, or the first kept bytes of an oversized one.
              assertThat(all, containsString("decode/not_json"));
              assertThat(all, containsString("<- \"not json\""));
              assertThat(all, containsString("decode/missing_field"));
              assertThat(all, containsString("decode/empty_line"));
              assertThat(all, containsString("decode/too_large"));
              assertThat(all, containsString("<- \"{\\\"id\\\":\\\"big\\\",\\\"pri"));
              assertThat(all, not(containsString("xxxxxxxxxx")));
              // Validate's: the row as JSON, the first failing rule's reason, every violation.
              assertThat(
                  all,
                  containsString(
                      "validate/negative_price: field 'price' must be >= 0 <- \"{\\\"id\\\":\\\"b\\\",\\\"price\\\":-1,\\\"currency\\\":\\\"EUR\\\"}\""));
              assertThat(
                  all,
                  containsString(
                      "validate/unknown_currency: field 'currency' must be one of [EUR, USD] <- \"{\\\"id\\\":\\\"c\\\",\\\"price\\\":2,\\\"currency\\\":\\\"XXX\\\"}\""));
              assertThat(
                  all,
                  containsString(
                      "validate/negative_price: field 'price' must be >= 0; field 'currency' must be one of [EUR, USD]"));
              return null;
            });
    StageGraph graph = StageGraph.of(p);
    assertEquals(Set.of("decode"), graph.stage("validate").feeders());
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "decode"),
        9,
        5,
        Map.of("not_json", 1L, "missing_field", 1L, "empty_line", 1L, "too_large", 1L),
        Map.of());
    Counters.assertStage(
        Counters.stage(run, graph, "validate"),
        5,
        2,
        Map.of("negative_price", 2L, "unknown_currency", 1L),
        Map.of());
  }

  @Test
  public void fusedGivesTheRowsDeadLettersAndAccountingOfTheTwoTransforms() {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new ValidateTest.Described());
    PCollection<Row> valid =
        p.apply(Create.of(LINES))
            .apply("DecodeValidate", DecodeAndValidate.of(decode(handler), validate(handler)));
    handler.close();
    assertDecodedAndValidated(valid, handler);
  }

  @Test
  public void theTwoTransformsOneAfterTheOther() {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new ValidateTest.Described());
    PCollection<Row> valid =
        p.apply(Create.of(LINES))
            .apply("Decode", decode(handler))
            .apply("Validate", validate(handler));
    handler.close();
    assertDecodedAndValidated(valid, handler);
  }

  @Test
  public void differentHandlersOrOneStageNameAreRefused() {
    BadRecordErrorHandler<PCollection<String>> one =
        p.registerBadRecordErrorHandler(new ValidateTest.Described());
    BadRecordErrorHandler<PCollection<String>> other =
        p.registerBadRecordErrorHandler(new ValidateTest.Described());
    IllegalArgumentException handlers =
        assertThrows(
            IllegalArgumentException.class,
            () -> DecodeAndValidate.of(decode(one), validate(other)));
    assertThat(handlers.getMessage(), containsString("same handler"));
    IllegalArgumentException names =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                DecodeAndValidate.of(
                    decode(one).withStageName("check"), validate(one).withStageName("check")));
    assertThat(names.getMessage(), containsString("share the stage name 'check'"));
    // Neither handler set: both fail the run on a rejection, as each would alone.
    DecodeAndValidate.of(DecodeJson.toRows(SCHEMA), Validate.rows());
    one.close();
    other.close();
    p.enableAbandonedNodeEnforcement(false);
  }

  @Test
  public void anUnknownRuleFieldFailsAtConstructionNamingIt() {
    PCollection<String> lines = p.apply(Create.of(LINES));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                lines.apply(
                    DecodeAndValidate.of(
                        DecodeJson.toRows(SCHEMA),
                        Validate.rows().withRule(RowRule.notNull("amount")))));
    assertThat(e.getMessage(), containsString("field 'amount'"));
    p.enableAbandonedNodeEnforcement(false);
  }

  @Test
  public void displayDataShowsBothStages() {
    String data =
        DisplayData.from(
                DecodeAndValidate.of(
                    DecodeJson.toRows(SCHEMA),
                    Validate.rows()
                        .withRule(
                            RowRule.atLeast("price", BigDecimal.ZERO)
                                .withReason("negative_price"))))
            .toString();
    assertThat(data, containsString("[validate]"));
    assertThat(data, containsString("negative_price"));
    assertThat(data, containsString("[decode]"));
    assertThat(data, containsString("maxRecordBytes=1048576"));
  }
}
