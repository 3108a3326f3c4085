package io.tributary.transforms.metrics;

import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableSortedMap;

/**
 * The run's accounting line, read back from the {@code tributary} counters of a finished run.
 *
 * <p>The identity every Tributary pipeline keeps: {@code read = written + dead-lettered +
 * quarantined + deduplicated + too-late}. Counters are the attempted values, the only kind every
 * runner reports; on a run that retried bundles they may over-count, which {@link #balanced()} then
 * exposes rather than hides.
 *
 * <pre>{@code
 * PipelineResult result = pipeline.run();
 * result.waitUntilFinish();
 * RunAccounting accounting = RunAccounting.from(result);
 * System.out.println(accounting.line());
 * }</pre>
 */
@AutoValue
public abstract class RunAccounting {
  /** Counter of records read from the source. */
  public static final String READ = "read";

  /** Counter of records that reached the pipeline's main output. */
  public static final String WRITTEN = "written";

  /** Counter of records held back by quality rules. */
  public static final String QUARANTINED = "quarantined";

  /** Counter of duplicates dropped by deduplication. */
  public static final String DEDUPLICATED = "deduplicated";

  /** Counter of records later than the allowed lateness. */
  public static final String TOO_LATE = "too_late";

  /** Records read. */
  public abstract long read();

  /** Records written to the main output. */
  public abstract long written();

  /** Dead-lettered records by {@code stage.reason}. */
  public abstract ImmutableSortedMap<String, Long> deadLettersByReason();

  /** Quarantined records. */
  public abstract long quarantined();

  /** Duplicates dropped. */
  public abstract long deduplicated();

  /** Records beyond the allowed lateness. */
  public abstract long tooLate();

  /** Builds an accounting from explicit numbers. */
  public static RunAccounting of(
      long read,
      long written,
      Map<String, Long> deadLetters,
      long quarantined,
      long deduplicated,
      long tooLate) {
    return new AutoValue_RunAccounting(
        read, written, ImmutableSortedMap.copyOf(deadLetters), quarantined, deduplicated, tooLate);
  }

  /** Reads the {@code tributary} counters of a finished run. */
  public static RunAccounting from(PipelineResult result) {
    MetricQueryResults metrics =
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.inNamespace(DeadLetters.NAMESPACE))
                    .build());
    Map<String, Long> counters = new TreeMap<>();
    for (MetricResult<Long> counter : metrics.getCounters()) {
      counters.merge(counter.getName().getName(), counter.getAttempted(), Long::sum);
    }
    Map<String, Long> deadLetters = new TreeMap<>();
    counters.forEach(
        (name, value) -> {
          if (name.startsWith(DeadLetters.COUNTER_PREFIX)) {
            deadLetters.put(name.substring(DeadLetters.COUNTER_PREFIX.length()), value);
          }
        });
    return of(
        counters.getOrDefault(READ, 0L),
        counters.getOrDefault(WRITTEN, 0L),
        deadLetters,
        counters.getOrDefault(QUARANTINED, 0L),
        counters.getOrDefault(DEDUPLICATED, 0L),
        counters.getOrDefault(TOO_LATE, 0L));
  }

  /** All dead-lettered records. */
  public long deadLettered() {
    return deadLettersByReason().values().stream().mapToLong(Long::longValue).sum();
  }

  /** Whether read equals the sum of every outcome. */
  public boolean balanced() {
    return read() == written() + deadLettered() + quarantined() + deduplicated() + tooLate();
  }

  /** The one-line summary printed at the end of every run. */
  public String line() {
    return String.format(
        "read=%d = written=%d + dead-lettered=%d + quarantined=%d + deduplicated=%d + too-late=%d [%s]",
        read(),
        written(),
        deadLettered(),
        quarantined(),
        deduplicated(),
        tooLate(),
        balanced()
            ? "balanced"
            : "UNBALANCED: "
                + (read() - written() - deadLettered() - quarantined() - deduplicated() - tooLate())
                + " unaccounted");
  }
}
