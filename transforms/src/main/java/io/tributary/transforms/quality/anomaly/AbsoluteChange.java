package io.tributary.transforms.quality.anomaly;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Flags a value whose change from the previous (unflagged) value is outside {@code [maxDecrease,
 * maxIncrease]}, Deequ's {@code AbsoluteChangeStrategy} of order 1.
 *
 * <pre>{@code
 * new AbsoluteChange(-100.0, 100.0); // size may move by at most 100 rows per window
 * }</pre>
 */
public final class AbsoluteChange implements AnomalyStrategy {
  private static final long serialVersionUID = 1L;
  private final @Nullable Double maxDecrease;
  private final @Nullable Double maxIncrease;

  /**
   * Bounds on {@code value - previous}; {@code maxDecrease} is usually negative; either may be
   * null.
   */
  public AbsoluteChange(@Nullable Double maxDecrease, @Nullable Double maxIncrease) {
    checkArgument(
        maxDecrease != null || maxIncrease != null,
        "AbsoluteChange: give max_decrease, max_increase or both");
    checkArgument(
        maxDecrease == null || maxIncrease == null || maxDecrease <= maxIncrease,
        "AbsoluteChange: max_decrease %s is greater than max_increase %s",
        maxDecrease,
        maxIncrease);
    this.maxDecrease = maxDecrease;
    this.maxIncrease = maxIncrease;
  }

  @Override
  public @Nullable Verdict check(List<Double> history, double value) {
    if (history.isEmpty()) {
      return null;
    }
    double previous = history.get(history.size() - 1);
    double change = value - previous;
    if ((maxDecrease != null && change < maxDecrease)
        || (maxIncrease != null && change > maxIncrease)) {
      return new Verdict(
          maxDecrease == null ? null : previous + maxDecrease,
          maxIncrease == null ? null : previous + maxIncrease,
          "changed by "
              + change
              + " from "
              + previous
              + "; allowed change is ["
              + maxDecrease
              + ", "
              + maxIncrease
              + "]");
    }
    return null;
  }

  @Override
  public String describe() {
    return "absolute_change(max_decrease=" + maxDecrease + ", max_increase=" + maxIncrease + ")";
  }
}
