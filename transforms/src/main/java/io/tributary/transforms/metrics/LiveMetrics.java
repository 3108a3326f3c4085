package io.tributary.transforms.metrics;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.metrics.Metrics;

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
 * }</pre>
 */
public final class LiveMetrics {
  private static final Map<String, LongAdder> COUNTERS = new ConcurrentHashMap<>();
  private static final Map<String, AtomicLong> MAXIMA = new ConcurrentHashMap<>();

  private LiveMetrics() {}

  /** A Beam counter that also counts into the in-JVM mirror under {@code namespace/name}. */
  public static Counter counter(String namespace, String name) {
    return new MirroredCounter(Metrics.counter(namespace, name), namespace + "/" + name);
  }

  /** Raises the in-JVM maximum {@code namespace/name} to {@code value} if it is larger. */
  public static void max(String namespace, String name, long value) {
    MAXIMA
        .computeIfAbsent(namespace + "/" + name, k -> new AtomicLong(Long.MIN_VALUE))
        .accumulateAndGet(value, Math::max);
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

  static void add(String key, long n) {
    COUNTERS.computeIfAbsent(key, k -> new LongAdder()).add(n);
  }

  /** Counts into Beam's counter and the mirror. */
  static final class MirroredCounter implements Counter, Serializable {
    private final Counter delegate;
    private final String key;

    MirroredCounter(Counter delegate, String key) {
      this.delegate = delegate;
      this.key = key;
    }

    @Override
    public void inc() {
      inc(1);
    }

    @Override
    public void inc(long n) {
      delegate.inc(n);
      add(key, n);
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
      return delegate.getName();
    }
  }
}
