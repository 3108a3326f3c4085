package io.tributary.transforms.windowing;

import static org.junit.Assert.assertEquals;

import io.tributary.testing.Counters;
import io.tributary.testing.EventScript;
import io.tributary.testing.Panes;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageGraph;
import java.io.Serializable;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Early, on-time, late and too-late panes for fixed, sliding and session windows, in both
 * accumulation modes. Every scenario is an {@link EventScript}: TestStream on the Direct runner, a
 * real unbounded source with the same timestamps and watermark steps on Flink, same assertions.
 */
@RunWith(JUnit4.class)
public class WindowingTest implements Serializable {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Schema SCHEMA = Schema.builder().addStringField("user").addInt64Field("n").build();
  static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

  public static Instant min(int minutes) {
    return T0.plus(org.joda.time.Duration.standardMinutes(minutes));
  }

  /** "user,n" lines to rows of {@link #SCHEMA}. */
  public static PCollection<Row> rows(PCollection<String> lines) {
    return lines
        .apply(
            "ToRow",
            MapElements.into(TypeDescriptors.rows())
                .via(
                    (String l) ->
                        Row.withSchema(SCHEMA)
                            .addValues(l.split(",", -1)[0], Long.parseLong(l.split(",", -1)[1]))
                            .build()))
        .setRowSchema(SCHEMA);
  }

  /** Sums n per window and renders each pane as "HH:mm-HH:mm TIMING#index sum[ final]". */
  public static PCollection<String> sumPanes(PCollection<Row> windowed) {
    return windowed
        .apply("N", MapElements.into(TypeDescriptors.longs()).via((Row r) -> r.getInt64("n")))
        .apply("Sum", Combine.globally(Sum.ofLongs()).withoutDefaults())
        .apply("Describe", ParDo.of(new DescribeFn()));
  }

  static final class DescribeFn extends DoFn<Long, String> {
    @ProcessElement
    public void process(
        @Element Long sum, BoundedWindow window, PaneInfo pane, OutputReceiver<String> out) {
      PaneMetadata m = PaneMetadata.of(window, pane);
      out.output(
          hhmm(m.windowStart())
              + "-"
              + hhmm(m.windowEnd())
              + " "
              + m.timing()
              + "#"
              + m.index()
              + " "
              + sum
              + (m.isFinal() ? " final" : ""));
    }
  }

  static String hhmm(Instant t) {
    if (t == null) {
      return "global";
    }
    return java.time.Instant.ofEpochMilli(t.getMillis())
        .atZone(java.time.ZoneOffset.UTC)
        .toLocalTime()
        .toString();
  }

  static SerializableFunction<Row, String> lateDescription() {
    return r ->
        r.getString("user")
            + " missed "
            + hhmm(r.getDateTime(Windowing.MISSED_WINDOW_START).toInstant())
            + "-"
            + hhmm(r.getDateTime(Windowing.MISSED_WINDOW_END).toInstant())
            + " late_by_ms="
            + r.getInt64(Windowing.LATE_BY_MS);
  }

  /** The fixed-window scenario of docs/streaming.md. */
  static EventScript fixedScript() {
    return EventScript.create()
        .add(min(5), "a,1")
        .add(min(10), "b,2") // second element: the early count fires an EARLY pane
        .watermark(min(30))
        .add(min(20), "c,3") // still before the window end: on time
        .watermark(min(60)) // the watermark passes 01:00: ON_TIME pane for [00:00, 01:00)
        .add(min(40), "d,4") // behind the window end, within lateness=2h: a LATE pane
        .watermark(min(180)) // passes 01:00 + 2h: the window expires
        .add(min(50), "e,5"); // its window expired: too late, routed, never silently dropped
  }

  private void runFixed(String spec, String... expectedPanes) {
    runFixed(1, spec, expectedPanes);
  }

  private void runFixed(int buckets, String spec, String... expectedPanes) {
    WindowedResult<Row> result =
        rows(fixedScript().apply(p, "Events"))
            .apply("Window", Windowing.<Row>of(spec).withRouterBuckets(buckets));
    PAssert.that(sumPanes(result.output())).containsInAnyOrder(expectedPanes);
    PAssert.that(
            result
                .tooLate()
                .apply("Late", MapElements.into(TypeDescriptors.strings()).via(lateDescription())))
        .containsInAnyOrder("e missed 00:00-01:00 late_by_ms=0");
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    // a-d reach the output, e leaves too late.
    Counters.assertStage(
        Counters.stage(run, graph, "window"), 5, 4, Map.of(), Map.of("too_late", 1L));
    assertEquals(1, Counters.get(run, Windowing.MISSED));
    assertEquals(3, Counters.get(run, Windowing.ON_TIME));
    assertEquals(1, Counters.get(run, Windowing.LATE_ACCEPTED));
  }

