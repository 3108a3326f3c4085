package io.tributary.transforms.metrics;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.metrics.MetricsContainer;
import org.apache.beam.sdk.metrics.MetricsEnvironment;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A mirror of Tributary's counters inside the JVM that runs the workers, for a progress line while
 * a run is still going: Beam's own metrics of an embedded Flink run can only be queried once {@code
 * run()} has returned, which for a bounded job is at its end.
 *
 * <p>Only meaningful when the workers run in the driver's JVM (Direct runner, embedded Flink); on a
 * remote cluster the mirror stays empty in the driver and the cluster's own metrics apply. Values
 * are process-wide totals: callers take a {@link #snapshot()} before a run and subtract it.
 *
 * <pre>{@code
 * Counter read = LiveMetrics.counter("tributary", "read");   // inside a DoFn: counts in both
 * Map<String, Long> now = LiveMetrics.snapshot();            // in the driver: "tributary/read" -> n
 * LiveMetrics.Maximum newest = LiveMetrics.maximumOf("tributary", "stage.x.event_time_max");
 * newest.raise(timestamp.getMillis());                       // per record: shared value when it rises
 * }</pre>
 */
public final class LiveMetrics {
  private static final Map<String, LongAdder> COUNTERS = new ConcurrentHashMap<>();
  private static final Map<String, AtomicLong> MAXIMA = new ConcurrentHashMap<>();

  private LiveMetrics() {}

  /** A Beam counter that also counts into the in-JVM mirror under {@code namespace/name}. */
  public static Counter counter(String namespace, String name) {
    return mirroredCounter(namespace, name);
  }

  /**
   * A Beam distribution, like {@link Metrics#distribution}, that finds its cell once per metrics
   * container instead of on every update (see {@link MirroredCounter}).
   */
  public static Distribution distribution(String namespace, String name) {
    return cachedDistribution(namespace, name);
  }

  /** {@link #counter}, typed for callers of this package that pass the container themselves. */
  static MirroredCounter mirroredCounter(String namespace, String name) {
    return new MirroredCounter(MetricName.named(namespace, name), namespace + "/" + name);
  }

  /** {@link #distribution}, typed for callers of this package that pass the container. */
  static CachedDistribution cachedDistribution(String namespace, String name) {
    return new CachedDistribution(MetricName.named(namespace, name));
  }

  /** Raises the in-JVM maximum {@code namespace/name} to {@code value} if it is larger. */
  public static void max(String namespace, String name, long value) {
    maximum(namespace, name).accumulateAndGet(value, Math::max);
  }

  /**
   * The in-JVM maximum {@code namespace/name} as a handle for a per-record caller: {@link
   * Maximum#raise} touches the shared value only when it sees a value above the shared maximum it
   * last saw.
   */
  public static Maximum maximumOf(String namespace, String name) {
    return new Maximum(namespace + "/" + name);
  }

  private static AtomicLong maximum(String namespace, String name) {
    return maximum(namespace + "/" + name);
  }

  private static AtomicLong maximum(String key) {
    return MAXIMA.computeIfAbsent(key, k -> new AtomicLong(Long.MIN_VALUE));
  }

  /** Current counter totals of this JVM, {@code namespace/name} to value. */
  public static Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    COUNTERS.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** Current maxima of this JVM, {@code namespace/name} to value. */
  public static Map<String, Long> maxima() {
    Map<String, Long> out = new TreeMap<>();
    MAXIMA.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  static LongAdder adder(String key) {
    return COUNTERS.computeIfAbsent(key, k -> new LongAdder());
  }

  /**
   * The cell of a metric in the metrics container of the step being run, and that container. Beam's
   * own {@code Metrics.counter} looks the cell up by name in the current container on every call (a
   * thread-local read, then a hash lookup of the {@link MetricName}); a counter used from one
   * {@code DoFn} sees the same container for every element of a bundle (and on Flink for the whole
   * run), so the pair is kept and only the thread-local read is left per call. One immutable pair
   * in one field: a reader sees the container and its own cell, never a torn mix.
   */
  private static final class Bound<C> {
    final MetricsContainer container;
    final C cell;

    Bound(MetricsContainer container, C cell) {
      this.container = container;
      this.cell = cell;
    }

    /**
     * {@code bound} if it is of {@code container}, else the cell {@code find} gives for {@code
     * name} in it (a method reference such as {@code MetricsContainer::getCounter}, which captures
     * nothing, so the per-call path allocates nothing).
     */
    static <C> Bound<C> in(
        @Nullable Bound<C> bound,
        MetricsContainer container,
        MetricName name,
        BiFunction<MetricsContainer, MetricName, C> find) {
      return bound != null && bound.container == container
          ? bound
          : new Bound<>(container, find.apply(container, name));
    }
  }

  /**
   * Counts into Beam's counter of the current step and the mirror. Unlike Beam's delegating counter
   * it does not read the {@code disableCounterMetrics} experiment: Tributary's accounting is built
   * on these counters and would be wrong without them.
   */
  static final class MirroredCounter implements Counter, Serializable {
    private static final long serialVersionUID = 1L;
    private final MetricName name;
    private final String key;
    private transient @Nullable LongAdder mirror;
    private transient @Nullable Bound<Counter> bound;

    MirroredCounter(MetricName name, String key) {
      this.name = name;
      this.key = key;
    }

    @Override
    public void inc() {
      inc(1);
    }

    @Override
    public void inc(long n) {
      inc(MetricsEnvironment.getCurrentContainer(), n);
    }

    /**
     * {@link #inc(long)} into {@code container}, which must be the current one: a caller that
     * updates several metrics for one record reads the thread's container once (a thread-local read
     * per metric was a measurable part of a record's cost).
     */
    void inc(@Nullable MetricsContainer container, long n) {
      if (container != null) {
        Bound<Counter> b = Bound.in(bound, container, name, MetricsContainer::getCounter);
        bound = b;
        b.cell.inc(n);
      }
      LongAdder m = mirror;
      if (m == null) {
        m = adder(key);
        mirror = m;
      }
      m.add(n);
    }

    @Override
    public void dec() {
      inc(-1);
    }

    @Override
    public void dec(long n) {
      inc(-n);
    }

    @Override
    public MetricName getName() {
      return name;
    }
  }

  /** A distribution that keeps its cell per container, as {@link MirroredCounter} does. */
  static final class CachedDistribution implements Distribution, Serializable {
    private static final long serialVersionUID = 1L;
    private final MetricName name;
    private transient @Nullable Bound<Distribution> bound;

    CachedDistribution(MetricName name) {
      this.name = name;
    }

    private @Nullable Distribution cell() {
      return cell(MetricsEnvironment.getCurrentContainer());
    }

    private @Nullable Distribution cell(@Nullable MetricsContainer container) {
      if (container == null) {
        return null;
      }
      Bound<Distribution> b = Bound.in(bound, container, name, MetricsContainer::getDistribution);
      bound = b;
      return b.cell;
    }

    @Override
    public void update(long value) {
      update(MetricsEnvironment.getCurrentContainer(), value);
    }

    /** {@link #update(long)} into {@code container}, which must be the current one. */
    void update(@Nullable MetricsContainer container, long value) {
      Distribution cell = cell(container);
      if (cell != null) {
        cell.update(value);
      }
    }

    @Override
    public void update(long sum, long count, long min, long max) {
      Distribution cell = cell();
      if (cell != null) {
        cell.update(sum, count, min, max);
      }
    }

    @Override
    public MetricName getName() {
      return name;
    }
  }

  /**
   * A handle on one in-JVM maximum (see {@link #maximumOf}). Not for concurrent use of one handle;
   * handles of one name in several threads are fine (the shared value only grows). Read the value
   * with {@link LiveMetrics#maxima()}.
   *
   * <pre>{@code
   * private final LiveMetrics.Maximum newest = LiveMetrics.maximumOf("tributary", "newest_ms");
   * @ProcessElement public void process(@Timestamp Instant t) { newest.raise(t.getMillis()); }
   * }</pre>
   */
  public static final class Maximum implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String key;
    private transient @Nullable AtomicLong shared;
    private transient long raisedTo = Long.MIN_VALUE;
    private transient boolean raisedOnce;

    Maximum(String key) {
      this.key = key;
    }

    /** Raises the maximum to {@code value} if it is larger. */
    public void raise(long value) {
      if (raisedOnce && value <= raisedTo) {
        return;
      }
      AtomicLong s = shared;
      if (s == null) {
        s = maximum(key);
        shared = s;
      }
      raisedTo = s.accumulateAndGet(value, Math::max);
      raisedOnce = true;
    }
  }
}
