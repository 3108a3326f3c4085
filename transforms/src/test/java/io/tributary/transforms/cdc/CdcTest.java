package io.tributary.transforms.cdc;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.tributary.testing.Counters;
import io.tributary.testing.EventScript;
import io.tributary.transforms.errors.Rejection;
import io.tributary.transforms.json.DecimalBound;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageGraph;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
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
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Cdc.apply on hand-written Debezium envelopes: out-of-order, repeated, deleted and re-created
 * keys, snapshot reads, tombstones and malformed envelopes, on whichever runner this surefire
 * execution targets.
 */
@RunWith(JUnit4.class)
public class CdcTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Schema TABLE =
      Schema.builder().addStringField("id").addStringField("name").addInt64Field("qty").build();
  static final Schema HISTORY = Cdc.historySchema(TABLE, List.of("id"));
  static final Schema CHANGES = Cdc.changeSchema(TABLE, List.of("id"));

  /** Collects bad records as "stage/reason" strings. */
  static final class ReasonsSink extends PTransform<PCollection<BadRecord>, PCollection<String>> {
    @Override
    public PCollection<String> expand(PCollection<BadRecord> input) {
      return input.apply(
          MapElements.into(TypeDescriptors.strings())
              .via(
                  r -> {
                    Rejection d = Rejection.from(r);
                    return d.stage() + "/" + d.reason();
                  }));
    }
  }

  static String event(String op, String id, String name, long qty, long lsn, long tsMs) {
    String image = "{\"id\":\"" + id + "\",\"name\":\"" + name + "\",\"qty\":" + qty + "}";
    String before = op.equals("d") ? image : "null";
    String after = op.equals("d") ? "null" : image;
    return "{\"before\":"
        + before
        + ",\"after\":"
        + after
        + ",\"op\":\""
        + op
        + "\","
        + "\"source\":{\"connector\":\"postgresql\",\"db\":\"shop\",\"table\":\"t\",\"lsn\":"
        + lsn
        + ",\"txId\":"
        + (lsn / 10)
        + ",\"ts_ms\":"
        + tsMs
        + "},\"ts_ms\":"
        + (tsMs + 5)
        + "}";
  }

  static Row row(String id, String name, long qty) {
    return Row.withSchema(TABLE).addValues(id, name, qty).build();
  }

  static Row change(String id, String name, Long qty, boolean deleted) {
    return Row.withSchema(CHANGES).addValues(id, name, qty, deleted).build();
  }

  static Row version(
      String id, String name, long qty, String op, long lsn, long from, Long to, boolean current) {
    return Row.withSchema(HISTORY)
        .addValues(
            id,
            name,
            qty,
            op,
            Cdc.formatPosition(lsn, lsn / 10, 0),
            new Instant(from),
            to == null ? null : new Instant(to),
            current)
        .build();
  }

  /** The change log in source order; the tests feed it shuffled and with redeliveries. */
  static List<String> sourceOrder() {
    return List.of(
        event("r", "a", "apple", 1, 100, 1_000), // snapshot read
        event("r", "b", "bean", 2, 100, 1_000),
        event("r", "c", "corn", 3, 100, 1_000),
        event("u", "a", "apple", 5, 110, 2_000),
        event("c", "d", "date", 7, 120, 3_000),
        event("d", "b", "bean", 2, 130, 4_000),
        "null", // tombstone after the delete of b
        event("u", "a", "apricot", 6, 140, 5_000),
        event("d", "c", "corn", 3, 150, 6_000),
        "null",
        event("c", "c", "corn", 9, 160, 7_000)); // c re-created
  }

  static List<Row> expectedHistory() {
    return List.of(
        version("a", "apple", 1, "r", 100, 1_000, 2_000L, false),
        version("a", "apple", 5, "u", 110, 2_000, 5_000L, false),
        version("a", "apricot", 6, "u", 140, 5_000, null, true),
        version("b", "bean", 2, "r", 100, 1_000, 4_000L, false),
        version("b", "bean", 2, "d", 130, 4_000, null, false),
        version("c", "corn", 3, "r", 100, 1_000, 6_000L, false),
        version("c", "corn", 3, "d", 150, 6_000, 7_000L, false),
        version("c", "corn", 9, "c", 160, 7_000, null, true),
        version("d", "date", 7, "c", 120, 3_000, null, true));
  }

  @Test
  public void shuffledAndRepeatedEventsGiveTheFinalStateHistoryAndAccounting() {
    List<String> input = new ArrayList<>(sourceOrder());
    input.add(event("u", "a", "apple", 5, 110, 2_000)); // redelivery
    input.add(event("d", "b", "bean", 2, 130, 4_000)); // redelivery
    input.add("{\"op\":\"u\",\"after\":{\"id\":\"x\",\"name\":\"x\",\"qty\":1}}"); // no source
    input.add("{\"op\":\"x\",\"source\":{\"ts_ms\":1}}"); // unknown op
    input.add(
        "{\"op\":\"c\",\"source\":{\"ts_ms\":1},\"after\":{\"id\":\"y\",\"name\":\"y\",\"qty\":\"two\"}}");
    input.add("<html>502 Bad Gateway</html>");
    Collections.shuffle(input, new Random(7));

    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new ReasonsSink());
    Cdc.Result result =
        p.apply(Create.of(input).withCoder(StringUtf8Coder.of()))
            .apply("Apply", Cdc.apply(TABLE, "id").withBadRecordErrorHandler(handler));
    handler.close();

    PAssert.that(result.currentState())
        .containsInAnyOrder(row("a", "apricot", 6), row("c", "corn", 9), row("d", "date", 7));
    PAssert.that(result.changes())
        .containsInAnyOrder(
            change("a", "apricot", 6L, false), change("b", "bean", 2L, true),
            change("c", "corn", 9L, false), change("d", "date", 7L, false));
    PAssert.that(result.history()).containsInAnyOrder(expectedHistory());
    PAssert.that(handler.getOutput())
        .containsInAnyOrder(
            "cdc/missing_source", "cdc/unknown_op", "cdc/wrong_type", "cdc/not_json");

    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    // 17 lines = 9 accepted versions (out, once per event though the final state emits 4 changes
    // and 9 versions) + 2 redeliveries + 2 tombstones (deduplicated) + 4 dead letters.
    Counters.assertStage(
        Counters.stage(run, graph, "cdc"),
        17,
        9,
        Map.of("missing_source", 1L, "unknown_op", 1L, "wrong_type", 1L, "not_json", 1L),
        Map.of("deduplicated", 4L));
    RunAccounting a = Counters.accounting(run, graph);
    assertEquals(17, a.read());
    assertEquals(9, a.written());
    assertEquals(4, a.deduplicated());
    assertEquals(
        Map.of(
            "cdc.missing_source",
            1L,
            "cdc.unknown_op",
            1L,
            "cdc.wrong_type",
            1L,
            "cdc.not_json",
            1L),
        a.deadLettersByReason());
    assertTrue(a.line(), a.balanced());
    assertEquals(2, counter(run, Cdc.TOMBSTONES));
  }

  @Test
  public void changelogModeEmitsEachAdvanceAndRevisesHistoryWhenAnOlderEventArrivesLate() {
    // Arrival order is what this test is about. EventScript replays it as a TestStream on the
    // Direct runner and through a real unbounded source on Flink (where TestStream is not
    // reproduced faithfully, STYLE.md 10); the watermark steps between elements keep them in
    // order on both and stay behind every event, so nothing is late.
    Instant t = new Instant(10_000);
    PCollection<String> stream =
        EventScript.create()
            .add(t, event("c", "k", "one", 1, 10, 1_000))
            .watermark(new Instant(1))
            .add(t, event("u", "k", "three", 3, 30, 3_000))
            .watermark(new Instant(2))
            // Arrives after position 30 was applied: superseded for the current state, but it
            // is inserted into the history, which closes version 10 earlier.
            .add(t, event("u", "k", "two", 2, 20, 2_000))
            .watermark(new Instant(3))
            .add(t, event("c", "k", "one", 1, 10, 1_000)) // redelivery
            .apply(p, "Events");
    Cdc.Result result = stream.apply("Apply", Cdc.apply(TABLE, "id"));

    PAssert.that(result.changes())
        .containsInAnyOrder(change("k", "one", 1L, false), change("k", "three", 3L, false));
    PAssert.that(result.history())
        .containsInAnyOrder(
            version("k", "one", 1, "c", 10, 1_000, null, true),
            version("k", "three", 3, "u", 30, 3_000, null, true),
            version("k", "one", 1, "c", 10, 1_000, 3_000L, false),
            version("k", "two", 2, "u", 20, 2_000, 3_000L, false),
            version("k", "one", 1, "c", 10, 1_000, 2_000L, false));
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    // Three accepted events (out once each, though the changelog emitted 2 changes and 5
    // versions for them), one redelivery.
    Counters.assertStage(
        Counters.stage(run, graph, "cdc"), 4, 3, Map.of(), Map.of("deduplicated", 1L));
    assertEquals(1, counter(run, Cdc.SUPERSEDED));
  }

  @Test
  public void stateTtlKeepsTheNewestVersionForgetsDeletedKeysAndRejectsWhatItCanNoLongerPlace() {
    // Event time of every change: 10 s, then 80 s. The TTL is 1 minute after a key's last event,
    // so the watermark step to 70.001 s expires both keys before the second group arrives. The
    // small watermark steps between elements keep arrival order on both runners (see above).
    Instant t = new Instant(10_000);
    Instant later = new Instant(80_000);
    PCollection<String> stream =
        EventScript.create()
            .add(t, event("c", "k", "one", 1, 10, 1_000))
            .watermark(new Instant(1))
            .add(t, event("u", "k", "three", 3, 30, 3_000))
            .watermark(new Instant(2))
            .add(t, event("c", "g", "gone", 1, 10, 1_000))
            .watermark(new Instant(3))
            .add(t, event("d", "g", "gone", 1, 20, 2_000))
            // k keeps only version 30 (version 10 compacted); g, deleted, is forgotten.
            .watermark(new Instant(70_001))
            // Older than k's kept version: cannot be placed any more, nor told from a redelivery.
            .add(later, event("u", "k", "two", 2, 20, 2_000))
            .watermark(new Instant(70_002))
            .add(later, event("c", "k", "one", 1, 10, 1_000))
            .watermark(new Instant(70_003))
            .add(later, event("u", "k", "four", 4, 40, 4_000)) // newer: applied, closes version 30
            .watermark(new Instant(70_004))
            .add(
                later,
                event("c", "g", "again", 5, 50, 5_000)) // g re-created after it was forgotten
            .apply(p, "Events");
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new ReasonsSink());
    Cdc.Result result =
        stream.apply(
            "Apply",
            Cdc.apply(TABLE, "id")
                .withStateTtl(org.joda.time.Duration.standardMinutes(1))
                .withBadRecordErrorHandler(handler));
    handler.close();

    PAssert.that(result.changes())
        .containsInAnyOrder(
            change("k", "one", 1L, false),
            change("k", "three", 3L, false),
            change("g", "gone", 1L, false),
            change("g", "gone", 1L, true),
            change("k", "four", 4L, false),
            change("g", "again", 5L, false));
    PAssert.that(result.history())
        .containsInAnyOrder(
            version("k", "one", 1, "c", 10, 1_000, null, true),
            version("k", "three", 3, "u", 30, 3_000, null, true),
            version("k", "one", 1, "c", 10, 1_000, 3_000L, false),
            version("g", "gone", 1, "c", 10, 1_000, null, true),
            version("g", "gone", 1, "d", 20, 2_000, null, false),
            version("g", "gone", 1, "c", 10, 1_000, 2_000L, false),
            version("k", "four", 4, "u", 40, 4_000, null, true),
            version("k", "three", 3, "u", 30, 3_000, 4_000L, false),
            version("g", "again", 5, "c", 50, 5_000, null, true));
    PAssert.that(handler.getOutput()).containsInAnyOrder("cdc/expired_state", "cdc/expired_state");
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "cdc"), 8, 6, Map.of("expired_state", 2L), Map.of());
    assertEquals(1, counter(run, Cdc.EXPIRED_KEYS));
    // Version 10 of k at 70 s; version 30 of k when the input ends (k then holds 30 and 40).
    assertEquals(2, counter(run, Cdc.COMPACTED));
  }

  @Test
  public void stateTtlNeedsAChangelog() {
    p.enableAbandonedNodeEnforcement(false);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                p.apply(Create.of("null"))
                    .apply(
                        "Apply",
                        Cdc.apply(TABLE, "id")
                            .withStateTtl(org.joda.time.Duration.standardHours(1))));
    assertThat(e.getMessage(), containsString("Cdc.withStateTtl: only with Emit.CHANGELOG"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> Cdc.apply(TABLE, "id").withStateTtl(org.joda.time.Duration.ZERO))
            .getMessage(),
        containsString("Cdc.withStateTtl: ttl must be > 0"));
  }

  static final Schema PRICED =
      Schema.builder().addStringField("id").addDecimalField("price").build();

  static String priced(String id, String price, long lsn) {
    return "{\"before\":null,\"after\":{\"id\":\""
        + id
        + "\",\"price\":"
        + price
        + "},\"op\":\"c\",\"source\":{\"lsn\":"
        + lsn
        + ",\"ts_ms\":1000},\"ts_ms\":1005}";
  }

  @Test
  public void hostileEnvelopesAreDeadLettersWithinLimitsAndDecimalBounds() {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new ReasonsSink());
    Cdc.Result result =
        p.apply(
                Create.of(
                    priced("a", "19.9", 100),
                    "{\"x\":" + "[".repeat(1001) + "]".repeat(1001) + "}", // too_deep
                    priced("b", "1" + "0".repeat(150), 101), // number_too_long
                    priced("c", "1e400", 102), // out_of_range: was NumberFormatException
                    priced("d", "19.999", 103), // out_of_range: 3 decimals into scale 2
                    priced("e", "1234567890123", 104), // out_of_range: 13 integer digits
                    priced("f", "1", 105).replace("\"op\":\"c\"", "\"op\":\"c\",\"op\":\"c\""),
                    priced("g", "1", 106).replace("\"id\":\"g\"", "\"id\":\"g\",\"color\":1"),
                    priced("h", "1", 107).replace("\"lsn\":107", "\"lsn\":1" + "0".repeat(20)),
                    priced("i", "1", 108)
                        .replace("\"ts_ms\":1000", "\"ts_ms\":9000000000000000000"),
                    "x".repeat(6000))) // too_large
            .setCoder(StringUtf8Coder.of())
            .apply(
                "Apply",
                Cdc.apply(PRICED, "id")
                    .withLimits(
                        RecordLimits.defaults()
                            .withMaxRecordBytes(5000)
                            .withUnknownFields(RecordLimits.Rule.REJECT))
                    .withDecimalBounds(Map.of("price", DecimalBound.of(12, 2)))
                    .withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(result.currentState())
        .containsInAnyOrder(
            Row.withSchema(PRICED).addValues("a", new java.math.BigDecimal("19.9")).build());
    PAssert.that(handler.getOutput())
        .containsInAnyOrder(
            "cdc/too_deep",
            "cdc/number_too_long",
            "cdc/out_of_range",
            "cdc/out_of_range",
            "cdc/out_of_range",
            "cdc/duplicate_key",
            "cdc/unknown_field",
            "cdc/out_of_range", // lsn beyond INT64, once wrapped silently
            "cdc/out_of_range", // source.ts_ms in year 285 million
            "cdc/too_large");
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "cdc"),
        11,
        1,
        Map.of(
            "too_deep", 1L,
            "number_too_long", 1L,
            "out_of_range", 5L,
            "duplicate_key", 1L,
            "unknown_field", 1L,
            "too_large", 1L),
        Map.of());
  }

  @Test
  public void acceptedEnvelopesThatBreakACountRuleAreCounted() {
    p.apply(
            Create.of(
                priced("a", "1", 100).replace("\"id\":\"a\"", "\"id\":\"a\",\"extra\":1"),
                priced("b", "1", 101).replace("\"ts_ms\":1005", "\"ts_ms\":1005,\"ts_ms\":1006"),
                priced("c", "1", 102)))
        .apply(
            "Apply",
            Cdc.apply(PRICED, "id")
                .withLimits(RecordLimits.defaults().withDuplicateKeys(RecordLimits.Rule.COUNT)));
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    assertEquals(1, counter(run, "noted.cdc.unknown_field"));
    assertEquals(1, counter(run, "noted.cdc.duplicate_key"));
    Counters.assertStage(Counters.stage(run, graph, "cdc"), 3, 3, Map.of(), Map.of());
  }

  @Test
  public void twoTablesInOnePipelineAreTwoStagesWithTheirOwnRejections() {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new ReasonsSink());
    p.apply("Orders", Create.of(sourceOrder()).withCoder(StringUtf8Coder.of()))
        .apply(
            "ApplyOrders",
            Cdc.apply(TABLE, "id").withStageName("cdc_orders").withBadRecordErrorHandler(handler));
    p.apply(
            "Products",
            Create.of(priced("p", "1", 100), priced("p", "2", 100), "{\"op\":\"c\"}")
                .withCoder(StringUtf8Coder.of()))
        .apply(
            "ApplyProducts",
            Cdc.apply(PRICED, "id")
                .withStageName("cdc_products")
                .withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(handler.getOutput()).containsInAnyOrder("cdc_products/missing_source");
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    // 11 lines: 9 versions, 2 tombstones.
    Counters.assertStage(
        Counters.stage(run, graph, "cdc_orders"), 11, 9, Map.of(), Map.of("deduplicated", 2L));
    // the second "p" at the same position is a redelivery: the first arrival wins
    Counters.assertStage(
        Counters.stage(run, graph, "cdc_products"),
        3,
        1,
        Map.of("missing_source", 1L),
        Map.of("deduplicated", 1L));
    RunAccounting a = Counters.accounting(run, graph);
    assertEquals(14, a.read());
    assertEquals(10, a.written());
    assertTrue(a.line(), a.balanced());
    assertThrows(IllegalArgumentException.class, () -> Cdc.apply(TABLE, "id").withStageName("CDC"));
  }

  @Test
  public void decimalBoundsMustNameDecimalFieldsOfTheTable() {
    p.enableAbandonedNodeEnforcement(false);
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    p.apply(Create.of("null"))
                        .apply(
                            Cdc.apply(PRICED, "id")
                                .withDecimalBounds(Map.of("after.id", DecimalBound.of(4, 2)))))
            .getMessage(),
        containsString("Cdc.withDecimalBounds: 'after.id' does not name a DECIMAL field"));
  }

  @Test
  public void withoutHandlerAMalformedEnvelopeFailsThePipeline() {
    p.apply(Create.of("{\"op\":\"c\"}")).apply("Apply", Cdc.apply(TABLE, "id"));
    Exception e = assertThrows(Exception.class, () -> p.run().waitUntilFinish());
    assertThat(
        String.valueOf(e.getMessage()) + e.getCause(), containsString("field 'source' is absent"));
  }

  @Test
  public void constructionErrorsNameTheProblem() {
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> Cdc.apply(TABLE, "nope")).getMessage(),
        containsString("primary-key field 'nope' is not in the table schema"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> Cdc.apply(TABLE)).getMessage(),
        containsString("at least one primary-key field"));
    Schema clash = Schema.builder().addStringField("id").addStringField("op").build();
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> Cdc.apply(clash, "id")).getMessage(),
        containsString("'op'"));
  }

  @Test
  public void displayDataShowsKeyEmitAndOrdering() {
    String data = DisplayData.from(Cdc.apply(TABLE, "id").withEmit(Cdc.Emit.CHANGELOG)).toString();
    assertThat(data, containsString("primaryKey=id"));
    assertThat(data, containsString("CHANGELOG"));
    assertThat(data, containsString("source.lsn"));
    assertThat(
        DisplayData.from(
                Cdc.apply(TABLE, "id").withStateTtl(org.joda.time.Duration.standardHours(6)))
            .toString(),
        containsString("stateTtl=PT21600S"));
  }

  @Test
  public void positionsSortAsStrings() {
    assertTrue(Cdc.formatPosition(9, 0, 0).compareTo(Cdc.formatPosition(10, 0, 0)) < 0);
    assertTrue(Cdc.formatPosition(10, 1, 2).compareTo(Cdc.formatPosition(10, 1, 10)) < 0);
  }

  static long counter(PipelineResult run, String name) {
    long total = 0;
    for (MetricResult<Long> c :
        run.metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named("tributary", name))
                    .build())
            .getCounters()) {
      total += c.getAttempted();
    }
    return total;
  }
}
