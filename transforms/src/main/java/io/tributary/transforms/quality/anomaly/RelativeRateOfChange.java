package io.tributary.transforms.quality.anomaly;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Flags a value whose ratio to the previous (unflagged) value is outside {@code [maxRateDecrease,
 * maxRateIncrease]}, Deequ's {@code RelativeRateOfChangeStrategy} of order 1. Not evaluated after a
 * previous value of 0 (the ratio is undefined).
 *
 * <pre>{@code
 * new RelativeRateOfChange(0.5, 2.0); // flag halving or doubling
 * }</pre>
 */
public final class RelativeRateOfChange implements AnomalyStrategy {
  private static final long serialVersionUID = 1L;
  private final @Nullable Double maxRateDecrease;
  private final @Nullable Double maxRateIncrease;

  /** Bounds on {@code value / previous}, e.g. 0.5 and 2.0; either may be null. */
  public RelativeRateOfChange(@Nullable Double maxRateDecrease, @Nullable Double maxRateIncrease) {
    checkArgument(
        maxRateDecrease != null || maxRateIncrease != null,
        "RelativeRateOfChange: give max_rate_decrease, max_rate_increase or both");
    checkArgument(
        maxRateDecrease == null || maxRateIncrease == null || maxRateDecrease <= maxRateIncrease,
        "RelativeRateOfChange: max_rate_decrease %s is greater than max_rate_increase %s",
        maxRateDecrease,
        maxRateIncrease);
    this.maxRateDecrease = maxRateDecrease;
    this.maxRateIncrease = maxRateIncrease;
  }

  @Override
  public @Nullable Verdict check(List<Double> history, double value) {
    if (history.isEmpty() || history.get(history.size() - 1) == 0.0) {
      return null;
    }
    double previous = history.get(history.size() - 1);
    double rate = value / previous;
    if ((maxRateDecrease != null && rate < maxRateDecrease)
        || (maxRateIncrease != null && rate > maxRateIncrease)) {
      Double a = maxRateDecrease == null ? null : previous * maxRateDecrease;
      Double b = maxRateIncrease == null ? null : previous * maxRateIncrease;
      boolean negative = previous < 0;
      return new Verdict(
          negative ? b : a,
          negative ? a : b,
          "rate of change "
              + rate
              + " from "
              + previous
              + "; allowed rate is ["
              + maxRateDecrease
              + ", "
              + maxRateIncrease
              + "]");
    }
    return null;
  }

  @Override
  public String describe() {
    return "relative_rate_of_change(max_rate_decrease="
        + maxRateDecrease
        + ", max_rate_increase="
        + maxRateIncrease
        + ")";
  }
}
