package io.tributary.transforms.windowing;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.Map;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.SlidingWindows;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class WindowSpecTest {
  @Test
  public void canonicalSpecsPrintBackTheSame() {
    for (String s :
        new String[] {
          "fixed:1h",
          "sliding:1h/5m",
          "session:30m",
          "global",
          "global;early=count:1000",
          "fixed:1h;early=1m;late=every;lateness=2h;accumulating",
          "fixed:15m;early=count:100;late=30s;lateness=1d",
          "session:10m;late=count:5;lateness=30m;accumulating",
        }) {
      assertEquals(s, WindowSpec.parse(s).toString());
      assertEquals(WindowSpec.parse(s), WindowSpec.parse(WindowSpec.parse(s).toString()));
    }
  }

  @Test
  public void optionsInAnyOrderAndDefaultsNormalise() {
    WindowSpec spec = WindowSpec.parse(" fixed:60m ; accumulating;lateness=120m;late=every ");
    assertEquals("fixed:1h;late=every;lateness=2h;accumulating", spec.toString());
    assertEquals("fixed:1h", WindowSpec.parse("fixed:1h;discarding").toString());
    assertEquals("fixed:1h;early=every", WindowSpec.parse("fixed:1h;early=count:1").toString());
  }

  @Test
  public void exposesBeamPieces() {
    WindowSpec spec =
        WindowSpec.parse("sliding:1h/5m;early=1m;late=every;lateness=2h;accumulating");
    assertEquals(
        SlidingWindows.of(Duration.standardHours(1)).every(Duration.standardMinutes(5)),
        spec.windowFn());
    assertEquals(Duration.standardHours(2), spec.allowedLateness());
    assertTrue(spec.accumulating());
    assertEquals(Duration.standardMinutes(1), spec.early().delay());
    assertEquals(1, spec.late().count());
    assertThat(spec.trigger().toString(), containsString("withEarlyFirings"));
    assertThat(spec.trigger().toString(), containsString("withLateFirings"));
    assertEquals(
        FixedWindows.of(Duration.standardHours(1)), WindowSpec.parse("fixed:1h").windowFn());
    assertEquals(
        Sessions.withGapDuration(Duration.standardMinutes(30)),
        WindowSpec.parse("session:30m").windowFn());
    assertFalse(WindowSpec.parse("fixed:1h").accumulating());
  }

  @Test
  public void fromConfig() {
    WindowSpec spec =
        WindowSpec.fromConfig(
            Map.of(
                "window",
                "fixed:1h",
                "early",
                "1m",
                "late",
                "every",
                "lateness",
                "2h",
                "accumulation",
                "accumulating"));
    assertEquals("fixed:1h;early=1m;late=every;lateness=2h;accumulating", spec.toString());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> WindowSpec.fromConfig(Map.of("window", "fixed:1h", "latenes", "2h")));
    assertThat(e.getMessage(), containsString("unknown key 'latenes'"));
  }

  @Test
  public void invalidSpecsNameTheBadPart() {
    assertBad("fixed:1x", "part 'fixed:1x'", "expected a duration");
    assertBad("hourly", "part 'hourly'", "expected the window first");
    assertBad("sliding:1h", "part 'sliding:1h'", "sliding:<size>/<period>");
    assertBad("sliding:5m/1h", "part 'sliding:5m/1h'", "period must not be longer");
    assertBad("fixed:0s", "part 'fixed:0s'", "greater than zero");
    assertBad("fixed:1h;early=soon", "part 'early=soon'", "expected a duration");
    assertBad("fixed:1h;early=count:0", "part 'early=count:0'", "n >= 1");
    assertBad("fixed:1h;late=every", "part 'late=every'", "need lateness");
    assertBad("fixed:1h;lateness=2h", "part 'lateness=2h'", "needs late firings");
    assertBad("fixed:1h;lateness", "part 'lateness'", "lateness=<duration>");
    assertBad("fixed:1h;accumulating;discarding", "part 'discarding'", "given twice");
    assertBad("fixed:1h;fast", "part 'fast'", "unknown option 'fast'");
    assertBad("fixed:1h;accumulating=yes", "part 'accumulating=yes'", "takes no value");
    assertBad("", "WindowSpec.parse", "must not be empty");
  }

  private static void assertBad(String spec, String... fragments) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> WindowSpec.parse(spec));
    for (String f : fragments) {
      assertThat(e.getMessage(), containsString(f));
    }
  }

  @Test
  public void windowingDisplayDataListsTheSpec() {
    DisplayData data =
        DisplayData.from(
            Windowing.<Row>of("fixed:1h;early=1m;late=every;lateness=2h;accumulating"));
    assertThat(
        data.toString(), containsString("fixed:1h;early=1m;late=every;lateness=2h;accumulating"));
    assertThat(data.asMap().keySet().toString(), containsString("allowedLateness"));
    assertThat(data.asMap().keySet().toString(), containsString("accumulationMode"));
    assertThat(data.asMap().keySet().toString(), containsString("trigger"));
  }

  @Test
  public void tooLateSchemaRejectsClashingFields() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Windowing.tooLateSchema(
                    org.apache.beam.sdk.schemas.Schema.builder()
                        .addInt64Field("late_by_ms")
                        .build()));
    assertThat(e.getMessage(), containsString("Windowing.of: input field 'late_by_ms'"));
  }
}
