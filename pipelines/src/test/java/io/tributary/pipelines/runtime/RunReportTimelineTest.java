package io.tributary.pipelines.runtime;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageAccounting;
import io.tributary.transforms.metrics.StageGraph;
import io.tributary.transforms.metrics.StageRole;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** The run report's stage timeline and the summary's per-stage spans, from known numbers. */
@RunWith(JUnit4.class)
public class RunReportTimelineTest {
  static final Instant START = Instant.parse("2026-12-01T10:00:00Z");

  /** read: 1 s to 4 s; decode: 1.5 s to 9 s; sink: counted nothing. A 10 s run. */
  static RunSummary summary() {
    Map<String, StageRole> roles = new LinkedHashMap<>();
    roles.put("read", StageRole.STEP);
    roles.put("decode", StageRole.STEP);
    roles.put("sink", StageRole.SINK);
    StageGraph graph =
        StageGraph.of(roles, Map.of("read", List.of("decode"), "decode", List.of("sink")));
    long t0 = START.toEpochMilli();
    Map<String, StageAccounting.Lag> spans = new LinkedHashMap<>();
    spans.put("stage.read.active_ms", StageAccounting.Lag.of(5, t0 + 1000, t0 + 4000, 0));
    spans.put("stage.decode.active_ms", StageAccounting.Lag.of(5, t0 + 1500, t0 + 9000, 0));
    RunAccounting accounting =
        RunAccounting.of(
            graph,
            Map.of(
                "stage.read.in", 5L,
                "stage.read.out", 5L,
                "stage.decode.in", 5L,
                "stage.decode.out", 5L),
            spans);
    return new RunSummary(
        "demo",
        "run-1",
        "DirectRunner",
        "in",
        "/tmp/nowhere-out",
        START,
        START.plusSeconds(10),
        "DONE",
        accounting,
        Map.of(),
        RunCost.of(null, Map.of(), Map.of(), 0, null, 5, 5),
        Pricing.DEFAULT_LIST);
  }

  @Test
  public void barsRunFromFirstToLastOnTheRunsClockAndAStageWithoutRecordsSaysSo() {
    String svg = RunReportTimeline.svg(summary());
    assertThat(svg, containsString("1.0 s to 4.0 s (3.0 s active)"));
    assertThat(svg, containsString("1.5 s to 9.0 s (7.5 s active)"));
    assertThat(svg, containsString("no records"));
    assertThat(svg, not(containsString("data-stage=\"sink\"")));
    // The axis is the run's 10 s: 0 s at the plot's left edge (x=96), 10 s at its right (x=390).
    assertEquals(96.0 + 294 * 0.1, barX(svg, "read"), 0.05);
    assertEquals(294 * 0.75, barWidth(svg, "decode"), 0.05);
    assertThat(svg, containsString(">0 s</text>"));
    assertThat(svg, containsString(">10 s</text>"));
    assertThat(svg, not(containsString("<script")));
  }

  @Test
  public void theSummaryJsonHasEachStagesFirstLastAndActiveMs() throws Exception {
    JsonNode stages = new ObjectMapper().readTree(summary().toJson()).get("stages");
    assertEquals("2026-12-01T10:00:01Z", stages.get(0).get("first").asText());
    assertEquals("2026-12-01T10:00:04Z", stages.get(0).get("last").asText());
    assertEquals(3000, stages.get(0).get("active_ms").asLong());
    assertEquals(7500, stages.get(1).get("active_ms").asLong());
    assertEquals(true, stages.get(2).get("first").isNull());
    assertEquals(true, stages.get(2).get("active_ms").isNull());
  }

  @Test
  public void theReportSaysWhatTheTimelineMeasures() {
    String html = RunReport.html(summary(), List.of(), "");
    assertThat(html, containsString("<h3>Stage timeline</h3>"));
    assertThat(html, containsString("not its CPU time"));
    assertThat(html, containsString("id=\"timeline\""));
  }

  @Test
  public void ticksFollowAOneTwoFiveStep() {
    assertEquals(
        List.of(0L, 2000L, 4000L, 6000L, 8000L, 10000L), RunReportTimeline.ticks(0, 10_000));
    assertEquals(List.of(0L, 100L, 200L, 300L), RunReportTimeline.ticks(0, 350));
    assertEquals(List.of(-2L, 0L, 2L, 4L, 6L), RunReportTimeline.ticks(-3, 7));
  }

  private static double barX(String svg, String stage) {
    return attr(svg, stage, "x");
  }

  private static double barWidth(String svg, String stage) {
    return attr(svg, stage, "width");
  }

  private static double attr(String svg, String stage, String name) {
    Matcher m =
        Pattern.compile("data-stage=\"" + stage + "\"[^>]* " + name + "=\"([0-9.]+)\"")
            .matcher(svg);
    if (!m.find()) {
      throw new AssertionError("no bar for " + stage + " in " + svg);
    }
    return Double.parseDouble(m.group(1));
  }
}
