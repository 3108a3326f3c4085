package io.tributary.transforms.metrics;

import com.google.auto.value.AutoValue;
import java.util.Map;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableSortedMap;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One stage's numbers in a run: records in and out, rejections by reason, and each {@link
 * StageExit}; {@link #balanced()} when {@code in = out + rejected + exits}.
 *
 * <pre>{@code
 * for (StageAccounting s : accounting.stages()) {
 *   System.out.println(s.name() + ": " + s.in() + " -> " + s.out() + (s.balanced() ? "" : " UNBALANCED"));
 * }
 * }</pre>
 */
@AutoValue
public abstract class StageAccounting {
  /** Processing lag of what left a stage, in milliseconds. */
  @AutoValue
  public abstract static class Lag {
    /** Records measured. */
    public abstract long count();

    /** Smallest lag. */
    public abstract long min();

    /** Largest lag. */
    public abstract long max();

    /** Mean lag. */
    public abstract double mean();

    /** A lag from its parts. */
    public static Lag of(long count, long min, long max, double mean) {
      return new AutoValue_StageAccounting_Lag(count, min, max, mean);
    }
  }

  /**
   * The wall-clock span in which a stage counted records: the first and the last millisecond (epoch
   * milliseconds) at which it took a record in or let one go ({@code stage.<name>.active_ms}, see
   * {@link StageCounters}). Not CPU time: fused stages share a thread, so their spans overlap.
   */
  @AutoValue
  public abstract static class ActiveSpan {
    /** When the stage first counted a record, epoch milliseconds. */
    public abstract long first();

    /** When it last counted one, epoch milliseconds ({@code >= first()}). */
    public abstract long last();

    /** {@code last - first}. */
    public long millis() {
      return last() - first();
    }

    /** A span from its ends. */
    public static ActiveSpan of(long first, long last) {
      if (last < first) {
        throw new IllegalArgumentException(
            "StageAccounting.ActiveSpan.of: last " + last + " is before first " + first);
      }
      return new AutoValue_StageAccounting_ActiveSpan(first, last);
    }
  }

  /** The stage name. */
  public abstract String name();

  /** Its role. */
  public abstract StageRole role();

  /** Records that entered the stage. */
  public abstract long in();

  /** Records that left on its main output. */
  public abstract long out();

  /** Rejected records by reason code. */
  public abstract ImmutableSortedMap<String, Long> rejected();

  /** Records that left by each exit, by {@link StageExit#counterSuffix()}; zero exits left out. */
  public abstract ImmutableSortedMap<String, Long> exits();

  /** Processing lag of the output, or null when nothing that left carried an event time. */
  public abstract @Nullable Lag lag();

  /** When the stage was active, or null when it counted no record (or the runner did not say). */
  public abstract @Nullable ActiveSpan active();

  /** A stage's numbers, without an active span. */
  public static StageAccounting of(
      String name,
      StageRole role,
      long in,
      long out,
      Map<String, Long> rejected,
      Map<String, Long> exits,
      @Nullable Lag lag) {
    return of(name, role, in, out, rejected, exits, lag, null);
  }

  /** A stage's numbers with the span in which it was active. */
  public static StageAccounting of(
      String name,
      StageRole role,
      long in,
      long out,
      Map<String, Long> rejected,
      Map<String, Long> exits,
      @Nullable Lag lag,
      @Nullable ActiveSpan active) {
    return new AutoValue_StageAccounting(
        name,
        role,
        in,
        out,
        ImmutableSortedMap.copyOf(rejected),
        ImmutableSortedMap.copyOf(exits),
        lag,
        active);
  }

  /** All rejected records. */
  public long rejectedTotal() {
    return rejected().values().stream().mapToLong(Long::longValue).sum();
  }

  /** Records that left by {@code exit}. */
  public long exit(StageExit exit) {
    return exits().getOrDefault(exit.counterSuffix(), 0L);
  }

  /** {@code in - out - rejected - exits}: 0 for a stage that lost or invented nothing. */
  public long unaccounted() {
    return in()
        - out()
        - rejectedTotal()
        - exits().values().stream().mapToLong(Long::longValue).sum();
  }

  /** Whether {@code in = out + rejected + exits}. */
  public boolean balanced() {
    return unaccounted() == 0;
  }
}
