package io.tributary.pipelines.runtime;

import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageMetrics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Per-stage metrics of a run, read back from the {@code tributary} counters and distributions that
 * {@link StageMetrics} observation points and the accounting report: for each stage, records in and
 * out, dead-lettered by reason, quarantined, duplicates and late records it removed, and the
 * processing lag (processing time minus event time) of what it emitted.
 *
 * <p>A stage's input is the previous stage's output (the first stage's is {@code read}); stages are
 * in the pipeline's topological order, found by {@link #stagesOf(Pipeline)}. Each stage then
 * balances on its own: {@code in = out + removed}.
 *
 * <pre>{@code
 * List<String> order = RunMetrics.stagesOf(pipeline);
 * PipelineResult result = pipeline.run();
 * result.waitUntilFinish();
 * for (RunMetrics.Stage s : RunMetrics.from(result, order).stages()) {
 *   System.out.println(s.name() + " " + s.in() + " -> " + s.out());
 * }
 * }</pre>
 */
public final class RunMetrics {
  /** Accounting counters that belong to one stage, by the stage name pipelines use. */
  static final Map<String, String> REMOVED_BY =
      Map.of(
          "quality", RunAccounting.QUARANTINED,
          "dedup", RunAccounting.DEDUPLICATED,
          "window", RunAccounting.TOO_LATE);

  /** Processing lag of a stage's output, in milliseconds. */
  public static final class Lag {
    private final long count;
    private final long min;
    private final long max;
    private final double mean;

    Lag(long count, long min, long max, double mean) {
      this.count = count;
      this.min = min;
      this.max = max;
      this.mean = mean;
    }

    /** Elements measured. */
    public long count() {
      return count;
    }

    /** Smallest lag. */
    public long min() {
      return min;
    }

    /** Largest lag. */
    public long max() {
      return max;
    }

    /** Mean lag. */
    public double mean() {
      return mean;
    }
  }

  /** One stage's numbers. */
  public static final class Stage {
    private final String name;
    private final long in;
    private final long out;
    private final Map<String, Long> deadLettered;
    private final Map<String, Long> removed;
    private final @Nullable Lag lag;

    Stage(
        String name,
        long in,
        long out,
        Map<String, Long> deadLettered,
        Map<String, Long> removed,
        @Nullable Lag lag) {
      this.name = name;
      this.in = in;
      this.out = out;
      this.deadLettered = deadLettered;
      this.removed = removed;
      this.lag = lag;
    }

    /** The stage name, e.g. {@code dedup}. */
    public String name() {
      return name;
    }

    /** Records into the stage. */
    public long in() {
      return in;
    }

    /** Records out of the stage. */
    public long out() {
      return out;
    }

    /** Dead-lettered records by reason. */
    public Map<String, Long> deadLettered() {
      return Collections.unmodifiableMap(deadLettered);
    }

    /** Records the stage removed on purpose: quarantined, deduplicated or too_late. */
    public Map<String, Long> removed() {
      return Collections.unmodifiableMap(removed);
    }

    /** Processing lag of the output, or null when nothing carried an event time. */
    public @Nullable Lag lag() {
      return lag;
    }

    /** Whether {@code in = out + dead-lettered + removed}. */
    public boolean balanced() {
      long gone =
          deadLettered.values().stream().mapToLong(Long::longValue).sum()
              + removed.values().stream().mapToLong(Long::longValue).sum();
      return in == out + gone;
    }
  }

  private final List<Stage> stages;
  private final Map<String, Long> counters;

  private RunMetrics(List<Stage> stages, Map<String, Long> counters) {
    this.stages = stages;
    this.counters = counters;
  }

  /**
   * Names of the {@link StageMetrics} observation points of a built pipeline, in topological order.
   */
  public static List<String> stagesOf(Pipeline pipeline) {
    List<String> names = new ArrayList<>();
    pipeline.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            if (node.getTransform() instanceof StageMetrics) {
              String stage = ((StageMetrics<?>) node.getTransform()).stage();
              if (!names.contains(stage)) {
                names.add(stage);
              }
              return CompositeBehavior.DO_NOT_ENTER_TRANSFORM;
            }
            return CompositeBehavior.ENTER_TRANSFORM;
          }
        });
    return names;
  }

  /**
   * Reads the metrics of a finished (or running) pipeline; attempted values, which every runner
   * reports.
   */
  public static RunMetrics from(PipelineResult result, List<String> stageOrder) {
    MetricQueryResults q =
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.inNamespace(DeadLetters.NAMESPACE))
                    .build());
    Map<String, Long> counters = new TreeMap<>();
    for (MetricResult<Long> c : q.getCounters()) {
      counters.merge(c.getName().getName(), c.getAttempted(), Long::sum);
    }
    Map<String, DistributionResult> distributions = new TreeMap<>();
    for (MetricResult<DistributionResult> d : q.getDistributions()) {
      distributions.merge(
          d.getName().getName(),
          d.getAttempted(),
          (a, b) ->
              DistributionResult.create(
                  a.getSum() + b.getSum(),
                  a.getCount() + b.getCount(),
                  Math.min(a.getMin(), b.getMin()),
                  Math.max(a.getMax(), b.getMax())));
    }
    return of(stageOrder, counters, distributions);
  }

  /**
   * Builds the stage table from explicit counters and distributions (metric name without
   * namespace).
   */
  static RunMetrics of(
      List<String> stageOrder,
      Map<String, Long> counters,
      Map<String, DistributionResult> distributions) {
    List<Stage> stages = new ArrayList<>();
    long in = counters.getOrDefault(RunAccounting.READ, 0L);
    for (String name : stageOrder) {
      long out = counters.getOrDefault(StageMetrics.PREFIX + name + StageMetrics.OUT, 0L);
      Map<String, Long> dead = new TreeMap<>();
      String prefix = DeadLetters.COUNTER_PREFIX + name + ".";
      counters.forEach(
          (k, v) -> {
            if (k.startsWith(prefix)) {
              dead.put(k.substring(prefix.length()), v);
            }
          });
      Map<String, Long> removed = new LinkedHashMap<>();
      String accountingCounter = REMOVED_BY.get(name);
      if (accountingCounter != null) {
        removed.put(accountingCounter, counters.getOrDefault(accountingCounter, 0L));
      }
      DistributionResult d = distributions.get(StageMetrics.PREFIX + name + StageMetrics.LAG_MS);
      Lag lag =
          d == null || d.getCount() == 0
              ? null
              : new Lag(d.getCount(), d.getMin(), d.getMax(), d.getMean());
      stages.add(new Stage(name, in, out, dead, removed, lag));
      in = out;
    }
    return new RunMetrics(stages, counters);
  }

  /** The stages, in pipeline order. */
  public List<Stage> stages() {
    return Collections.unmodifiableList(stages);
  }

  /** Every {@code tributary} counter, by name. */
  public Map<String, Long> counters() {
    return Collections.unmodifiableMap(counters);
  }
}
