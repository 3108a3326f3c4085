package io.tributary.transforms.join;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.tributary.testing.Counters;
import io.tributary.testing.EventScript;
import io.tributary.transforms.dedup.Dedup;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageGraph;
import io.tributary.transforms.metrics.StageRole;
import java.io.Serializable;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Interval join results and exact stage counters, on the Direct runner and on Flink. Streaming
 * scenarios are {@link EventScript}s: a TestStream on the Direct runner and, because TestStream is
 * not reproduced faithfully by the Flink runner (processing-time advances are unsupported and its
 * watermark steps do not reach a stateful step the same way), the unbounded {@code ScriptedSource}
 * with the same timestamps and watermark steps on Flink; the assertions are the same. Both sides
 * come from one script ("L,key,n" and "R,key,n" lines), so they share one watermark.
 */
@RunWith(JUnit4.class)
public class IntervalJoinTest implements Serializable {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Schema SIDE = Schema.builder().addStringField("device").addInt64Field("n").build();
  static final Instant T0 = Instant.parse("2026-11-01T10:00:00Z");

  static Instant at(int minutes, int seconds, int millis) {
    return T0.plus(Duration.millis(minutes * 60_000L + seconds * 1000L + millis));
  }

  /** The "L,..." (left) or "R,..." (right) lines of {@code lines} as rows of {@link #SIDE}. */
  static PCollection<Row> side(PCollection<String> lines, String prefix) {
    return lines
        .apply(prefix + "Only", Filter.by((String l) -> l.startsWith(prefix + ",")))
        .apply(
            prefix + "ToRow",
            MapElements.into(TypeDescriptors.rows())
                .via(
                    (String l) -> {
                      String[] f = l.split(",", -1);
                      return Row.withSchema(SIDE).addValues(f[1], Long.parseLong(f[2])).build();
                    }))
        .setRowSchema(SIDE);
  }

  /** Output rows as "device,n,right_n" (null where a side is missing). */
  static PCollection<String> render(PCollection<Row> rows, String name) {
    return rows.apply(
        name,
        MapElements.into(TypeDescriptors.strings())
            .via(
                (Row r) ->
                    r.getString("device") + "," + r.getInt64("n") + "," + r.getInt64("right_n")));
  }

  static PCollection<String> renderSide(PCollection<Row> rows, String name) {
    return rows.apply(
        name,
        MapElements.into(TypeDescriptors.strings())
            .via((Row r) -> r.getString("device") + "," + r.getInt64("n")));
  }

  /**
   * The bound's edges, with a bound of 2 minutes before and 3 minutes after: the left row at 10:00
   * matches right rows at exactly 09:58 and 10:03 (edges inclusive) and not one millisecond
   * outside; k2 has no right row and k3 no left row (keys that never match). Nothing is late.
   */
  static EventScript edges() {
    return EventScript.create()
        .add(at(0, 0, 0), "L,k1,1")
        .add(at(3, 0, 1), "R,k1,13") // 1 ms after 10:00 + 3m: no match
        .add(at(-2, 0, 0), "R,k1,10") // exactly 10:00 - 2m: matches
        .add(at(-2, 0, -1), "R,k1,11") // 1 ms before 10:00 - 2m: no match
        .add(at(3, 0, 0), "R,k1,12") // exactly 10:00 + 3m: matches
        .add(at(0, 0, 0), "L,k2,2")
        .add(at(0, 0, 0), "R,k3,30");
  }

  private PCollection<String> edgesInput(boolean bounded) {
    EventScript script = edges();
    return bounded
        ? p.apply("Events", Create.timestamped(script.elements()).withCoder(StringUtf8Coder.of()))
        : script.apply(p, "Events");
  }

  private IntervalJoin.Result joinEdges(boolean bounded, JoinType type) {
    PCollection<String> lines = edgesInput(bounded);
    return side(lines, "L")
        .apply(
            "Join",
            IntervalJoin.of(side(lines, "R"))
                .on("device")
                .within(Duration.standardMinutes(2), Duration.standardMinutes(3))
                .withJoinType(type));
  }

