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
import io.tributary.transforms.time.EventTime;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@link DecodeAndValidate} gives exactly what {@link DecodeJson} then {@link Validate} give: the
 * same rows, the same dead letters (reason, message, payload) and the same two stages in the
 * accounting; with {@link DecodeAndValidate#withEventTime}, also what {@link EventTime} then gives
 * (timestamps, {@code out_of_range} dead letters, a third stage). Each pair of pipelines (fused and
 * one transform after the other) reads the same lines and is held to one expectation.
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

  private static final Schema TIMED =
      Schema.builder()
          .addStringField("id")
          .addDecimalField("price")
          .addDateTimeField("event_time")
          .build();

  private static final List<String> TIMED_LINES =
      List.of(
          "{\"id\":\"a\",\"price\":1,\"event_time\":\"2026-01-01T00:00:00Z\"}",
          "{\"id\":\"b\",\"price\":-1,\"event_time\":\"2026-01-01T00:00:00Z\"}",
          "{\"id\":\"c\",\"price\":2,\"event_time\":\"1999-12-31T23:59:59Z\"}",
          "not json",
          "{\"id\":\"e\",\"price\":0,\"event_time\":\"2026-06-01T12:00:00Z\"}");

  private static DecodeJson.Rows decodeTimed(BadRecordErrorHandler<?> handler) {
    return DecodeJson.toRows(TIMED).withBadRecordErrorHandler(handler);
  }

  private static Validate validatePrice(BadRecordErrorHandler<?> handler) {
    return Validate.rows()
        .withRule(RowRule.atLeast("price", BigDecimal.ZERO).withReason("negative_price"))
        .withBadRecordErrorHandler(handler);
  }

  private static EventTime eventTime(BadRecordErrorHandler<?> handler) {
    return EventTime.fromField("event_time")
        .withLimits(
            RecordLimits.defaults()
                .withEventTimeRange(
                    Instant.parse("2000-01-01T00:00:00Z"), Instant.parse("2100-01-01T00:00:00Z")))
        .withBadRecordErrorHandler(handler);
  }

  /** The one expectation of the three-stage pipelines: stamped rows, dead letters, accounting. */
  private void assertDecodedValidatedAndStamped(
      PCollection<Row> stamped, BadRecordErrorHandler<PCollection<String>> handler) {
    PAssert.that(stamped.apply("IdAtTime", ParDo.of(new IdAtTimeFn())))
        .containsInAnyOrder("a@2026-01-01T00:00:00.000Z", "e@2026-06-01T12:00:00.000Z");
    PAssert.that(handler.getOutput())
        .satisfies(
            letters -> {
              java.util.List<String> sorted = new java.util.ArrayList<>();
              letters.forEach(sorted::add);
              assertEquals(3, sorted.size());
              String all = String.join("\n", sorted);
              assertThat(all, containsString("decode/not_json"));
              assertThat(all, containsString("validate/negative_price"));
              assertThat(
                  all,
                  containsString(
                      "event_time/out_of_range: event time field 'event_time' must be in"
                          + " [2000-01-01T00:00:00.000Z, 2100-01-01T00:00:00.000Z)"));
              assertThat(all, containsString("\\\"id\\\":\\\"c\\\""));
              return null;
            });
    StageGraph graph = StageGraph.of(p);
    assertEquals(Set.of("decode"), graph.stage("validate").feeders());
    assertEquals(Set.of("validate"), graph.stage("event_time").feeders());
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "decode"), 5, 4, Map.of("not_json", 1L), Map.of());
    Counters.assertStage(
        Counters.stage(run, graph, "validate"), 4, 3, Map.of("negative_price", 1L), Map.of());
    Counters.assertStage(
        Counters.stage(run, graph, "event_time"), 3, 2, Map.of("out_of_range", 1L), Map.of());
  }

  /** A row as {@code id@timestamp}: the timestamp is what the event-time stage set. */
  static final class IdAtTimeFn extends DoFn<Row, String> {
    @ProcessElement
    public void process(@Element Row row, @Timestamp Instant time, OutputReceiver<String> out) {
      out.output(row.getString("id") + "@" + time);
    }
  }

  @Test
  public void fusedWithEventTimeGivesWhatTheThreeTransformsGive() {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new ValidateTest.Described());
    PCollection<Row> stamped =
        p.apply(Create.of(TIMED_LINES))
            .apply(
                "DecodeValidateStamp",
                DecodeAndValidate.of(decodeTimed(handler), validatePrice(handler))
                    .withEventTime(eventTime(handler)));
    handler.close();
    assertDecodedValidatedAndStamped(stamped, handler);
  }

  @Test
  public void theThreeTransformsOneAfterTheOther() {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new ValidateTest.Described());
    PCollection<Row> stamped =
        p.apply(Create.of(TIMED_LINES))
            .apply("Decode", decodeTimed(handler))
            .apply("Validate", validatePrice(handler))
            .apply("EventTime", eventTime(handler));
    handler.close();
    assertDecodedValidatedAndStamped(stamped, handler);
  }

  @Test
  public void anEventTimeStageWithAnotherHandlerNameOrFieldIsRefused() {
    BadRecordErrorHandler<PCollection<String>> one =
        p.registerBadRecordErrorHandler(new ValidateTest.Described());
    BadRecordErrorHandler<PCollection<String>> other =
        p.registerBadRecordErrorHandler(new ValidateTest.Described());
    DecodeAndValidate fused = DecodeAndValidate.of(decodeTimed(one), validatePrice(one));
    IllegalArgumentException handlers =
        assertThrows(IllegalArgumentException.class, () -> fused.withEventTime(eventTime(other)));
    assertThat(
        handlers.getMessage(),
        containsString(
            "DecodeAndValidate.withEventTime: stages 'validate' and 'event_time' must send"
                + " rejections to the same handler"));
    IllegalArgumentException names =
        assertThrows(
            IllegalArgumentException.class,
            () -> fused.withEventTime(eventTime(one).withStageName("validate")));
    assertThat(names.getMessage(), containsString("share the stage name 'validate'"));
    PCollection<String> lines = p.apply(Create.of(TIMED_LINES));
    IllegalArgumentException field =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                lines.apply(
                    DecodeAndValidate.of(decodeTimed(one), validatePrice(one))
                        .withEventTime(
                            EventTime.fromField("price").withBadRecordErrorHandler(one))));
    assertThat(field.getMessage(), containsString("field 'price' must be a non-null DATETIME"));
    one.close();
    other.close();
    p.enableAbandonedNodeEnforcement(false);
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
