package io.tributary.benchmarks;

import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.join.IntervalJoin;
import io.tributary.transforms.join.JoinType;
import io.tributary.transforms.metrics.LiveMetrics;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Interval-join state memory at a fixed bound as N grows: Tributary's IntervalJoin alone in a
 * STREAMING Flink job whose watermark advances with event time, so the expiry timers free state
 * during the run (a bounded input would hold every row until its end).
 *
 * <p>Synthetic input: {@link SequenceSource}, an unbounded source of N elements, event time 10 ms
 * per element, whose watermark follows the last element read ({@code generate}: the first runs'
 * {@code GenerateSequence.to(N)}, whose watermark does not move until the end, kept to reproduce
 * them). {@link WatermarkProbeFn} reports how far the watermark has got during the run. Even
 * elements are left rows, odd ones right rows; element {@code 2k} and {@code 2k+1} share device
 * {@code k mod 1000}, so each left row has exactly one right row within the bound (the same device
 * comes back only 20 s of event time later, beyond a bound of a second or two). With bound b the
 * buffered rows are about (b + b) / 10 ms whatever N is, over a fixed set of 1,000 keys: the live
 * heap after a full GC at 25/50/75/100% of the N/2 joined rows should stay flat in N.
 */
final class IntervalJoinStateJob {
  static final Schema LEFT = Schema.builder().addStringField("device").addInt64Field("seq").build();
  static final Schema RIGHT =
      Schema.builder().addStringField("device").addInt64Field("seq").build();
  static final long BASE_MILLIS = Instant.parse("2026-11-01T00:00:00Z").getMillis();
  static final int DEVICES = 1000;

  /** Joined rows so far, and the live heap after an explicit full GC at each quarter of them. */
  static final AtomicLong JOINED = new AtomicLong();

  static final long[] LIVE_AT_QUARTER = {-1, -1, -1, -1};

  /** Elements read from the source so far, and the largest event time among them. */
  static final AtomicLong READ = new AtomicLong();

  static final AtomicLong MAX_EVENT = new AtomicLong(Long.MIN_VALUE);

  /**
   * The watermark the join's inputs have reached, as far as {@link WatermarkProbeFn}'s event-time
   * timer proves it (a timer at t fires once the watermark has passed t): Long.MIN_VALUE until it
   * first fires.
   */
  static final AtomicLong WATERMARK = new AtomicLong(Long.MIN_VALUE);

  /** Rows the join's state held at each quarter (its buffered - freed counters); -1 = none. */
  static final long[] HELD_AT_QUARTER = {-1, -1, -1, -1};

  /**
   * Watermark lag in elements (max event time read - watermark) / 10 ms at each quarter; -1 = none.
   */
  static final long[] LAG_AT_QUARTER = {-1, -1, -1, -1};

  private IntervalJoinStateJob() {}

  /**
   * Builds the job; {@code ratePerSecond} 0 reads as fast as it can, otherwise the source emits at
   * most that many elements per second; {@code generate} reads GenerateSequence instead of {@link
   * SequenceSource} (see docs/performance.md).
   */
  static void build(Pipeline p, long n, Duration bound, long ratePerSecond, boolean generate) {
    long expected = n / 2;
    PCollection<Long> seq =
        SequenceSource.read(p, n, BASE_MILLIS, ratePerSecond, generate)
            .apply(
                "MarkFirst",
                ParDo.of(
                    new DoFn<Long, Long>() {
                      private transient boolean seen;

                      @ProcessElement
                      public void process(
                          @Element Long i, @Timestamp Instant ts, OutputReceiver<Long> out) {
                        if (!seen) {
                          seen = true;
                          Marks.first();
                        }
                        READ.incrementAndGet();
                        MAX_EVENT.accumulateAndGet(ts.getMillis(), Math::max);
                        out.output(i);
                      }
                    }));
    // Every 100th element into a one-key stateful step whose event-time timer walks behind the
    // watermark in 1-s steps of event time: the watermark these elements carry is the one the
    // join's inputs see (same source, same stateless steps).
    seq.apply("ProbeSample", Filter.by((Long i) -> i % 100 == 0))
        .apply(
            "ProbeKey",
            MapElements.into(
                    TypeDescriptors.kvs(TypeDescriptors.integers(), TypeDescriptors.longs()))
                .via((Long i) -> KV.of(0, i)))
        .apply("WatermarkProbe", ParDo.of(new WatermarkProbeFn(BASE_MILLIS + (n - 1) * 10)));
    PCollection<Row> left = side(seq, "Left", 0, LEFT);
    PCollection<Row> right = side(seq, "Right", 1, RIGHT);
    left.apply(
            "Join",
            IntervalJoin.of(right).on("device").within(bound, bound).withJoinType(JoinType.INNER))
        .output()
        .apply(
            "CountJoined",
            ParDo.of(
                new DoFn<Row, Void>() {
                  @ProcessElement
                  public void process(@Element Row unused) {
                    Marks.aggregate(1, 0);
                    long k = JOINED.incrementAndGet();
                    for (int q = 1; q <= 4; q++) {
                      if (k == expected * q / 4) {
                        LAG_AT_QUARTER[q - 1] = lagElements();
                        HELD_AT_QUARTER[q - 1] = held();
                        LIVE_AT_QUARTER[q - 1] = DedupStateJob.liveHeapMiB();
                      }
                    }
                  }
                }));
  }