  static final String FIXED_ACCUMULATING =
      "fixed:1h;early=count:2;late=every;lateness=2h;accumulating";
  static final String[] FIXED_ACCUMULATING_PANES = {
    "00:00-01:00 EARLY#0 3", "00:00-01:00 ON_TIME#1 6", "00:00-01:00 LATE#2 10"
  };

  @Test
  public void fixedAccumulating() {
    runFixed(FIXED_ACCUMULATING, FIXED_ACCUMULATING_PANES);
  }

  @Test
  public void fixedDiscarding() {
    runFixed(
        "fixed:1h;early=count:2;late=every;lateness=2h",
        "00:00-01:00 EARLY#0 3",
        "00:00-01:00 ON_TIME#1 3",
        "00:00-01:00 LATE#2 4");
  }

  /**
   * Sliding 1h every 30m: one record misses its older window but is late-accepted in the newer one.
   */
  static EventScript slidingScript() {
    return EventScript.create()
        .add(min(10), "a,1") // windows 23:30-00:30 and 00:00-01:00
        .add(min(40), "b,2") // windows 00:00-01:00 and 00:30-01:30
        .watermark(min(30)) // 23:30-00:30 ON_TIME
        .add(min(20), "c,3") // 23:30-00:30 ended (late, within 30m); 00:00-01:00 on time
        .watermark(min(70)) // 00:00-01:00 ON_TIME; 23:30-00:30 expired at 01:00
        .add(min(25), "d,4") // misses 23:30-00:30 (too late), late-accepted in 00:00-01:00
        // 00:30-01:30 ON_TIME before the end of input: when the last on-time pane fires only at
        // the end, the Direct runner marks it final (expiry at the same time) and Flink does not
        .watermark(min(95));
  }

  private void runSliding(String spec, String... expectedPanes) {
    runSliding(1, spec, expectedPanes);
  }

  private void runSliding(int buckets, String spec, String... expectedPanes) {
    WindowedResult<Row> result =
        rows(slidingScript().apply(p, "Events"))
            .apply("Window", Windowing.<Row>of(spec).withRouterBuckets(buckets));
    PAssert.that(sumPanes(result.output())).containsInAnyOrder(expectedPanes);
    PAssert.that(
            result
                .tooLate()
                .apply("Late", MapElements.into(TypeDescriptors.strings()).via(lateDescription())))
        .containsInAnyOrder("d missed 23:30-00:30 late_by_ms=0");
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    // d is still written (one window admitted it), so it is not too late as a record; each record
    // is out once, though every one is in two windows.
    Counters.assertStage(Counters.stage(run, graph, "window"), 4, 4, Map.of(), Map.of());
    assertEquals(1, Counters.get(run, Windowing.MISSED));
    assertEquals(5, Counters.get(run, Windowing.ON_TIME));
    assertEquals(2, Counters.get(run, Windowing.LATE_ACCEPTED));
  }

  @Test
  public void slidingAccumulating() {
    runSliding(
        "sliding:1h/30m;late=every;lateness=30m;accumulating",
        "23:30-00:30 ON_TIME#0 1",
        "23:30-00:30 LATE#1 4",
        "00:00-01:00 ON_TIME#0 6",
        "00:00-01:00 LATE#1 10",
        "00:30-01:30 ON_TIME#0 2");
  }

  static final String SLIDING_DISCARDING = "sliding:1h/30m;late=every;lateness=30m";
  static final String[] SLIDING_DISCARDING_PANES = {
    "23:30-00:30 ON_TIME#0 1",
    "23:30-00:30 LATE#1 3",
    "00:00-01:00 ON_TIME#0 6",
    "00:00-01:00 LATE#1 4",
    "00:30-01:30 ON_TIME#0 2"
  };

  @Test
  public void slidingDiscarding() {
    runSliding(SLIDING_DISCARDING, SLIDING_DISCARDING_PANES);
  }

  /** Sessions with a 10m gap: a late event bridges two sessions into one. */
  static EventScript sessionScript() {
    return EventScript.create()
        .add(min(0), "a,1")
        .add(min(5), "a,2") // session 00:00-00:15
        .add(min(20), "a,3") // session 00:20-00:30
        .watermark(min(40)) // both sessions ON_TIME
        // late (within 30m): 00:12-00:22 overlaps both, they merge into 00:00-00:30, a new window
        // whose first pane (index 0) is LATE on the Direct runner and may be ON_TIME on Flink
        // (its end is already behind the watermark; see io.tributary.testing.Panes)
        .add(min(12), "a,4")
        .watermark(min(100)) // everything expired
        // too late: its session window 00:01-00:11 expired at 00:41; the stage had learned the
        // watermark was past 01:00 (the last window end it knew), so late_by_ms is 19 minutes.
        .add(min(1), "a,5");
  }

