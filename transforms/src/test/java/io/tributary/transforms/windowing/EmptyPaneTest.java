package io.tributary.transforms.windowing;

import static io.tributary.transforms.windowing.WindowingTest.hhmm;
import static io.tributary.transforms.windowing.WindowingTest.min;
import static io.tributary.transforms.windowing.WindowingTest.rows;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.tributary.testing.EventScript;
import io.tributary.testing.Panes;
import java.io.Serializable;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Issue 17: an empty pane never replaces a real one. When the watermark jumps past a window's end
 * and its expiry in one step, Beam's Flink runner used to emit an extra, empty {@code ON_TIME} pane
 * with index 0 per key (Beam's default on-time behaviour is {@code FIRE_ALWAYS}); a sink keeping
 * "the highest pane index" could not tell it from the real one. {@link WindowSpec#toWindow()} now
 * fires on-time and closing panes only when they hold new elements. Every scenario is an {@link
 * EventScript}: TestStream on the Direct runner, the scripted unbounded source on Flink.
 */
@RunWith(JUnit4.class)
public class EmptyPaneTest implements Serializable {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  /** Two keys in [00:00, 00:01), then one watermark step far past end + lateness (5m). */
  static EventScript jumpScript() {
    return EventScript.create()
        .add(Instant.parse("2026-11-01T00:00:10Z"), "a,1")
        .add(Instant.parse("2026-11-01T00:00:20Z"), "b,2")
        .add(Instant.parse("2026-11-01T00:00:30Z"), "a,3")
        .add(Instant.parse("2026-11-01T00:00:40Z"), "b,4")
        .watermark(min(60)); // end (00:01) and expiry (00:06) passed at once
  }

  /**
   * Groups by user and renders every pane as "user HH:mm-HH:mm TIMING#index elements=N sum=S": an
   * empty pane would show as elements=0.
   */
  static PCollection<String> panesPerUser(PCollection<Row> windowed, String name) {
    return windowed
        .apply(
            name + "Key",
            MapElements.into(
                    TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.longs()))
                .via((Row r) -> KV.of(r.getString("user"), r.getInt64("n"))))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()))
        .apply(name + "Group", GroupByKey.create())
        .apply(name + "Describe", ParDo.of(new DescribeFn()));
  }

  static final class DescribeFn extends DoFn<KV<String, Iterable<Long>>, String> {
    @ProcessElement
    public void process(
        @Element KV<String, Iterable<Long>> kv,
        BoundedWindow window,
        PaneInfo pane,
        OutputReceiver<String> out) {
      long n = 0;
      long sum = 0;
      for (Long v : kv.getValue()) {
        n++;
        sum += v;
      }
      PaneMetadata m = PaneMetadata.of(window, pane, n);
      out.output(
          kv.getKey()
              + " "
              + hhmm(m.windowStart())
              + "-"
              + hhmm(m.windowEnd())
              + " "
              + m.timing()
              + "#"
              + m.index()
              + " elements="
              + m.elementCount()
              + " sum="
              + sum);
    }
  }

  private void runJump(String spec, EventScript script, String... expected) {
    PCollection<Row> events = rows(script.apply(p, "Events"));
    // Through Windowing (the too-late router, then the Window transform) ...
    Panes.assertExactly(
        panesPerUser(events.apply("Windowing", Windowing.<Row>of(spec)).output(), "Routed"),
        expected);
    // ... and through the bare Window transform of the spec, as plain Beam would run it.
    Panes.assertExactly(
        panesPerUser(events.apply("Window", WindowSpec.parse(spec).<Row>toWindow()), "Bare"),
        expected);
    p.run().waitUntilFinish();
  }

  @Test
  public void watermarkJumpGivesOneOnTimePanePerKeyAccumulating() {
    runJump(
        "fixed:1m;late=every;lateness=5m;accumulating",
        jumpScript(),
        "a 00:00-00:01 ON_TIME#0 elements=2 sum=4",
        "b 00:00-00:01 ON_TIME#0 elements=2 sum=6");
  }

  @Test
  public void watermarkJumpGivesOneOnTimePanePerKeyDiscarding() {
    runJump(
        "fixed:1m;late=every;lateness=5m",
        jumpScript(),
        "a 00:00-00:01 ON_TIME#0 elements=2 sum=4",
        "b 00:00-00:01 ON_TIME#0 elements=2 sum=6");
  }

  /**
   * An early pane, then no new element before the watermark jump: no ON_TIME pane follows (it would
   * be empty in discarding mode and a repeat of the early pane in accumulating mode), so the early
   * pane stays the window's result.
   */
  @Test
  public void noOnTimePaneWithoutNewElementsAfterAnEarlyFiring() {
    runJump(
        "fixed:1m;early=count:2;late=every;lateness=5m;accumulating",
        EventScript.create()
            .add(Instant.parse("2026-11-01T00:00:10Z"), "a,1")
            .add(Instant.parse("2026-11-01T00:00:30Z"), "a,3")
            .watermark(min(60)),
        "a 00:00-00:01 EARLY#0 elements=2 sum=4");
  }

  /** The Window transform of every spec carries the non-empty on-time and closing behaviours. */
  @Test
  public void toWindowFiresOnTimeAndClosingPanesOnlyIfNonEmpty() {
    for (String spec :
        new String[] {"fixed:1h", "sliding:1h/5m;early=1m", "session:30m;late=every;lateness=1h"}) {
      PCollection<String> in =
          org.apache.beam.sdk.Pipeline.create()
              .apply(org.apache.beam.sdk.transforms.Create.of("x"));
      WindowingStrategy<?, ?> s =
          in.apply(WindowSpec.parse(spec).<String>toWindow()).getWindowingStrategy();
      assertEquals(spec, Window.OnTimeBehavior.FIRE_IF_NON_EMPTY, s.getOnTimeBehavior());
      assertEquals(spec, Window.ClosingBehavior.FIRE_IF_NON_EMPTY, s.getClosingBehavior());
    }
  }

  /** The sink rule: replace only with a higher, non-empty pane; nothing replaces a final one. */
  @Test
  public void sinkRuleNeverReplacesWithAnEmptyPaneOrAfterTheFinalOne() {
    IntervalWindow w = new IntervalWindow(min(0), min(1));
    IntervalWindow other = new IntervalWindow(min(1), min(2));
    PaneMetadata early =
        PaneMetadata.of(w, PaneInfo.createPane(true, false, PaneInfo.Timing.EARLY, 0, -1), 2);
    PaneMetadata onTime =
        PaneMetadata.of(w, PaneInfo.createPane(false, false, PaneInfo.Timing.ON_TIME, 1, 0), 1);
    PaneMetadata emptyOnTime =
        PaneMetadata.of(w, PaneInfo.createPane(false, false, PaneInfo.Timing.ON_TIME, 2, 1), 0);
    PaneMetadata last =
        PaneMetadata.of(w, PaneInfo.createPane(false, true, PaneInfo.Timing.LATE, 2, 1), 1);
    PaneMetadata after =
        PaneMetadata.of(w, PaneInfo.createPane(false, false, PaneInfo.Timing.LATE, 3, 2), 1);
    assertTrue(onTime.replaces(early));
    assertFalse(early.replaces(onTime));
    assertFalse(onTime.replaces(onTime));
    assertFalse(emptyOnTime.replaces(onTime));
    // The Flink symptom of issue 17: an empty ON_TIME #0 next to the real ON_TIME #0, either order.
    PaneMetadata real0 =
        PaneMetadata.of(w, PaneInfo.createPane(true, false, PaneInfo.Timing.ON_TIME, 0, 0), 2);
    PaneMetadata empty0 =
        PaneMetadata.of(w, PaneInfo.createPane(true, false, PaneInfo.Timing.ON_TIME, 0, 0), 0);
    assertTrue(empty0.isEmpty());
    assertFalse(empty0.replaces(real0));
    assertTrue(real0.replaces(empty0));
    assertTrue(last.replaces(onTime));
    assertFalse(after.replaces(last));
    assertFalse(
        PaneMetadata.of(other, PaneInfo.createPane(false, false, PaneInfo.Timing.LATE, 5, 4), 1)
            .replaces(onTime));
    // Without a known element count (of(window, pane)) only the index and the final flag decide.
    PaneMetadata unknown =
        PaneMetadata.of(w, PaneInfo.createPane(false, false, PaneInfo.Timing.LATE, 2, 1));
    assertEquals(null, unknown.elementCount());
    assertTrue(unknown.replaces(onTime));
  }
}
