package io.tributary.transforms.metrics;

import java.io.Serializable;
import java.util.EnumMap;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.MetricsContainer;
import org.apache.beam.sdk.metrics.MetricsEnvironment;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * The counters of one {@link AccountedStage}, used from inside its {@code DoFn}s. Every counter is
 * in namespace {@code tributary} and counts in Beam's metrics and in the in-JVM mirror the progress
 * line reads ({@link LiveMetrics}): the one counter factory of every source, step and sink.
 *
 * <ul>
 *   <li>{@code stage.<name>.in}: records that entered the stage;
 *   <li>{@code stage.<name>.out}: records that left it on its main output;
 *   <li>{@code stage.<name>.<exit>}: records that left by a {@link StageExit} ({@code quarantined},
 *       {@code filtered}, {@code deduplicated}, {@code too_late}, {@code skipped}, {@code
 *       unmatched});
 *   <li>{@code dead_letter.<name>.<reason>}: rejections, counted by {@code DeadLetters.reject};
 *   <li>{@code stage.<name>.lag_ms}: processing time minus event time of what left, when {@link
 *       #out(Instant)} is given a timestamp;
 *   <li>{@code stage.<name>.active_ms}: the wall clock (epoch milliseconds) whenever the stage
 *       counted a record, so its minimum is when the stage first took a record in and its maximum
 *       when it last let one go: the stage's active span (see below).
 * </ul>
 *
 * A stage balances when {@code in = out + rejected + every exit}; {@link RunAccounting} checks it.
 *
 * <p><b>Active span.</b> Beam fuses stages into one thread, so there is no honest per-stage timer:
 * the time a record spends in a fused chain belongs to every stage in it at once. What can be
 * measured cheaply and without double counting is when each stage was busy: the first and last
 * wall-clock millisecond at which it counted a record. This is a span, not CPU time; two fused
 * stages have overlapping spans. It costs one {@link System#currentTimeMillis()} read and one
 * comparison per count call ({@code in}, {@code out} or an exit, so two for a record that passes
 * through): the distribution is updated only when the millisecond differs from this instance's last
 * update, so at most a thousand times a second per {@code DoFn} instance whatever the record rate,
 * and the update itself is the same cell update as a counter's. Being a Beam metric it is reported
 * by every runner (Direct, embedded Flink, a cluster's metrics); only its minimum and maximum are
 * meaningful (the sum of epoch milliseconds may overflow, which Beam's distribution cells tolerate
 * by wrapping).
 *
 * <pre>{@code
 * private final StageCounters counters = StageCounters.of("dedup");
 * @ProcessElement public void process(...) {
 *   counters.in();
 *   if (seen) { counters.exit(StageExit.DEDUPLICATED); return; }
 *   counters.out();
 *   receiver.output(element);
 * }
 * }</pre>
 */
public final class StageCounters implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Metric namespace of every Tributary counter (also {@code DeadLetters.NAMESPACE}). */
  public static final String NAMESPACE = "tributary";

  /**
   * Prefix of the per-reason dead-letter counters, {@code dead_letter.<stage>.<reason>} (also
   * {@code DeadLetters.COUNTER_PREFIX}).
   */
  public static final String DEAD_LETTER_PREFIX = "dead_letter.";

  /** Prefix of every stage counter name. */
  public static final String PREFIX = "stage.";

  /** Suffix of the records-in counter. */
  public static final String IN = "in";

  /** Suffix of the records-out counter. */
  public static final String OUT = "out";

  /** Suffix of the processing-lag distribution. */
  public static final String LAG_MS = "lag_ms";

  /** Suffix of the active-span distribution (wall clock, epoch milliseconds). */
  public static final String ACTIVE_MS = "active_ms";

  /** Suffix of the in-JVM maximum event time of what left (see {@link LiveMetrics#maxima()}). */
  public static final String EVENT_TIME_MAX = "event_time_max";

  private final String stage;
  private transient LiveMetrics.@Nullable MirroredCounter in;
  private transient LiveMetrics.@Nullable MirroredCounter out;
  private transient LiveMetrics.@Nullable CachedDistribution lag;
  private transient @Nullable Map<StageExit, Counter> exits;
  private transient LiveMetrics.@Nullable CachedDistribution active;
  private transient LiveMetrics.@Nullable Maximum eventTimeMax;
  private transient long lastActiveMs;

  private StageCounters(String stage) {
    this.stage = stage;
  }

  /** The counters of stage {@code stage} (lower_snake_case). */
  public static StageCounters of(String stage) {
    return new StageCounters(AccountedStage.checkName(stage, "StageCounters.of"));
  }

  /** The stage name. */
  public String stage() {
    return stage;
  }

  /** The full counter name of {@code suffix} for {@code stage}, e.g. {@code stage.dedup.in}. */
  public static String counterName(String stage, String suffix) {
    return PREFIX + stage + "." + suffix;
  }

  /** One record entered the stage. */
  public void in() {
    in(1);
  }

  /** {@code n} records entered the stage. */
  public void in(long n) {
    if (in == null) {
      in = LiveMetrics.mirroredCounter(NAMESPACE, counterName(stage, IN));
    }
    MetricsContainer container = MetricsEnvironment.getCurrentContainer();
    in.inc(container, n);
    active(container, n, System.currentTimeMillis());
  }

  /** One record left on the main output. */
  public void out() {
    out(1);
  }

  /** {@code n} records left on the main output. */
  public void out(long n) {
    out(MetricsEnvironment.getCurrentContainer(), n, System.currentTimeMillis());
  }

  private void out(@Nullable MetricsContainer container, long n, long now) {
    if (out == null) {
      out = LiveMetrics.mirroredCounter(NAMESPACE, counterName(stage, OUT));
    }
    out.inc(container, n);
    active(container, n, now);
  }

  /**
   * One record with event time {@code timestamp} left on the main output; also records its
   * processing lag and the newest event time that left (records still at the minimum timestamp
   * carry no event time and are only counted).
   */
  public void out(Instant timestamp) {
    // One read of the thread's metrics container and of the clock for the three updates.
    MetricsContainer container = MetricsEnvironment.getCurrentContainer();
    long now = System.currentTimeMillis();
    out(container, 1, now);
    if (timestamp.isAfter(BoundedWindow.TIMESTAMP_MIN_VALUE)
        && timestamp.isBefore(BoundedWindow.TIMESTAMP_MAX_VALUE)) {
      if (lag == null) {
        lag = LiveMetrics.cachedDistribution(NAMESPACE, counterName(stage, LAG_MS));
        eventTimeMax = LiveMetrics.maximumOf(NAMESPACE, counterName(stage, EVENT_TIME_MAX));
      }
      lag.update(container, now - timestamp.getMillis());
      eventTimeMax.raise(timestamp.getMillis());
    }
  }

  /** One record left by {@code exit}. */
  public void exit(StageExit exit) {
    exit(exit, 1);
  }

  /** {@code n} records left by {@code exit}. */
  public void exit(StageExit exit, long n) {
    if (exits == null) {
      exits = new EnumMap<>(StageExit.class);
    }
    exits
        .computeIfAbsent(
            exit, e -> LiveMetrics.counter(NAMESPACE, counterName(stage, e.counterSuffix())))
        .inc(n);
    active(MetricsEnvironment.getCurrentContainer(), n, System.currentTimeMillis());
  }

  /** Records the wall clock in {@code active_ms} when the millisecond changed (see class doc). */
  private void active(@Nullable MetricsContainer container, long n, long now) {
    if (n <= 0 || now == lastActiveMs) {
      return;
    }
    lastActiveMs = now;
    if (active == null) {
      active = LiveMetrics.cachedDistribution(NAMESPACE, counterName(stage, ACTIVE_MS));
    }
    active.update(container, now);
  }
}
