package io.tributary.testing;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * One event-time scenario, replayed the right way for the runner under test: as a {@link
 * TestStream} on the Direct runner, and through the unbounded {@link ScriptedSource} on Flink,
 * where TestStream does not reproduce late panes (docs/streaming.md). The same assertions then hold
 * on both runners.
 *
 * <pre>{@code
 * PCollection<String> events = EventScript.create()
 *     .add(minute(5), "a,1")
 *     .watermark(minute(60))        // the window [0, 60) is now on time
 *     .add(minute(10), "a,2")       // late: its window's end is behind the watermark
 *     .apply(p, "Events");
 * }</pre>
 */
public final class EventScript implements Serializable {
  private static final long serialVersionUID = 1L;

  /** An element (value set) or a watermark advance (value null). */
  public static final class Step implements Serializable {
    private static final long serialVersionUID = 1L;
    final Instant timestamp;
    final @Nullable String value;

    Step(Instant timestamp, @Nullable String value) {
      this.timestamp = timestamp;
      this.value = value;
    }
  }

  /** Checkpoint interval on Flink: each watermark step waits for one completed checkpoint. */
  static final long CHECKPOINT_MILLIS = 100;

  private final List<Step> steps = new ArrayList<>();

  private EventScript() {}

  /** An empty script. */
  public static EventScript create() {
    return new EventScript();
  }

  /** Elements arriving now, all with event time {@code at}. */
  public EventScript add(Instant at, String... values) {
    for (String v : values) {
      steps.add(new Step(at, v));
    }
    return this;
  }

  /** The watermark advances to {@code to}. */
  public EventScript watermark(Instant to) {
    steps.add(new Step(to, null));
    return this;
  }

  /** Every element of the script with its timestamp, in arrival order (for a bounded replay). */
  public List<TimestampedValue<String>> elements() {
    List<TimestampedValue<String>> out = new ArrayList<>();
    for (Step s : steps) {
      if (s.value != null) {
        out.add(TimestampedValue.of(s.value, s.timestamp));
      }
    }
    return out;
  }

  /** The script as an unbounded collection for the current runner. */
  public PCollection<String> apply(Pipeline p, String name) {
    if (TestRunners.isFlink()) {
      FlinkPipelineOptions flink = p.getOptions().as(FlinkPipelineOptions.class);
      // ScriptedSource acknowledges each watermark step through a completed checkpoint before it
      // reads on: aligned checkpoints, and every operator finishes its bundle and emits its held
      // output watermark before it forwards the barrier (see ScriptedSource for why that cannot
      // race). Bounded sources in the same pipeline (Impulse, Create) finish when they are done;
      // Flink keeps checkpointing after tasks finish.
      flink.setCheckpointingInterval(CHECKPOINT_MILLIS);
      flink.setCheckpointingMode("EXACTLY_ONCE");
      flink.setUnalignedCheckpointEnabled(false);
      flink.setFinishBundleBeforeCheckpointing(true);
      flink.setShutdownSourcesAfterIdleMs(0L);
      // Not needed for the order, only for speed: small bundles and a fast watermark clock let a
      // step's watermark leave the source and the operators without waiting for a full bundle.
      flink.setMaxBundleSize(1L);
      flink.setMaxBundleTimeMills(20L);
      flink.setAutoWatermarkInterval(50L);
      return p.apply(name, Read.from(new ScriptedSource(new ArrayList<>(steps))));
    }
    TestStream.Builder<String> b = TestStream.create(StringUtf8Coder.of());
    List<TimestampedValue<String>> batch = new ArrayList<>();
    for (Step s : steps) {
      if (s.value != null) {
        batch.add(TimestampedValue.of(s.value, s.timestamp));
        continue;
      }
      if (!batch.isEmpty()) {
        b = addAll(b, batch);
        batch.clear();
      }
      b = b.advanceWatermarkTo(s.timestamp);
    }
    if (!batch.isEmpty()) {
      b = addAll(b, batch);
    }
    return p.apply(name, b.advanceWatermarkToInfinity());
  }

  @SuppressWarnings("unchecked")
  private static TestStream.Builder<String> addAll(
      TestStream.Builder<String> b, List<TimestampedValue<String>> batch) {
    TimestampedValue<String> first = batch.get(0);
    TimestampedValue<String>[] rest =
        batch.subList(1, batch.size()).toArray(new TimestampedValue[0]);
    return b.addElements(first, rest);
  }
}
