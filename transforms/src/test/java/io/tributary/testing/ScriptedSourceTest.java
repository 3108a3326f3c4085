package io.tributary.testing;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.List;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.util.CoderUtils;
import org.joda.time.Instant;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The acknowledgement protocol of {@link ScriptedSource}, driven the way Beam's Flink source
 * wrapper drives a reader: a poll reads the watermark (to emit it) when the watermark clock ticked,
 * then advances, then reads it again after an empty advance (end-of-input check); a checkpoint
 * takes a mark between polls and finalizes it once complete.
 */
@RunWith(JUnit4.class)
public class ScriptedSourceTest {
  static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

  static Instant min(int m) {
    return T0.plus(org.joda.time.Duration.standardMinutes(m));
  }

  static UnboundedSource.UnboundedReader<String> reader(EventScript.Step... steps) {
    return new ScriptedSource(List.of(steps)).createReader(PipelineOptionsFactory.create(), null);
  }

  /** One poll of FlinkUnboundedSourceReader: emit (if the clock ticked), advance, end check. */
  static boolean poll(UnboundedSource.UnboundedReader<String> r, boolean tick) throws Exception {
    if (tick) {
      r.getWatermark();
    }
    boolean data = r.advance();
    if (!data) {
      r.getWatermark();
    }
    return data;
  }

  @Test
  public void theElementAfterAStepWaitsForACheckpointTakenAfterTheStepWasEmitted()
      throws Exception {
    UnboundedSource.UnboundedReader<String> r =
        reader(
            new EventScript.Step(min(5), "a"),
            new EventScript.Step(min(30), null),
            new EventScript.Step(min(10), "late"));
    assertTrue(r.start());
    assertEquals("a", r.getCurrent());
    assertFalse(poll(r, false)); // the step: watermark 00:30, nothing emitted yet
    // A checkpoint before the watermark was emitted acknowledges nothing.
    UnboundedSource.CheckpointMark early = r.getCheckpointMark();
    early.finalizeCheckpoint();
    assertFalse(poll(r, false));
    assertFalse(poll(r, false));
    // The clock ticks: this poll emits 00:30 before it advances.
    assertFalse(poll(r, true));
    UnboundedSource.CheckpointMark after = r.getCheckpointMark();
    assertFalse(poll(r, true)); // still not acknowledged: the checkpoint is not complete
    after.finalizeCheckpoint();
    assertTrue(poll(r, false));
    assertEquals("late", r.getCurrent());
    assertEquals(min(10), r.getCurrentTimestamp());
    // End of the script: the watermark jumps to the end of time.
    assertFalse(poll(r, false));
    assertEquals(BoundedWindow.TIMESTAMP_MAX_VALUE, r.getWatermark());
  }

  @Test
  public void aReadAfterACheckpointMarkInTheSameGapIsAnEmittingRead() throws Exception {
    UnboundedSource.UnboundedReader<String> r =
        reader(new EventScript.Step(min(30), null), new EventScript.Step(min(40), "b"));
    assertFalse(r.start());
    r.getCheckpointMark().finalizeCheckpoint(); // before any read: acknowledges nothing
    assertFalse(r.advance());
    r.getCheckpointMark(); // a checkpoint between polls (its barrier is ahead of what follows)
    r.getWatermark(); // the next poll's emitting read
    assertFalse(r.advance());
    r.getCheckpointMark().finalizeCheckpoint(); // taken after the emission: acknowledges 00:30
    assertTrue(r.advance());
    assertEquals("b", r.getCurrent());
  }

  @Test
  public void stepsThatDoNotAdvanceNeedNoAcknowledgementAndRestoredMarksAreInert()
      throws Exception {
    UnboundedSource.UnboundedReader<String> r =
        reader(
            new EventScript.Step(min(30), null),
            new EventScript.Step(min(20), null), // behind the watermark: skipped
            new EventScript.Step(min(25), "c"));
    assertFalse(r.start());
    UnboundedSource.CheckpointMark mark = r.getCheckpointMark();
    byte[] encoded =
        CoderUtils.encodeToByteArray(
            ScriptedSource.PositionCoder.INSTANCE, (ScriptedSource.Position) mark);
    ScriptedSource.Position restored =
        CoderUtils.decodeFromByteArray(ScriptedSource.PositionCoder.INSTANCE, encoded);
    assertEquals(1, restored.index);
    restored.finalizeCheckpoint(); // no reader behind it: nothing happens
    assertFalse(poll(r, true));
    assertFalse(poll(r, true)); // emitted, but no checkpoint taken since
    r.getCheckpointMark().finalizeCheckpoint();
    assertTrue(poll(r, false));
    assertEquals("c", r.getCurrent());
  }
}
