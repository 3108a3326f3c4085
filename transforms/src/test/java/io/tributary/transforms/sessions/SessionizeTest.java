package io.tributary.transforms.sessions;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.tributary.testing.Counters;
import io.tributary.testing.EventScript;
import io.tributary.testing.Panes;
import io.tributary.transforms.metrics.StageGraph;
import io.tributary.transforms.windowing.WindowSpec;
import io.tributary.transforms.windowing.WindowedResult;
import java.io.Serializable;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.display.DisplayData;
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
public class SessionizeTest implements Serializable {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Schema SCHEMA =
      Schema.builder().addStringField("user_id").addStringField("event_type").build();
  static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

  static Instant min(int m) {
    return T0.plus(Duration.standardMinutes(m));
  }

  static PCollection<Row> rows(PCollection<String> lines) {
    return lines
        .apply(
            "ToRow",
            MapElements.into(TypeDescriptors.rows())
                .via(
                    (String l) ->
                        Row.withSchema(SCHEMA).addValues((Object[]) l.split(",")).build()))
        .setRowSchema(SCHEMA);
  }

  /** "user start-end duration_min events converted TIMING#index" */
  static PCollection<String> describe(PCollection<Row> sessions) {
    return sessions.apply(
        "Describe",
        MapElements.into(TypeDescriptors.strings())
            .via(
                (Row r) ->
                    r.getString("user")
                        + " "
                        + hhmm(r.getDateTime("session_start").getMillis())
                        + "-"
                        + hhmm(r.getDateTime("session_end").getMillis())
                        + " "
                        + r.getInt64("duration_ms") / 60_000
                        + "m "
                        + r.getInt64("events")
                        + (r.getBoolean("converted") ? " converted " : " browsing ")
                        + r.getString("pane_timing")
                        + "#"
                        + r.getInt64("pane_index")));
  }

  static String hhmm(long millis) {
    return java.time.Instant.ofEpochMilli(millis)
        .atZone(java.time.ZoneOffset.UTC)
        .toLocalTime()
        .toString();
  }

  @Test
  public void boundedSessionsPerUser() {
    PCollection<Row> events =
        rows(
            p.apply(
                Create.timestamped(
                    TimestampedValue.of("u1,page_view", min(0)),
                    TimestampedValue.of("u1,add_to_cart", min(8)),
                    TimestampedValue.of("u1,purchase", min(15)), // same session: gaps < 10m
                    TimestampedValue.of("u1,page_view", min(40)), // new session after a 25m gap
                    TimestampedValue.of("u2,search", min(3)))));
    // A bounded run on Flink uses its batch translation, which fires no triggers
    // (PaneInfo.NO_FIRING);
    // PaneMetadata reports that single final pane as ON_TIME, as the Direct runner does.
    String t = "ON_TIME";
    PAssert.that(
            describe(
                events
                    .apply(
                        "Sessions",
                        Sessionize.<Row>byUser("user_id")
                            .withGap(Duration.standardMinutes(10))
                            .withConversion("event_type", "purchase"))
                    .output()))
        .containsInAnyOrder(
            "u1 00:00-00:15 15m 3 converted " + t + "#0",
            "u1 00:40-00:40 0m 1 browsing " + t + "#0",
            "u2 00:03-00:03 0m 1 browsing " + t + "#0");
    p.run().waitUntilFinish();
  }

  @Test
  public void lateEventMergesTwoSessionsAndTooLateIsRouted() {
    EventScript script =
        EventScript.create()
            .add(min(0), "u1,page_view")
            .add(min(5), "u1,add_to_cart") // session 00:00-00:05
            .add(min(20), "u1,page_view") // session 00:20 (gap 15m > 10m)
            .watermark(min(40)) // both sessions ON_TIME
            .add(
                min(12),
                "u1,purchase") // late, within 30m: bridges both into one session 00:00-00:20
            .watermark(min(100))
            .add(min(1), "u1,page_view"); // too late: routed, counted
    WindowedResult<Row> result =
        rows(script.apply(p, "Events"))
            .apply(
                "Sessions",
                Sessionize.<Row>byUser("user_id")
                    .withSpec(WindowSpec.parse("session:10m;late=every;lateness=30m;accumulating"))
                    .withConversion("event_type", "purchase"));
    Panes.assertExactly(
        describe(result.output()),
        "u1 00:00-00:05 5m 2 browsing ON_TIME#0",
        "u1 00:20-00:20 0m 1 browsing ON_TIME#0",
        // the merged session is a new window whose end is already behind the watermark: LATE on
        // the Direct runner, ON_TIME on Flink (see Panes); its content is the same
        "u1 00:00-00:20 20m 4 converted ON_TIME|LATE#0");
    PAssert.that(
            result
                .tooLate()
                .apply(
                    "LateUsers",
                    MapElements.into(TypeDescriptors.strings())
                        .via((Row r) -> r.getString("user_id"))))
        .containsInAnyOrder("u1");
    StageGraph graph = StageGraph.of(p);
    assertEquals(1, graph.stages().size()); // the inner windowing counts as this stage
    PipelineResult run = p.run();
    run.waitUntilFinish();
    // Events, not summaries: four reach a session, one is too late.
    Counters.assertStage(
        Counters.stage(run, graph, "sessionize"), 5, 4, Map.of(), Map.of("too_late", 1L));
    assertEquals(0, Counters.get(run, "stage.window.in"));
    assertEquals(3, Counters.get(run, "pane.late") + Counters.get(run, "pane.on_time"));
  }

  @Test
  public void validationAndDisplayData() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Sessionize.<Row>byUser("user_id").withSpec(WindowSpec.parse("fixed:1h")));
    assertThat(e.getMessage(), containsString("Sessionize.withSpec"));
    assertThrows(
        IllegalArgumentException.class,
        () -> Sessionize.<Row>byUser("user_id").withGap(Duration.ZERO));
    DisplayData data =
        DisplayData.from(
            Sessionize.<Row>byUser("user_id").withConversion("event_type", "purchase"));
    assertThat(data.toString(), containsString("session:30m"));
    assertThat(data.toString(), containsString("purchase"));
    p.enableAbandonedNodeEnforcement(false);
  }

  /** Sessionize returns the same result type as Windowing, with the same static tags. */
  @Test
  public void resultIsTheSharedWindowedResult() {
    // Construction only: a pipeline of its own, so the runner-specific TestPipeline stays empty.
    PCollection<Row> events = rows(Pipeline.create().apply(Create.of("u1,page_view")));
    WindowedResult<Row> result = events.apply("Sessions", Sessionize.<Row>byUser("user_id"));
    assertEquals(Sessionize.SUMMARY_SCHEMA, result.output().getSchema());
    assertEquals(
        Map.of(WindowedResult.OUTPUT, result.output(), WindowedResult.TOO_LATE, result.tooLate()),
        result.expand());
  }
}
