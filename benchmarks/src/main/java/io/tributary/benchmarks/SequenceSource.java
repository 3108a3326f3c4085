package io.tributary.benchmarks;

import java.io.Serializable;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.options.ExperimentalOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PCollection;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The numbers {@code 0 .. n-1} in order, element {@code i} at event time {@code base + i * 10 ms},
 * as a real unbounded source whose watermark is the time of the last element read, and the end of
 * time once all {@code n} are read (so the streaming job ends).
 *
 * <p>Why not {@code GenerateSequence.from(0).to(n).withRate(...)}: with {@code to(n)} Beam expands
 * it into {@code BoundedReadFromUnboundedSource}, a <em>bounded</em> collection read by one DoFn
 * call per shard, which emits every element before its input watermark can move. Downstream the
 * watermark stays at its minimum until the whole sequence is read, whatever {@code withRate} says:
 * a streaming stateful step then holds every row (docs/performance.md, "Join state over 10 million
 * events"). This source is read by Flink's {@code UnboundedSourceWrapper} (with the {@code
 * use_deprecated_read} experiment), which emits the reader's watermark every auto-watermark
 * interval.
 *
 * <p>The wrapper reads under its checkpoint lock, releasing it only between two elements, and emits
 * the watermark from a timer that needs the same lock; a reader that always has data can starve
 * that timer for seconds (measured: the watermark stood still for 20 s while 176,000 elements were
 * read). So at least every {@value #YIELD_MILLIS} ms the reader reports no data once, and the
 * wrapper sleeps 50 ms without the lock: a third of the source thread's time at most, far more than
 * the join downstream can use anyway.
 *
 * <p>One reader: split never splits, so the watermark follows the one reader exactly (with two
 * readers it would be the slower one's, and the faster one's rows would wait). A source subtask
 * without a reader reports the end of time at once and does not hold the watermark back. {@code
 * ratePerSecond} > 0 caps the rate: {@link Reader#advance()} returns false while the reader is
 * ahead of {@code ratePerSecond} elements per second since its start (the wrapper then sleeps 50 ms
 * without its checkpoint lock).
 */
final class SequenceSource extends UnboundedSource<Long, SequenceSource.Mark> {
  private static final long serialVersionUID = 1L;

  /**
   * The reader reports no data at least this often (wall time), so the watermark can be emitted.
   */
  static final long YIELD_MILLIS = 100;

  private final long n;
  private final long baseMillis;
  private final long ratePerSecond;

  /**
   * The state benchmarks' input, step "Sequence": this source, or with {@code generate} the first
   * runs' {@code GenerateSequence.to(n)} (its watermark does not move until the end; kept to
   * reproduce their numbers). Same elements and event times either way; {@code ratePerSecond} 0 =
   * as fast as it can. Pair with {@link #useDeprecatedRead}.
   */
  static PCollection<Long> read(
      Pipeline p, long n, long baseMillis, long ratePerSecond, boolean generate) {
    return generate
        ? p.apply(
            "Sequence",
            GenerateSequence.from(0)
                .to(n)
                .withRate(
                    ratePerSecond > 0 ? ratePerSecond : 1_000_000_000L, Duration.standardSeconds(1))
                .withTimestampFn(i -> new Instant(baseMillis + i * 10)))
        : p.apply("Sequence", Read.from(new SequenceSource(n, baseMillis, ratePerSecond)));
  }

  /**
   * The primitive read: Flink's {@code UnboundedSourceWrapper} then emits this source's watermark
   * as it goes (no effect on {@code generate}, whose watermark does not move until the end).
   */
  static void useDeprecatedRead(PipelineOptions o) {
    ExperimentalOptions.addExperiment(o.as(ExperimentalOptions.class), "use_deprecated_read");
  }

  SequenceSource(long n, long baseMillis, long ratePerSecond) {
    this.n = n;
    this.baseMillis = baseMillis;
    this.ratePerSecond = ratePerSecond;
  }

  @Override
  public List<SequenceSource> split(int desiredNumSplits, PipelineOptions options) {
    return List.of(this);
  }

  @Override
  public Reader createReader(PipelineOptions options, @Nullable Mark checkpoint) {
    return new Reader(this, checkpoint == null ? -1 : checkpoint.last);
  }

  @Override
  public Coder<Mark> getCheckpointMarkCoder() {
    return SerializableCoder.of(Mark.class);
  }

  @Override
  public Coder<Long> getOutputCoder() {
    return VarLongCoder.of();
  }

  /** The last number read. */
  static final class Mark implements UnboundedSource.CheckpointMark, Serializable {
    private static final long serialVersionUID = 1L;
    final long last;

    Mark(long last) {
      this.last = last;
    }

    @Override
    public void finalizeCheckpoint() {}
  }

  static final class Reader extends UnboundedSource.UnboundedReader<Long> {
    private final SequenceSource source;
    private long current;
    private long startNanos;
    private long startAt;
    private long lastYieldNanos;

    Reader(SequenceSource source, long last) {
      this.source = source;
      this.current = last;
    }

    @Override
    public boolean start() {
      startNanos = System.nanoTime();
      lastYieldNanos = startNanos;
      startAt = current;
      return advance();
    }

    @Override
    public boolean advance() {
      if (current + 1 >= source.n) {
        current = source.n; // done: the watermark goes to the end of time
        return false;
      }
      long now = System.nanoTime();
      if (now - lastYieldNanos >= YIELD_MILLIS * 1_000_000L) {
        lastYieldNanos = now;
        return false; // the wrapper sleeps 50 ms without its lock: the watermark timer can run
      }
      if (source.ratePerSecond > 0) {
        long allowed = (now - startNanos) * source.ratePerSecond / 1_000_000_000L;
        if (current - startAt >= allowed) {
          lastYieldNanos = now;
          return false;
        }
      }
      current++;
      return true;
    }

    @Override
    public Long getCurrent() {
      if (current < 0 || current >= source.n) {
        throw new NoSuchElementException();
      }
      return current;
    }

    @Override
    public Instant getCurrentTimestamp() {
      return new Instant(source.baseMillis + getCurrent() * 10);
    }

    @Override
    public Instant getWatermark() {
      if (current >= source.n) {
        return BoundedWindow.TIMESTAMP_MAX_VALUE;
      }
      // Every element still to come is later than the one just read (before the first: than 0's).
      return new Instant(source.baseMillis + current * 10);
    }

    @Override
    public Mark getCheckpointMark() {
      return new Mark(current);
    }

    @Override
    public SequenceSource getCurrentSource() {
      return source;
    }

    @Override
    public void close() {}
  }
}