  /**
   * The watermark lag in elements of 10 ms: (largest event time read - watermark) / 10, or -1 while
   * the probe has not seen the watermark move at all (it is still at its initial minimum).
   */
  static long lagElements() {
    long w = WATERMARK.get();
    long m = MAX_EVENT.get();
    return w == Long.MIN_VALUE || m == Long.MIN_VALUE ? -1 : Math.max(0, (m - w) / 10);
  }

  /**
   * Rows the join's state holds now: its {@code join.<stage>.buffered} minus {@code
   * join.<stage>.freed} counters, read live from {@link LiveMetrics} (the workers run in this JVM).
   */
  static long held() {
    Map<String, Long> c = LiveMetrics.snapshot();
    String prefix = DeadLetters.NAMESPACE + "/";
    return c.getOrDefault(prefix + IntervalJoin.bufferedCounter(IntervalJoin.STAGE), 0L)
        - c.getOrDefault(prefix + IntervalJoin.freedCounter(IntervalJoin.STAGE), 0L);
  }

  /** One line on stderr every {@code periodSeconds}: read, joined, watermark, lag, heap in use. */
  static void startProgress(long periodSeconds) {
    Progress.start(
        periodSeconds,
        () -> {
          long w = WATERMARK.get();
          long m = MAX_EVENT.get();
          return String.format(
              java.util.Locale.ROOT,
              "read=%d joined=%d held_in_join=%d max_event_s=%s watermark_s=%s lag_elements=%d",
              READ.get(),
              JOINED.get(),
              held(),
              m == Long.MIN_VALUE ? "none" : String.valueOf((m - BASE_MILLIS) / 1000),
              w == Long.MIN_VALUE ? "none" : String.valueOf((w - BASE_MILLIS) / 1000),
              lagElements());
        });
  }

  /**
   * Records in {@link #WATERMARK} how far the watermark has got: one key, one event-time timer set
   * at the first element's time and moved 1 s of event time on at each firing, up to the last
   * element's time (so it stops once the input is done).
   */
  static final class WatermarkProbeFn extends DoFn<KV<Integer, Long>, Void> {
    private final long lastMillis;

    @StateId("started")
    private final StateSpec<ValueState<Boolean>> startedSpec = StateSpecs.value(BooleanCoder.of());

    @TimerId("tick")
    private final TimerSpec tickSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    WatermarkProbeFn(long lastMillis) {
      this.lastMillis = lastMillis;
    }

    @ProcessElement
    public void process(
        @Timestamp Instant ts,
        @StateId("started") ValueState<Boolean> started,
        @TimerId("tick") Timer tick) {
      if (started.read() == null) {
        started.write(true);
        tick.set(ts);
      }
    }

    @OnTimer("tick")
    public void onTick(OnTimerContext c, @TimerId("tick") Timer tick) {
      long fired = c.fireTimestamp().getMillis();
      WATERMARK.accumulateAndGet(fired, Math::max);
      if (fired < lastMillis) {
        tick.set(new Instant(Math.min(fired + 1000, lastMillis)));
      }
    }
  }

  private static PCollection<Row> side(
      PCollection<Long> seq, String name, int parity, Schema schema) {
    return seq.apply(name + "Only", Filter.by((Long i) -> i % 2 == parity))
        .apply(
            name + "ToRow",
            MapElements.into(TypeDescriptors.rows())
                .via((Long i) -> Row.withSchema(schema).attachValues("d-" + (i / 2) % DEVICES, i)))
        .setRowSchema(schema);
  }
}
