package io.tributary.transforms.quality.anomaly;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.quality.metrics.Metric;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Watches one metric series with one strategy.
 *
 * <pre>{@code
 * AnomalyCheck c = AnomalyCheck.of(Metric.size(), new KSigma(3.0, 24, 5));
 * List<Integer> flagged = c.flag(List.of(100.0, 99.0, 101.0, 100.0, 100.0, 40.0)); // [5]
 * }</pre>
 */
public final class AnomalyCheck implements Serializable {
  private static final long serialVersionUID = 1L;
  private final Metric metric;
  private final AnomalyStrategy strategy;

  private AnomalyCheck(Metric metric, AnomalyStrategy strategy) {
    this.metric = metric;
    this.strategy = strategy;
  }

  /** Watches {@code metric} (for ApproxQuantiles: exactly one quantile) with {@code strategy}. */
  public static AnomalyCheck of(Metric metric, AnomalyStrategy strategy) {
    checkArgument(
        metric != null && strategy != null, "AnomalyCheck.of: metric and strategy are required");
    checkArgument(
        metric.kind() != Metric.Kind.APPROX_QUANTILES || metric.quantiles().size() == 1,
        "AnomalyCheck.of(%s): watch exactly one quantile",
        metric);
    return new AnomalyCheck(metric, strategy);
  }

  /** The metric. */
  public Metric metric() {
    return metric;
  }

  /** The series name it watches. */
  public String seriesName() {
    return metric.kind() == Metric.Kind.APPROX_QUANTILES
        ? metric.name(String.valueOf(metric.quantiles().get(0)))
        : metric.name();
  }

  /** The strategy. */
  public AnomalyStrategy strategy() {
    return strategy;
  }

  /**
   * Runs the strategy along {@code series} (oldest first) and returns the indexes it flags. The
   * history of each point is the unflagged points before it, as in the pipeline.
   */
  public List<Integer> flag(List<Double> series) {
    List<Integer> flagged = new ArrayList<>();
    List<Double> history = new ArrayList<>();
    for (int i = 0; i < series.size(); i++) {
      if (strategy.check(history, series.get(i)) != null) {
        flagged.add(i);
      } else {
        history.add(series.get(i));
      }
    }
    return flagged;
  }

  @Override
  public String toString() {
    return seriesName() + " " + strategy.describe();
  }
}
