package io.tributary.transforms.join;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.tributary.testing.Counters;
import io.tributary.testing.EventScript;
import io.tributary.transforms.cdc.Cdc;
import io.tributary.transforms.errors.Rejection;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageGraph;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * AsOfJoin on hand-computed scenarios, on whichever runner this surefire execution targets. The
 * event-time scenarios are {@link EventScript}s: a TestStream on the Direct runner and a real
 * unbounded source on Flink, where TestStream is not reproduced faithfully (STYLE.md 10); the
 * watermark steps between groups of elements keep arrival order on both runners.
 *
 * <p>The scenario, key {@code p1}, lateness 10 s: versions {@code a} from 10 s, {@code b} from 20
 * s, a delete at 40 s, {@code c} from 50 s. Facts: f1 at 5 s (before the first version: none), f2
 * at 15 s ({@code a}), f3 at 20 s ({@code b}: valid from is inclusive), f4 at 25 s ({@code b}), f5
 * at 45 s (deleted: none), f6 at 55 s ({@code c}); f7 at 35 s of key {@code p9}, which has no
 * version; f8 at 30 s with a null key. In the stream every version arrives <em>after</em> the facts
 * it governs, before the watermark passes them.
 */
@RunWith(JUnit4.class)
public class AsOfJoinTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Schema FACT =
      Schema.builder()
          .addStringField("id")
          .addNullableField("key", Schema.FieldType.STRING)
          .build();

  static final Schema DIM =
      Schema.builder()
          .addStringField("key")
          .addNullableField("category", Schema.FieldType.STRING)
          .addStringField(Cdc.OP)
          .addStringField(Cdc.SOURCE_POSITION)
          .addDateTimeField(Cdc.VALID_FROM)
          .build();

  static final Schema OUT =
      Schema.builder()
          .addStringField("id")
          .addNullableField("key", Schema.FieldType.STRING)
          .addNullableField("category", Schema.FieldType.STRING)
          .build();

  static Instant sec(long s) {
    return new Instant(s * 1000);
  }

  /** A fact line: {@code F,id,key} ({@code -} for a null key). */
  static String fact(String id, String key) {
    return "F," + id + "," + key;
  }

  /** A version line: {@code V,key,category,op,position,validFromSeconds}. */
  static String version(String key, String category, String op, long pos, long fromSec) {
    return "V," + key + "," + category + "," + op + "," + pos + "," + fromSec;
  }

  static Row out(String id, String key, String category) {
    return Row.withSchema(OUT).addValues(id, key, category).build();
  }

  /** Splits script lines into facts and versions. */
  static final class Split extends PTransform<PCollection<String>, PCollection<Row>> {
    private final String kind;

    Split(String kind) {
      this.kind = kind;
    }

    @Override
    public PCollection<Row> expand(PCollection<String> lines) {
      String k = kind;
      return lines
          .apply("Only" + k, Filter.by(l -> l.startsWith(k + ",")))
          .apply("Parse" + k, ParDo.of(new ParseFn(k)))
          .setRowSchema(k.equals("F") ? FACT : DIM);
    }
  }

  static final class ParseFn extends DoFn<String, Row> {
    private final String kind;

    ParseFn(String kind) {
      this.kind = kind;
    }

    @ProcessElement
    public void process(@Element String line, OutputReceiver<Row> out) {
      String[] f = line.split(",", -1);
      if (kind.equals("F")) {
        out.output(Row.withSchema(FACT).addValues(f[1], f[2].equals("-") ? null : f[2]).build());
      } else {
        out.output(
            Row.withSchema(DIM)
                .addValues(
                    f[1],
                    f[2].equals("-") ? null : f[2],
                    f[3],
                    Cdc.formatPosition(Long.parseLong(f[4]), 0, 0),
                    sec(Long.parseLong(f[5])))
                .build());
      }
    }
  }

  /** Steps 1 to 5 of the scenario: every fact on time, versions after their facts. */
  static EventScript onTime() {
    return EventScript.create()
        .add(sec(5), fact("f1", "p1"))
        .add(sec(15), fact("f2", "p1"))
        .add(sec(20), fact("f3", "p1"))
        .add(sec(25), fact("f4", "p1"))
        .add(sec(35), fact("f7", "p9"))
        .add(sec(30), fact("f8", "-"))
        .watermark(sec(1))
        // Both arrive after the facts they govern (f2, f3, f4), before the watermark passes them.
        .add(sec(10), version("p1", "a", "c", 10, 10))
        .add(sec(20), version("p1", "b", "u", 20, 20))
        .watermark(sec(30))
        .add(sec(45), fact("f5", "p1"))
        .add(sec(55), fact("f6", "p1"))
        .watermark(sec(31))
        .add(sec(40), version("p1", "-", "d", 40, 40))
        .add(sec(50), version("p1", "c", "c", 50, 50));
  }

  static List<Row> onTimeExpected() {
    return List.of(
        out("f1", "p1", null),
        out("f2", "p1", "a"),
        out("f3", "p1", "b"),
        out("f4", "p1", "b"),
        out("f5", "p1", null),
        out("f6", "p1", "c"),
        out("f7", "p9", null),
        out("f8", null, null));
  }

  static AsOfJoin.Join join(PCollection<Row> dimension) {
    return AsOfJoin.of(dimension)
        .by("key")
        .withFields("category")
        .withAllowedLateness(Duration.standardSeconds(10));
  }

  @Test
  public void streamHoldsFactsUntilTheWatermarkAndRoutesTooLateFacts() {
    EventScript script =
        onTime()
            .watermark(sec(60))
            // The key's watermark is 55 s (f6's release), its horizon 45 s: f9 at 52 s is late
            // but within the 10 s lateness, joined at once with c (valid from 50 s).
            .add(sec(52), fact("f9", "p1"))
            .watermark(sec(61))
            // f10 at 20 s is behind the horizon: the versions it needs were pruned.
            .add(sec(20), fact("f10", "p1"));
    PCollection<String> lines = script.apply(p, "Script");
    AsOfJoin.Result result =
        lines
            .apply("Facts", new Split("F"))
            .apply("Join", join(lines.apply("Versions", new Split("V"))));
    List<Row> expected = new ArrayList<>(onTimeExpected());
    expected.add(out("f9", "p1", "c"));
    PAssert.that(result.output()).containsInAnyOrder(expected);
    PAssert.that(result.tooLate())
        .containsInAnyOrder(Row.withSchema(FACT).addValues("f10", "p1").build());

    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, AsOfJoin.STAGE), 10, 9, Map.of(), Map.of("too_late", 1L));
    assertEquals(1, Counters.get(run, AsOfJoin.LATE_ACCEPTED));
    assertEquals(0, Counters.get(run, AsOfJoin.LATE_VERSIONS));
    assertEquals(4, Counters.get(run, AsOfJoin.UNMATCHED)); // f1, f5, f7, f8
    // At 30 s the horizon is 20 s: version a (10 s) goes. At 50 s the horizon is 40 s, a delete:
    // b (20 s) and the delete go. The key keeps c alone.
    assertEquals(3, Counters.get(run, AsOfJoin.PRUNED));
  }

  @Test
  public void backfillAndStreamGiveIdenticalRows() {
    // The Kappa property: one script, replayed as a bounded backfill (every element at its
    // timestamp, in one Create) and as the stream; the two outputs are compared row for row.
    EventScript script = onTime();
    PCollection<String> streamed = script.apply(p, "Stream");
    PCollection<String> backfill =
        p.apply("Backfill", Create.timestamped(script.elements()).withCoder(StringUtf8Coder.of()));
    PCollection<Row> fromStream =
        streamed
            .apply("StreamFacts", new Split("F"))
            .apply(
                "StreamJoin",
                join(streamed.apply("StreamVersions", new Split("V")))
                    .withStageName("as_of_stream"))
            .output();
    PCollection<Row> fromBackfill =
        backfill
            .apply("BackfillFacts", new Split("F"))
            .apply(
                "BackfillJoin",
                join(backfill.apply("BackfillVersions", new Split("V")))
                    .withStageName("as_of_backfill"))
            .output();
    PAssert.that(fromBackfill).containsInAnyOrder(onTimeExpected());
    PAssert.that(differences(fromStream, fromBackfill)).empty();
    p.run().waitUntilFinish();
  }

  /** Rows (as text) that one side has more often than the other. */
  static PCollection<String> differences(PCollection<Row> a, PCollection<Row> b) {
    TupleTag<Long> inA = new TupleTag<Long>() {};
    TupleTag<Long> inB = new TupleTag<Long>() {};
    return KeyedPCollectionTuple.of(inA, asText(a, "A"))
        .and(inB, asText(b, "B"))
        .apply("CompareRows", CoGroupByKey.create())
        .apply(
            "Differences",
            MapElements.into(TypeDescriptors.strings())
                .via(
                    (KV<String, CoGbkResult> kv) ->
                        count(kv, inA) + "/" + count(kv, inB) + " " + kv.getKey()))
        .apply(
            "OnlyDifferent",
            Filter.by(s -> !s.split(" ")[0].split("/")[0].equals(s.split(" ")[0].split("/")[1])));
  }

  private static long count(KV<String, CoGbkResult> kv, TupleTag<Long> tag) {
    long n = 0;
    for (Long one : kv.getValue().getAll(tag)) {
      n += one;
    }
    return n;
  }

  private static PCollection<KV<String, Long>> asText(PCollection<Row> rows, String name) {
    // One window holding every fact time, so the stream's side can be grouped and compared.
    return rows.apply("OneDay" + name, Window.into(FixedWindows.of(Duration.standardDays(1))))
        .apply(
            "AsText" + name,
            MapElements.into(
                    TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.longs()))
                .via(r -> KV.of(r.toString(), 1L)));
  }

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

  @Test
  public void unmatchedFactsAsDeadLettersAndTheDimensionAccountedUpstream() {
    // Bounded: the products' change log goes through Cdc (its stage counts every change), the
    // join takes Cdc's history as its dimension and counts only the facts.
    List<String> changes =
        List.of(
            envelope("c", "p1", "a", 10, 10_000),
            envelope("u", "p1", "b", 20, 20_000),
            envelope("d", "p1", "b", 40, 40_000),
            envelope("c", "p1", "c", 50, 50_000));
    Cdc.Result products =
        p.apply("Changes", Create.of(changes).withCoder(StringUtf8Coder.of()))
            .apply("ApplyProducts", Cdc.apply(PRODUCT, "key").withStageName("cdc_products"));
    List<org.apache.beam.sdk.values.TimestampedValue<String>> timed = new ArrayList<>();
    for (org.apache.beam.sdk.values.TimestampedValue<String> v : onTime().elements()) {
      if (v.getValue().startsWith("F,")) {
        timed.add(v);
      }
    }
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new ReasonsSink());
    AsOfJoin.Result result =
        p.apply("Facts", Create.timestamped(timed).withCoder(StringUtf8Coder.of()))
            .apply("ParseFacts", new Split("F"))
            .apply(
                "Join",
                AsOfJoin.of(products.history())
                    .by("key")
                    .withFields("category")
                    .withUnmatchedAsDeadLetter()
                    .withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(result.output())
        .containsInAnyOrder(
            out("f2", "p1", "a"), out("f3", "p1", "b"), out("f4", "p1", "b"), out("f6", "p1", "c"));
    PAssert.that(handler.getOutput())
        .containsInAnyOrder(
            "as_of_join/no_dimension_version",
            "as_of_join/no_dimension_version",
            "as_of_join/no_dimension_version",
            "as_of_join/no_dimension_version");
    PAssert.that(result.tooLate()).empty();

    StageGraph graph = StageGraph.of(p);
    assertTrue(graph.stage(AsOfJoin.STAGE).feeders().isEmpty());
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, AsOfJoin.STAGE),
        8,
        4,
        Map.of(AsOfJoin.NO_VERSION, 4L),
        Map.of());
    Counters.assertStage(Counters.stage(run, graph, "cdc_products"), 4, 4, Map.of(), Map.of());
    RunAccounting a = Counters.accounting(run, graph);
    // read: 4 changes + 8 facts; written: 4 versions (Cdc's out) + 4 joined facts.
    assertEquals(12, a.read());
    assertEquals(8, a.written());
    assertTrue(a.line(), a.balanced());
  }

  static final Schema PRODUCT =
      Schema.builder().addStringField("key").addStringField("category").build();

  static String envelope(String op, String key, String category, long lsn, long tsMs) {
    String image = "{\"key\":\"" + key + "\",\"category\":\"" + category + "\"}";
    return "{\"before\":"
        + (op.equals("d") ? image : "null")
        + ",\"after\":"
        + (op.equals("d") ? "null" : image)
        + ",\"op\":\""
        + op
        + "\",\"source\":{\"connector\":\"postgresql\",\"db\":\"shop\",\"table\":\"t\",\"lsn\":"
        + lsn
        + ",\"txId\":1,\"ts_ms\":"
        + tsMs
        + "},\"ts_ms\":"
        + tsMs
        + "}";
  }

  @Test
  public void settingsAreCheckedNamingTheCall() {
    p.enableAbandonedNodeEnforcement(false);
    PCollection<Row> dim =
        p.apply("Dim", Create.empty(org.apache.beam.sdk.coders.RowCoder.of(DIM))).setRowSchema(DIM);
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> AsOfJoin.of(dim).outputSchema(FACT))
            .getMessage(),
        containsString("by() is required"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class, () -> AsOfJoin.of(dim).by("key").outputSchema(FACT))
            .getMessage(),
        containsString("withFields() is required"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> AsOfJoin.of(dim).by("key").withFields("colour").outputSchema(FACT))
            .getMessage(),
        containsString("AsOfJoin.withFields: the dimension has no field 'colour'"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    AsOfJoin.of(dim)
                        .by("key")
                        .withFields("category")
                        .withFactTime("id")
                        .outputSchema(FACT))
            .getMessage(),
        containsString("AsOfJoin.withFactTime: field 'id' of the facts must be a DATETIME"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    AsOfJoin.of(dim)
                        .by("key")
                        .withFields("category")
                        .withDeleteWhen("deleted", "true")
                        .outputSchema(FACT))
            .getMessage(),
        containsString("withoutDeletes()"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> AsOfJoin.of(dim).withAllowedLateness(Duration.millis(-1)))
            .getMessage(),
        containsString("AsOfJoin.withAllowedLateness: lateness must be >= 0"));
    assertEquals(OUT, AsOfJoin.of(dim).by("key").withFields("category").outputSchema(FACT));
  }

  @Test
  public void displayDataListsEverySetting() {
    p.enableAbandonedNodeEnforcement(false);
    PCollection<Row> dim =
        p.apply("Dim", Create.empty(org.apache.beam.sdk.coders.RowCoder.of(DIM))).setRowSchema(DIM);
    String shown =
        DisplayData.from(
                AsOfJoin.of(dim)
                    .by("key")
                    .withFields("category")
                    .withAllowedLateness(Duration.standardMinutes(5))
                    .withUnmatchedAsDeadLetter()
                    .withStageName("product_at_order_time"))
            .toString();
    for (String item :
        List.of(
            "stage=product_at_order_time",
            "key=key",
            "fields=category",
            "factTime=element timestamp",
            "validFrom=valid_from",
            "deleteWhen=op = d",
            "versionOrder=source_position",
            "allowedLateness=5m",
            "unmatched=DEAD_LETTER")) {
      assertThat(shown, containsString(item));
    }
  }

  static Row stepConfig(Map<String, Object> values) {
    Row.FieldValueBuilder b =
        Row.withSchema(new AsOfJoinStep().configurationSchema()).withFieldValue("key", "key");
    for (Map.Entry<String, Object> e : values.entrySet()) {
      b = b.withFieldValue(e.getKey(), e.getValue());
    }
    return b.build();
  }

  @Test
  public void stepJoinsWithDefaultsAndNamesTheWrongKey() {
    List<org.apache.beam.sdk.values.TimestampedValue<String>> facts = new ArrayList<>();
    List<org.apache.beam.sdk.values.TimestampedValue<String>> versions = new ArrayList<>();
    for (org.apache.beam.sdk.values.TimestampedValue<String> v : onTime().elements()) {
      (v.getValue().startsWith("F,") ? facts : versions).add(v);
    }
    PCollection<Row> factRows =
        p.apply("Facts", Create.timestamped(facts).withCoder(StringUtf8Coder.of()))
            .apply("ParseFacts", new Split("F"));
    PCollection<Row> versionRows =
        p.apply("Versions", Create.timestamped(versions).withCoder(StringUtf8Coder.of()))
            .apply("ParseVersions", new Split("V"));
    org.apache.beam.sdk.values.PCollectionRowTuple inputs =
        org.apache.beam.sdk.values.PCollectionRowTuple.of("input", factRows)
            .and(AsOfJoinStep.VERSIONS, versionRows);
    AsOfJoinStep step = new AsOfJoinStep();
    Row config =
        stepConfig(
            Map.of(
                "fields", List.of("category"),
                "defaults", Map.of("category", "none"),
                "lateness", "10s"));
    PCollection<Row> joined =
        inputs
            .apply(
                "Step",
                step.from(config, io.tributary.transforms.spec.StepContext.of("product_at")))
            .get("output");
    Schema outStrict =
        Schema.builder()
            .addStringField("id")
            .addNullableField("key", Schema.FieldType.STRING)
            .addStringField("category")
            .build();
    List<Row> expected = new ArrayList<>();
    for (Row r : onTimeExpected()) {
      expected.add(
          Row.withSchema(outStrict)
              .addValues(
                  r.getString("id"),
                  r.getString("key"),
                  r.getString("category") == null ? "none" : r.getString("category"))
              .build());
    }
    PAssert.that(joined).containsInAnyOrder(expected);

    // A config error found at expand time names the key it is about (the spec engine reports it
    // against that key's line).
    String wrong =
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    AsOfJoin.of(versionRows)
                        .by("key")
                        .withFields("category")
                        .withFactTime("id")
                        .outputSchema(FACT))
            .getMessage();
    assertEquals("fact_time", AsOfJoinStep.configKey(wrong));
    assertThat(
        assertThrows(
                io.tributary.transforms.spec.StepConfigException.class,
                () ->
                    step.from(
                        stepConfig(Map.of("fields", List.of("category"), "unmatched", "drop")),
                        io.tributary.transforms.spec.StepContext.of("bad")))
            .getMessage(),
        containsString("'unmatched' must be nulls or dead_letter, got 'drop'"));
    p.run().waitUntilFinish();
  }
}
