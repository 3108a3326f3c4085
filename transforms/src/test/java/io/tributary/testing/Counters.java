package io.tributary.testing;

import io.tributary.transforms.errors.DeadLetters;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * Reads one {@code tributary/<name>} counter of a finished run (attempted value, summed over
 * steps).
 *
 * <pre>{@code
 * assertEquals(1, Counters.get(result, RunAccounting.TOO_LATE));
 * }</pre>
 */
public final class Counters {
  private Counters() {}

  /** The counter's attempted value, 0 if it was never incremented. */
  public static long get(PipelineResult result, String name) {
    long sum = 0;
    for (MetricResult<Long> c :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(DeadLetters.NAMESPACE, name))
                    .build())
            .getCounters()) {
      sum += c.getAttempted();
    }
    return sum;
  }
}
