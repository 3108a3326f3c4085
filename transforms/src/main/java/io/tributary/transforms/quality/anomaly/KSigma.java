package io.tributary.transforms.quality.anomaly;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The normal model: flags a value outside the control limits {@code mean ± k·sigma} of the last
 * {@code window} unflagged values (a Shewhart chart over a rolling history; sigma is the population
 * standard deviation). Not evaluated until {@code minHistory} values are known.
 *
 * <pre>{@code
 * new KSigma(3.0, 24, 5); // 3-sigma limits over the last 24 windows, after 5 windows
 * }</pre>
 */
public final class KSigma implements AnomalyStrategy {
  private static final long serialVersionUID = 1L;
  private final double k;
  private final int window;
  private final int minHistory;

  /**
   * Limits at {@code k} sigma over the last {@code window} values, once {@code minHistory} are
   * known.
   */
  public KSigma(double k, int window, int minHistory) {
    checkArgument(k > 0, "KSigma: k must be > 0, got %s", k);
    checkArgument(minHistory >= 2, "KSigma: min_history must be >= 2, got %s", minHistory);
    checkArgument(
        window >= minHistory,
        "KSigma: window (%s) must be >= min_history (%s)",
        window,
        minHistory);
    this.k = k;
    this.window = window;
    this.minHistory = minHistory;
  }

  @Override
  public @Nullable Verdict check(List<Double> history, double value) {
    if (history.size() < minHistory) {
      return null;
    }
    List<Double> recent = history.subList(Math.max(0, history.size() - window), history.size());
    double mean = 0;
    for (double v : recent) {
      mean += v;
    }
    mean /= recent.size();
    double ss = 0;
    for (double v : recent) {
      ss += (v - mean) * (v - mean);
    }
    double sigma = Math.sqrt(ss / recent.size());
    double lower = mean - k * sigma;
    double upper = mean + k * sigma;
    if (value < lower || value > upper) {
      return new Verdict(
          lower,
          upper,
          String.format(
              "%s is outside the %s-sigma limits [%s, %s] (mean %s, sigma %s over the last %d values)",
              value, k, lower, upper, mean, sigma, recent.size()));
    }
    return null;
  }

  @Override
  public String describe() {
    return "k_sigma(k=" + k + ", window=" + window + ", min_history=" + minHistory + ")";
  }
}