  private void runEdges(
      boolean bounded, JoinType type, long out, long unmatched, long rows, String... expected) {
    IntervalJoin.Result r = joinEdges(bounded, type);
    PAssert.that(render(r.output(), "Render")).containsInAnyOrder(expected);
    PAssert.that(r.tooLateLeft()).empty();
    PAssert.that(r.tooLateRight()).empty();
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, IntervalJoin.STAGE),
        7,
        out,
        Map.of(),
        unmatched == 0 ? Map.of() : Map.of("unmatched", unmatched));
    assertEquals(rows, Counters.get(run, IntervalJoin.rowsCounter(IntervalJoin.STAGE)));
    assertStateEmptied(run, 7);
    RunAccounting accounting = Counters.accounting(run, graph);
    assertEquals(7, accounting.read());
    assertEquals(out, accounting.written());
    assertEquals(unmatched, accounting.unmatched());
    assertTrue(accounting.line(), accounting.balanced());
    assertEquals(
        accounting.line(), unmatched != 0, accounting.line().contains(" + unmatched=" + unmatched));
  }

  /** Every one of the {@code buffered} rows put in the join's state was freed by the end. */
  private static void assertStateEmptied(PipelineResult run, long buffered) {
    assertEquals(buffered, Counters.get(run, IntervalJoin.bufferedCounter(IntervalJoin.STAGE)));
    assertEquals(buffered, Counters.get(run, IntervalJoin.freedCounter(IntervalJoin.STAGE)));
  }

  @Test
  public void innerJoinMatchesOnlyWithinTheInclusiveBound() {
    // k1,1 matches 10 and 12: three records out; 11, 13, k2 and k3 leave unmatched.
    runEdges(true, JoinType.INNER, 3, 4, 2, "k1,1,10", "k1,1,12");
  }

  @Test
  public void leftJoinOutputsTheUnmatchedLeftRowOnce() {
    runEdges(true, JoinType.LEFT, 4, 3, 3, "k1,1,10", "k1,1,12", "k2,2,null");
  }

  @Test
  public void rightJoinOutputsTheUnmatchedRightRowsWithTheirKey() {
    runEdges(
        true,
        JoinType.RIGHT,
        6,
        1,
        5,
        "k1,1,10",
        "k1,1,12",
        "k1,null,11",
        "k1,null,13",
        "k3,null,30");
  }

  @Test
  public void fullOuterJoinOfABoundedInput() {
    runEdges(
        true,
        JoinType.FULL_OUTER,
        7,
        0,
        6,
        "k1,1,10",
        "k1,1,12",
        "k1,null,11",
        "k1,null,13",
        "k2,2,null",
        "k3,null,30");
  }

  @Test
  public void fullOuterJoinOfAStreamGivesTheBoundedResult() {
    runEdges(
        false,
        JoinType.FULL_OUTER,
        7,
        0,
        6,
        "k1,1,10",
        "k1,1,12",
        "k1,null,11",
        "k1,null,13",
        "k2,2,null",
        "k3,null,30");
  }

  @Test
  public void innerJoinOfAStreamGivesTheBoundedResult() {
    runEdges(false, JoinType.INNER, 3, 4, 2, "k1,1,10", "k1,1,12");
  }

  /**
   * Out-of-order and late arrivals on both sides, with a bound of one minute each way and two
   * minutes of allowed lateness, full outer.
   */
  @Test
  public void lateRowsWithinTheLatenessJoinAndTooLateRowsLeaveByTheirOwnOutputs() {
    EventScript script =
        EventScript.create()
            .add(at(0, 0, 0), "L,a,1")
            .add(at(0, 30, 0), "R,a,2") // matches a,1
            .add(at(1, 40, 0), "R,b,10")
            .add(at(1, 0, 0), "L,b,11") // earlier than b,10 but arrives after it: matches
            .add(at(3, 0, 0), "L,c,5")
            .add(at(3, 0, 0), "R,d,7")
            .add(at(0, 0, 0), "L,e,12") // never matched: output with null right fields
            .add(at(1, 0, 0), "R,f,13") // never matched: output with null left fields
            // Key a's first timer (a,1 held until 10:00 + 1m + 2m) fires: a,1 is freed and key a
            // learns that the watermark passed 10:03.
            .watermark(at(4, 0, 0))
            // Late (behind the watermark) but 10:02:30 + 2m is not behind it: joins c,5.
            .add(at(2, 30, 0), "R,c,6")
            // Late but within the lateness: joins d,7.
            .add(at(3, 30, 0), "L,d,8")
            // Too late: 10:00 + 2m is behind what key a learned (10:03); its partners may be gone.
            .add(at(0, 0, 0), "L,a,3")
            .add(at(0, 10, 0), "R,a,9"); // too late for the same reason
    PCollection<String> lines = script.apply(p, "Events");
    IntervalJoin.Result r =
        side(lines, "L")
            .apply(
                "Join",
                IntervalJoin.of(side(lines, "R"))
                    .on("device")
                    .within(Duration.standardMinutes(1), Duration.standardMinutes(1))
                    .withAllowedLateness(Duration.standardMinutes(2))
                    .withJoinType(JoinType.FULL_OUTER));
    PAssert.that(render(r.output(), "Render"))
        .containsInAnyOrder("a,1,2", "b,11,10", "c,5,6", "d,8,7", "e,12,null", "f,null,13");
    PAssert.that(renderSide(r.tooLateLeft(), "RenderLateLeft")).containsInAnyOrder("a,3");
    PAssert.that(renderSide(r.tooLateRight(), "RenderLateRight")).containsInAnyOrder("a,9");
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, IntervalJoin.STAGE), 12, 10, Map.of(), Map.of("too_late", 2L));
    assertEquals(6, Counters.get(run, IntervalJoin.rowsCounter(IntervalJoin.STAGE)));
    assertStateEmptied(run, 10); // 12 in, 2 too late (never buffered)
    RunAccounting accounting = Counters.accounting(run, graph);
    assertEquals(2, accounting.tooLate());
    assertTrue(accounting.line(), accounting.balanced());
  }

  /**
   * A join is a grain boundary: a stage reading the joined rows serves them (balanced on its own)
   * and the run's written is the join's records out.
   */
  @Test
  public void stagesAfterTheJoinServeItsRows() {
    IntervalJoin.Result r = joinEdges(true, JoinType.INNER);
    // Both joined rows are of device k1: a dedup by device after the join keeps one.
    r.output().apply("DedupJoined", Dedup.<Row>byField("device").withStageName("dedup_joined"));
    StageGraph graph = StageGraph.of(p);
    assertEquals(StageRole.STEP, graph.stage(IntervalJoin.STAGE).role());
    assertEquals(StageRole.SINK, graph.stage("dedup_joined").role());
    PipelineResult run = p.run();
    run.waitUntilFinish();
    RunAccounting accounting = Counters.accounting(run, graph);
    assertEquals(7, accounting.read());
    assertEquals(3, accounting.written());
    assertEquals(4, accounting.unmatched());
    assertEquals(0, accounting.deduplicated()); // a serving stage's exits are not the line's
    Counters.assertStage(
        Counters.stage(run, graph, "dedup_joined"), 2, 1, Map.of(), Map.of("deduplicated", 1L));
    assertTrue(accounting.line(), accounting.balanced());
  }
}
