package io.tributary.pipelines.runtime;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.tributary.transforms.metrics.StageGraph;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** The progress line's text and when it is shown. */
@RunWith(JUnit4.class)
public class ProgressTest {
  @Test
  public void lineShowsCountsRateOverTheIntervalAndLag() {
    long now = 1_000_000_000L;
    Progress.Snapshot before = new Progress.Snapshot(10_000, 9_000, 3, null);
    // 41,200 - 10,000 read in 5 s: 6,240/s; newest event time 3 h 4 min ago
    Progress.Snapshot after =
        new Progress.Snapshot(41_200, 40_950, 12, now - (3 * 3600 + 4 * 60) * 1000L);
    assertEquals(
        "tributary clickstream 0:01:05  read 41,200 (6,240/s)  written 40,950  dead-lettered 12  lag 3h 4m",
        Progress.format("clickstream", 65_000, before, 5_000, after, now));
  }

  @Test
  public void firstLineRatesOverTheWholeRunAndUnknownLagIsADash() {
    assertEquals(
        "tributary orders-mart 1:00:00  read 7,200 (2/s)  written 0  dead-lettered 0  lag -",
        Progress.format(
            "orders-mart", 3_600_000, null, 0, new Progress.Snapshot(7_200, 0, 0, null), 0));
  }

  @Test
  public void durationsUseTheTwoLargestUnits() {
    assertEquals("0s", Progress.duration(-5));
    assertEquals("59s", Progress.duration(59_999));
    assertEquals("12m 5s", Progress.duration((12 * 60 + 5) * 1000L));
    assertEquals("2d 1h", Progress.duration((2 * 86400 + 3600 + 59) * 1000L));
  }

  @Test
  public void quietWhenNotATerminalUnlessAlways() throws Exception {
    assertTrue(Progress.enabled(Progress.Mode.AUTO, true));
    assertFalse(Progress.enabled(Progress.Mode.AUTO, false));
    assertTrue(Progress.enabled(Progress.Mode.ALWAYS, false));
    assertFalse(Progress.enabled(Progress.Mode.NEVER, true));
    assertEquals(Progress.Mode.ALWAYS, Progress.Mode.parse("always"));
    assertThat(
        assertThrows(UsageException.class, () -> Progress.Mode.parse("sometimes")).getMessage(),
        containsString("--progress: expected auto, always or never, got 'sometimes'"));
  }

  @Test
  @SuppressWarnings("SystemConsoleNull") // mirrors Progress.start's JDK 17 terminal check
  public void offMeansNoThread() {
    // Tests run without a console: auto is off, never is off.
    try (Progress p = Progress.start("x", Progress.Mode.NEVER, 1000)) {
      assertFalse(p.running());
    }
    try (Progress p = Progress.start("x", Progress.Mode.AUTO, 1000)) {
      assertEquals(System.console() != null, p.running());
    }
  }

  @Test
  public void startUpShowsItsPhaseUntilTheFirstRecordIsRead() {
    assertEquals(
        "tributary clickstream 0:00:03  building the pipeline: no record read yet",
        Progress.line("clickstream", 3_000, "building the pipeline", null, 0, null, 0));
    Progress.Snapshot none = new Progress.Snapshot(0, 0, 0, null);
    assertEquals(
        "tributary clickstream 0:00:16  starting FlinkRunner: no record read yet",
        Progress.line("clickstream", 16_000, "starting FlinkRunner", null, 0, none, 0));
    Progress.Snapshot some = new Progress.Snapshot(5, 4, 1, null);
    assertEquals(
        Progress.format("clickstream", 17_000, none, 1_000, some, 0),
        Progress.line("clickstream", 17_000, null, none, 1_000, some, 0));
    // A phase never hides records that were read.
    assertEquals(
        Progress.format("clickstream", 17_000, none, 1_000, some, 0),
        Progress.line("clickstream", 17_000, "starting FlinkRunner", none, 1_000, some, 0));
  }

  /** A run shorter than one interval still ends with a line of its final counts. */
  @Test
  public void finishPrintsTheFinalCountsOnce() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    AtomicLong clock = new AtomicLong(1_000_000L);
    Progress.Snapshot last = new Progress.Snapshot(1_000, 983, 7, null);
    Progress p = new Progress("clickstream", err, false, 3_600_000L, clock::get, g -> last, true);
    p.stages(StageGraph.of(Map.of(), Map.of()));
    clock.addAndGet(2_500);
    p.finish();
    p.close();
    assertEquals(
        "tributary clickstream 0:00:02  read 1,000 (400/s)  written 983  dead-lettered 7  lag -"
            + System.lineSeparator(),
        bytes.toString(StandardCharsets.UTF_8));
  }

  @Test
  public void finishIsQuietWhenTheLineIsOff() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    Progress p =
        new Progress(
            "clickstream",
            err,
            false,
            1_000L,
            () -> 0L,
            g -> new Progress.Snapshot(1, 1, 0, null),
            false);
    p.stages(StageGraph.of(Map.of(), Map.of()));
    p.finish();
    p.close();
    assertEquals("", bytes.toString(StandardCharsets.UTF_8));
  }
}
