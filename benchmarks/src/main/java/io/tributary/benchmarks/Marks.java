package io.tributary.benchmarks;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Process-wide timing and checksum marks that every variant writes, so "first record to last" is
 * measured the same way everywhere: {@link #first} when the first input line reaches the first
 * stage, {@link #aggregate} each time an aggregate leaves the last stage.
 *
 * <p>All variants run embedded (one JVM, the job's classes come from the application class loader),
 * so static fields are visible to the operators; {@link BenchMain} fails the run if a mark is
 * missing instead of printing a number it did not measure.
 */
public final class Marks {
  private static final AtomicLong FIRST_NANOS = new AtomicLong(Long.MAX_VALUE);
  private static final AtomicLong FIRST_EPOCH_MILLIS = new AtomicLong(0);
  private static final AtomicLong FIRST_CPU_NANOS = new AtomicLong(0);
  private static final AtomicLong LAST_NANOS = new AtomicLong(Long.MIN_VALUE);

  /** Number of aggregates (window, event type) emitted. */
  public static final LongAdder AGGREGATES = new LongAdder();

  /** Sum of the aggregates' counts: must equal the manifest's valid_unique. */
  public static final LongAdder EVENTS = new LongAdder();

  /** Sum of the aggregates' price sums, in cents: the same in every variant. */
  public static final LongAdder CENTS = new LongAdder();

  /** Lines rejected by parse or validation. */
  public static final LongAdder REJECTED = new LongAdder();

  private Marks() {}

  /** Called once per operator instance, on its first element. */
  public static void first() {
    long now = System.nanoTime();
    long prev;
    do {
      prev = FIRST_NANOS.get();
      if (prev <= now) {
        return;
      }
    } while (!FIRST_NANOS.compareAndSet(prev, now));
    FIRST_EPOCH_MILLIS.set(System.currentTimeMillis());
    FIRST_CPU_NANOS.set(processCpuNanos());
  }

  /** CPU time of the whole process (all threads), in nanoseconds. */
  public static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** Process CPU time when the first record arrived. */
  public static long firstCpuNanos() {
    return FIRST_CPU_NANOS.get();
  }

  /** Called for every aggregate leaving the last stage. */
  public static void aggregate(long count, long cents) {
    AGGREGATES.increment();
    EVENTS.add(count);
    CENTS.add(cents);
    long now = System.nanoTime();
    LAST_NANOS.accumulateAndGet(now, Math::max);
  }

  public static long firstNanos() {
    return FIRST_NANOS.get();
  }

  public static long firstEpochMillis() {
    return FIRST_EPOCH_MILLIS.get();
  }

  public static long lastNanos() {
    return LAST_NANOS.get();
  }

  /** Forgets every mark and sum, before each round of a {@code --rounds} run. */
  static void reset() {
    FIRST_NANOS.set(Long.MAX_VALUE);
    FIRST_EPOCH_MILLIS.set(0);
    FIRST_CPU_NANOS.set(0);
    LAST_NANOS.set(Long.MIN_VALUE);
    AGGREGATES.reset();
    EVENTS.reset();
    CENTS.reset();
    REJECTED.reset();
  }
}
