package io.tributary.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.Collections;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicLong;
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
 * instead. After each watermark step the reader reports no data for {@link #STALL_MILLIS} of wall
 * time, long enough for Flink's periodic watermark emission ({@link EventScript} sets it to 50 ms)
 * and bundle end to send the new watermark downstream before the next element; Flink keeps
 * watermarks and elements in order on every channel, so every operator sees the step before the
 * elements that follow it. At the end the watermark jumps to the end of time and the Flink source
 * finishes. Wall time alone is not enough on a loaded machine, so the reader also waits until the
 * runner has read the new watermark twice (it reads it to emit it).
 *
 * <pre>{@code
 * PCollection<String> events = p.apply(Read.from(new ScriptedSource(script)));
 * }</pre>
 */
public final class ScriptedSource extends UnboundedSource<String, ScriptedSource.Position> {
  private static final long serialVersionUID = 1L;

  /** Wall time the reader pauses after each watermark step. */
  public static final long STALL_MILLIS = 150;

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

  /** How far the reader got in the script. */
  public static final class Position implements UnboundedSource.CheckpointMark, Serializable {
    private static final long serialVersionUID = 1L;
    final int index;

    Position(int index) {
      this.index = index;
    }

    @Override
    public void finalizeCheckpoint() {}
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

  /** How long the reader holds the last scripted watermark before signalling the end of input. */
  static final long FINAL_STALL_MILLIS = 1500;

  static final class Reader extends UnboundedReader<String> {
    private final ScriptedSource source;
    private int index;
    private volatile Instant watermark = BoundedWindow.TIMESTAMP_MIN_VALUE;
    private volatile long stallUntil;
    private final AtomicLong watermarkReads = new AtomicLong();
    private volatile long readsNeeded;
    private volatile long finalStallUntil;
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
    public boolean advance() {
      current = null;
      if (System.currentTimeMillis() < stallUntil || watermarkReads.get() < readsNeeded) {
        return false;
      }
      while (index < source.steps.size()) {
        EventScript.Step step = source.steps.get(index++);
        if (step.value == null) {
          if (step.timestamp.isAfter(watermark)) {
            watermark = step.timestamp;
            stallUntil = System.currentTimeMillis() + STALL_MILLIS;
            readsNeeded = watermarkReads.get() + 2;
            return false;
          }
          continue;
        }
        current = step;
        return true;
      }
      if (!watermark.equals(BoundedWindow.TIMESTAMP_MAX_VALUE) && finalStallUntil == 0) {
        // Before the end of input, give the last scripted watermark time to reach every operator:
        // on a loaded machine Flink could otherwise fold it into the end-of-input watermark, and a
        // pane the script fires on time would also be the window's last (final), unlike on Direct.
        finalStallUntil = System.currentTimeMillis() + FINAL_STALL_MILLIS;
        readsNeeded = watermarkReads.get() + 4;
        return false;
      }
      if (System.currentTimeMillis() < finalStallUntil) {
        return false;
      }
      watermark = BoundedWindow.TIMESTAMP_MAX_VALUE;
      return false;
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
      watermarkReads.incrementAndGet();
      return watermark;
    }

    @Override
    public CheckpointMark getCheckpointMark() {
      return new Position(index);
    }

    @Override
    public UnboundedSource<String, ?> getCurrentSource() {
      return source;
    }

    @Override
    public void close() {}
  }
}
