package io.tributary.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.Collections;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * A real unbounded source that replays an {@link EventScript}: elements with explicit event-time
 * timestamps, and watermark advances exactly where the script puts them.
 *
 * <p>Why it exists: TestStream is not reproduced faithfully by the Flink runner (late panes fold
 * into the on-time pane; see docs/streaming.md and apache/beam issues 20843 and 20844:
 * https://github.com/apache/beam/issues/20844), so Flink tests drive event time through a source
 * instead.
 *
 * <p>Every watermark step is acknowledged before the next element is read: the reader holds the
 * element back until a Flink checkpoint whose barrier left the source <em>after</em> the new
 * watermark has completed. No wall-clock wait decides anything. Why that cannot race:
 *
 * <ol>
 *   <li>The new watermark is on the wire before the barrier. Beam's Flink source wrapper
 *       (FlinkUnboundedSourceReader, Beam 2.62) reads {@link Reader#getWatermark()} in two places:
 *       at the start of a poll, right before it emits that value to Flink (synchronously), and
 *       after an empty poll, to check for the end of input (not emitted). Between two calls to
 *       {@code advance()} the end-of-input read, if any, comes first, and a checkpoint (a separate
 *       mailbox action) comes between polls. So the second read between two advances, or any read
 *       after {@link Reader#getCheckpointMark()} in the same gap, is an emitting read: the
 *       watermark is emitted. Only a checkpoint mark taken after such a read acknowledges the step.
 *   <li>A completed checkpoint has passed every operator, after everything that was sent before its
 *       barrier: checkpoints are aligned ({@code EXACTLY_ONCE}, unaligned checkpoints off), and
 *       Flink completes a checkpoint only when every task has taken its snapshot.
 *   <li>Beam's DoFnOperator holds its output watermark back while a bundle is open, and event-time
 *       timers that a watermark fires open a bundle; a held watermark would otherwise leave only
 *       with the next element's bundle, <em>after</em> that element (this was the race). With
 *       {@code finishBundleBeforeCheckpointing}, every operator finishes its bundle and emits its
 *       output watermark in {@code prepareSnapshotPreBarrier}, before it forwards the barrier, and
 *       Flink prepares chained operators from the head of the chain to its tail. So when the
 *       checkpoint completes, the step's watermark and every timer, pane and watermark it caused
 *       have been processed by every operator, and the next element is behind all of them on every
 *       channel.
 * </ol>
 *
 * <p>Flink calls {@link UnboundedSource.CheckpointMark#finalizeCheckpoint()} on the marks of a
 * completed checkpoint (and of older, subsumed ones; their barriers are ahead of the completed
 * one's, so the argument holds for them too). {@link EventScript} turns on the checkpointing this
 * needs. At the end the watermark jumps to the end of time and the Flink source finishes; the last
 * scripted watermark was acknowledged like every other.
 *
 * <pre>{@code
 * PCollection<String> events = p.apply(Read.from(new ScriptedSource(script)));
 * }</pre>
 */
public final class ScriptedSource extends UnboundedSource<String, ScriptedSource.Position> {
  private static final long serialVersionUID = 1L;

  private final List<EventScript.Step> steps;

  public ScriptedSource(List<EventScript.Step> steps) {
    this.steps = steps;
  }

  @Override
  public List<? extends UnboundedSource<String, Position>> split(
      int desiredNumSplits, PipelineOptions options) {
    return Collections.singletonList(this);
  }

  @Override
  public UnboundedReader<String> createReader(PipelineOptions options, @Nullable Position mark) {
    return new Reader(this, mark == null ? 0 : mark.index);
  }

  @Override
  public Coder<Position> getCheckpointMarkCoder() {
    return PositionCoder.INSTANCE;
  }

  @Override
  public Coder<String> getOutputCoder() {
    return StringUtf8Coder.of();
  }

  /**
   * How far the reader got in the script. A mark handed out by a live reader also carries the last
   * watermark step known to be emitted before it; finalizing the mark acknowledges that step.
   */
  public static final class Position implements UnboundedSource.CheckpointMark, Serializable {
    private static final long serialVersionUID = 1L;
    final int index;
    private final transient @Nullable Reader reader;
    private final transient long emittedStep;

    Position(int index) {
      this(index, null, -1);
    }

    Position(int index, @Nullable Reader reader, long emittedStep) {
      this.index = index;
      this.reader = reader;
      this.emittedStep = emittedStep;
    }

    @Override
    public void finalizeCheckpoint() {
      if (reader != null) {
        reader.acknowledge(emittedStep);
      }
    }
  }

  static final class PositionCoder extends CustomCoder<Position> {
    static final PositionCoder INSTANCE = new PositionCoder();

    @Override
    public void encode(Position value, OutputStream out) throws IOException {
      VarIntCoder.of().encode(value.index, out);
    }

    @Override
    public Position decode(InputStream in) throws IOException {
      return new Position(VarIntCoder.of().decode(in));
    }
  }

  static final class Reader extends UnboundedReader<String> {
    private final ScriptedSource source;
    private int index;
    private volatile Instant watermark = BoundedWindow.TIMESTAMP_MIN_VALUE;

    /** Watermark steps taken so far; the current watermark belongs to step {@code step}. */
    private volatile long step;

    /** The last step whose watermark is known to have been emitted to Flink. */
    private volatile long emittedStep;

    /** The last step acknowledged by a completed checkpoint. */
    private volatile long ackedStep;

    /** getWatermark calls since the last advance, and whether a checkpoint mark came between. */
    private int readsSinceAdvance;

    private boolean markSinceAdvance;
    private EventScript.@Nullable Step current;

    Reader(ScriptedSource source, int index) {
      this.source = source;
      this.index = index;
    }

    @Override
    public boolean start() {
      return advance();
    }

    @Override
    // Only the reader's thread writes step; other threads only read it.
    @SuppressWarnings("NonAtomicVolatileUpdate")
    public boolean advance() {
      readsSinceAdvance = 0;
      markSinceAdvance = false;
      current = null;
      if (ackedStep < step) {
        return false; // the last watermark step has not been acknowledged yet
      }
      while (index < source.steps.size()) {
        EventScript.Step s = source.steps.get(index++);
        if (s.value == null) {
          if (s.timestamp.isAfter(watermark)) {
            watermark = s.timestamp;
            step++;
            return false;
          }
          continue;
        }
        current = s;
        return true;
      }
      watermark = BoundedWindow.TIMESTAMP_MAX_VALUE;
      return false;
    }

    void acknowledge(long emitted) {
      if (emitted > ackedStep) {
        ackedStep = emitted;
      }
    }

    @Override
    public String getCurrent() {
      if (current == null) {
        throw new NoSuchElementException();
      }
      return current.value;
    }

    @Override
    public Instant getCurrentTimestamp() {
      if (current == null) {
        throw new NoSuchElementException();
      }
      return current.timestamp;
    }

    @Override
    public Instant getWatermark() {
      readsSinceAdvance++;
      if (readsSinceAdvance >= 2 || markSinceAdvance) {
        // An emitting read (see the class comment): this value reaches Flink before the barrier
        // of any checkpoint taken from now on.
        emittedStep = step;
      }
      return watermark;
    }

    @Override
    public CheckpointMark getCheckpointMark() {
      markSinceAdvance = true;
      return new Position(index, this, emittedStep);
    }

    @Override
    public UnboundedSource<String, ?> getCurrentSource() {
      return source;
    }

    @Override
    public void close() {}
  }
}