  private void runSessions(String spec, String... expectedPanes) {
    runSessions(1, spec, expectedPanes);
  }

  private void runSessions(int buckets, String spec, String... expectedPanes) {
    WindowedResult<Row> result =
        rows(sessionScript().apply(p, "Events"))
            .apply("Window", Windowing.<Row>of(spec).withRouterBuckets(buckets));
    Panes.assertExactly(sumPanes(result.output()), expectedPanes);
    PAssert.that(
            result
                .tooLate()
                .apply("Late", MapElements.into(TypeDescriptors.strings()).via(lateDescription())))
        .containsInAnyOrder("a missed 00:01-00:11 late_by_ms=1140000");
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "window"), 5, 4, Map.of(), Map.of("too_late", 1L));
    assertEquals(3, Counters.get(run, Windowing.ON_TIME));
    assertEquals(1, Counters.get(run, Windowing.LATE_ACCEPTED));
  }

  static final String SESSIONS_ACCUMULATING = "session:10m;late=every;lateness=30m;accumulating";
  static final String[] SESSIONS_ACCUMULATING_PANES = {
    "00:00-00:15 ON_TIME#0 3", "00:20-00:30 ON_TIME#0 3", "00:00-00:30 ON_TIME|LATE#0 10"
  };

  @Test
  public void sessionsAccumulating() {
    runSessions(SESSIONS_ACCUMULATING, SESSIONS_ACCUMULATING_PANES);
  }

  @Test
  public void sessionsDiscarding() {
    runSessions(
        "session:10m;late=every;lateness=30m",
        "00:00-00:15 ON_TIME#0 3",
        "00:20-00:30 ON_TIME#0 3",
        "00:00-00:30 ON_TIME|LATE#0 4");
  }

  /*
   * The router over several keys (withRouterBuckets): records spread round-robin, so the records of
   * one window land in different buckets, yet every pane, too-late row and counter is the one-key
   * answer above; a bucket that saw none of a window's records must not hold its panes back.
   */

  @Test
  public void fixedAccumulatingOverFourRouterBuckets() {
    runFixed(4, FIXED_ACCUMULATING, FIXED_ACCUMULATING_PANES);
  }

  @Test
  public void slidingDiscardingOverThreeRouterBuckets() {
    runSliding(3, SLIDING_DISCARDING, SLIDING_DISCARDING_PANES);
  }

  @Test
  public void sessionsAccumulatingOverEightRouterBuckets() {
    runSessions(8, SESSIONS_ACCUMULATING, SESSIONS_ACCUMULATING_PANES);
  }

  @Test
  public void routerBucketsAreChecked() {
    IllegalArgumentException e =
        org.junit.Assert.assertThrows(
            IllegalArgumentException.class,
            () -> Windowing.<Row>of("fixed:1h").withRouterBuckets(0));
    assertEquals("Windowing.withRouterBuckets: expected 1 to 4096 buckets, got 0", e.getMessage());
    assertEquals(
        "kept by withStageName",
        4,
        Windowing.<Row>of("fixed:1h").withRouterBuckets(4).withStageName("w").routerBuckets());
  }

  /** A bounded input: nothing is too late, every record is in and out once, named as asked. */
  @Test
  public void boundedInputCountsEveryRecordInAndOut() {
    PCollection<Row> events =
        rows(
            p.apply(
                "Lines",
                Create.timestamped(
                    org.apache.beam.sdk.values.TimestampedValue.of("a,1", min(5)),
                    org.apache.beam.sdk.values.TimestampedValue.of("b,2", min(65)),
                    org.apache.beam.sdk.values.TimestampedValue.of("c,3", min(70)))));
    WindowedResult<Row> result =
        events.apply("Window", Windowing.<Row>of("sliding:1h/30m").withStageName("hourly"));
    PAssert.that(result.tooLate()).empty();
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(Counters.stage(run, graph, "hourly"), 3, 3, Map.of(), Map.of());
    RunAccounting line = Counters.accounting(run, graph);
    assertEquals(
        "read=3 = written=3 + dead-lettered=0 + quarantined=0 + deduplicated=0 + too-late=0"
            + " [balanced]",
        line.line());
  }

  /** The result names its two outputs by the same static tags in every application. */
  @Test
  public void resultExpandsToStableTags() {
    // Construction only: a pipeline of its own, so the runner-specific TestPipeline stays empty.
    PCollection<Row> events = rows(Pipeline.create().apply(Create.of("u1,1")));
    WindowedResult<Row> result = events.apply("Window", Windowing.<Row>of("fixed:1h"));
    assertEquals(
        Map.of(WindowedResult.OUTPUT, result.output(), WindowedResult.TOO_LATE, result.tooLate()),
        result.expand());
  }
}
