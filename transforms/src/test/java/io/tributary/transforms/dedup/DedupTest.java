package io.tributary.transforms.dedup;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.tributary.testing.Counters;
import io.tributary.transforms.json.DecodeJson;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageGraph;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class DedupTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final Schema SCHEMA =
      Schema.builder().addStringField("id").addInt64Field("n").build();
  private static final Instant T0 = new Instant(1_793_523_600_000L); // 2026-11-01T09:00Z

  private static TimestampedValue<Row> at(String id, long n, Duration offset) {
    return TimestampedValue.of(Row.withSchema(SCHEMA).addValues(id, n).build(), T0.plus(offset));
  }

  @Test
  public void dropsRepeatsCountsThemAndCatchesRepeatsAcrossWindowBoundaries() {
    // "b" is re-sent 2 minutes later: its copy falls into the next 1-minute window, which a
    // per-window dedup would miss. Dedup runs before windowing, so it is caught.
    PCollection<Row> input =
        p.apply(
                "Events",
                Create.timestamped(
                        at("a", 1, Duration.ZERO),
                        at("b", 2, Duration.standardSeconds(59)),
                        at("a", 1, Duration.standardSeconds(10)),
                        at("b", 2, Duration.standardSeconds(179)),
                        at("c", 3, Duration.standardSeconds(30)))
                    .withCoder(RowCoder.of(SCHEMA)))
            .setRowSchema(SCHEMA);
    Dedup.Result<Row> result =
        input.apply(Dedup.<Row>byField("id").withTtl(Duration.standardHours(1)));
    PCollection<Row> unique =
        result.output().apply(Window.into(FixedWindows.of(Duration.standardMinutes(1))));
    PAssert.that(unique)
        .containsInAnyOrder(
            Row.withSchema(SCHEMA).addValues("a", 1L).build(),
            Row.withSchema(SCHEMA).addValues("b", 2L).build(),
            Row.withSchema(SCHEMA).addValues("c", 3L).build());
    PAssert.that(result.duplicates())
        .containsInAnyOrder(
            Row.withSchema(SCHEMA).addValues("a", 1L).build(),
            Row.withSchema(SCHEMA).addValues("b", 2L).build());
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "dedup"), 5, 3, Map.of(), Map.of("deduplicated", 2L));
    RunAccounting line = Counters.accounting(run, graph);
    assertEquals(2L, line.deduplicated());
    assertTrue(line.line(), line.balanced());
  }

  @Test
  public void withoutDuplicatesOutputKeepsTheFirstArrivalsAndCountsTheRest() {
    PCollection<Row> input =
        p.apply(
                "Events",
                Create.timestamped(
                        at("a", 1, Duration.ZERO),
                        at("a", 1, Duration.standardSeconds(10)),
                        at("b", 2, Duration.standardSeconds(59)),
                        at("b", 2, Duration.standardSeconds(179)),
                        at("c", 3, Duration.standardSeconds(30)))
                    .withCoder(RowCoder.of(SCHEMA)))
            .setRowSchema(SCHEMA);
    Dedup.Result<Row> result =
        input.apply(
            Dedup.<Row>byField("id").withTtl(Duration.standardHours(1)).withoutDuplicatesOutput());
    PAssert.that(result.output())
        .containsInAnyOrder(
            Row.withSchema(SCHEMA).addValues("a", 1L).build(),
            Row.withSchema(SCHEMA).addValues("b", 2L).build(),
            Row.withSchema(SCHEMA).addValues("c", 3L).build());
    // One output: the step Flink's batch translation can chain with the next one.
    assertEquals(1, result.expand().size());
    IllegalStateException e = assertThrows(IllegalStateException.class, result::duplicates);
    assertThat(e.getMessage(), containsString("withoutDuplicatesOutput()"));
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "dedup"), 5, 3, Map.of(), Map.of("deduplicated", 2L));
    assertTrue(Counters.accounting(run, graph).balanced());
  }

  private static final Schema EVENT =
      Schema.builder().addStringField("id").addStringField("user").build();

  @Test
  public void twoDedupStagesInOnePipelineCountEachApart() {
    BadRecordErrorHandler<PCollection<BadRecord>> handler =
        p.registerBadRecordErrorHandler(new Keep());
    Instant t = T0;
    PCollection<String> lines =
        p.apply(
            "Lines",
            Create.timestamped(
                TimestampedValue.of("{\"id\":\"1\",\"user\":\"u1\"}", t),
                TimestampedValue.of(
                    "{\"id\":\"1\",\"user\":\"u1\"}", t.plus(Duration.millis(1000))),
                TimestampedValue.of(
                    "{\"id\":\"2\",\"user\":\"u1\"}", t.plus(Duration.millis(2000))),
                TimestampedValue.of(
                    "{\"id\":\"3\",\"user\":\"u2\"}", t.plus(Duration.millis(3000))),
                TimestampedValue.of(
                    "{\"id\":\"4\",\"user\":\"u2\"}", t.plus(Duration.millis(4000))),
                TimestampedValue.of(
                    "{\"id\":\"4\",\"user\":\"u2\"}", t.plus(Duration.millis(5000))),
                TimestampedValue.of("not json", t.plus(Duration.millis(6000)))));
    PCollection<Row> decoded =
        lines.apply("Decode", DecodeJson.toRows(EVENT).withBadRecordErrorHandler(handler));
    handler.close();
    Dedup.Result<Row> byId =
        decoded.apply("DedupById", Dedup.<Row>byField("id").withStageName("dedup_a"));
    Dedup.Result<Row> byUser =
        byId.output().apply("DedupByUser", Dedup.<Row>byField("user").withStageName("dedup_b"));
    PAssert.that(
            byUser
                .output()
                .apply(MapElements.into(TypeDescriptors.strings()).via(r -> r.getString("user"))))
        .containsInAnyOrder("u1", "u2");
    StageGraph graph = StageGraph.of(p);
    assertEquals(
        List.of("decode", "dedup_a", "dedup_b"),
        graph.stages().stream().map(StageGraph.Node::name).collect(Collectors.toList()));
    assertEquals(List.of("dedup_a"), List.copyOf(graph.stage("dedup_b").feeders()));
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "decode"), 7, 6, Map.of("not_json", 1L), Map.of());
    // ids 1, 2, 3, 4 pass; the second "1" and the second "4" are duplicates.
    Counters.assertStage(
        Counters.stage(run, graph, "dedup_a"), 6, 4, Map.of(), Map.of("deduplicated", 2L));
    // users u1, u1, u2, u2 (ids 1, 2, 3, 4): one of each stays.
    Counters.assertStage(
        Counters.stage(run, graph, "dedup_b"), 4, 2, Map.of(), Map.of("deduplicated", 2L));
    RunAccounting line = Counters.accounting(run, graph);
    assertEquals(
        "read=7 = written=2 + dead-lettered=1 + quarantined=0 + deduplicated=4 + too-late=0"
            + " [balanced]",
        line.line());
    assertTrue(line.line(), line.balanced());
  }

  /** Keeps the bad records as they are. */
  static final class Keep extends PTransform<PCollection<BadRecord>, PCollection<BadRecord>> {
    @Override
    public PCollection<BadRecord> expand(PCollection<BadRecord> input) {
      return input;
    }
  }

  @Test
  public void stageNameMustBeLowerSnakeCase() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Dedup.byField("id").withStageName("Dedup A"));
    assertThat(e.getMessage(), containsString("Dedup.withStageName"));
  }

  @Test
  public void ttlMustBePositive() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Dedup.byField("id").withTtl(Duration.ZERO));
    assertThat(e.getMessage(), containsString("Dedup.withTtl: ttl must be > 0"));
  }

  @Test
  public void inputWithoutSchemaIsRejectedNamingTheFix() {
    PCollection<String> strings = p.apply(Create.of("x"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> strings.apply(Dedup.<String>byField("id")));
    assertThat(e.getMessage(), containsString("has no schema"));
    p.enableAbandonedNodeEnforcement(false);
  }

  @Test
  public void displayDataShowsFieldAndTtl() {
    String data =
        DisplayData.from(Dedup.byField("event_id").withTtl(Duration.standardHours(2))).toString();
    assertThat(data, containsString("event_id"));
    assertThat(data, containsString("2h"));
  }
}
