package io.tributary.transforms.metrics;

import com.google.auto.value.AutoValue;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableList;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableSortedMap;

/**
 * The run's accounting: one line and a per-stage table, derived from the counters every {@link
 * AccountedStage} keeps for itself.
 *
 * <p>The identity every Tributary pipeline keeps: {@code read = written + dead-lettered +
 * quarantined + deduplicated + too-late} (plus {@code filtered}, {@code skipped} and {@code
 * unmatched} when a stage has them). {@code read} is the {@code in} of the stages nothing feeds
 * ({@link StageGraph#entries()}), {@code written} the {@code out} of the stages that feed no other
 * step ({@link StageGraph#exits()}), every other term the sum of that exit over the record path's
 * stages. Each stage must also balance on its own ({@code in = out + rejected + exits}); {@link
 * #balanced()} is true only when the line and every stage do, and {@link #line()} names the stages
 * that do not. Counters are the attempted values, the only kind every runner reports; on a run that
 * retried bundles they may over-count, which the balance then exposes rather than hides.
 *
 * <pre>{@code
 * StageGraph stages = StageGraph.of(pipeline);
 * PipelineResult result = pipeline.run();
 * result.waitUntilFinish();
 * RunAccounting accounting = RunAccounting.from(result, stages);
 * System.out.println(accounting.line());
 * accounting.stages().forEach(s -> System.out.println(s.name() + " " + s.in() + " -> " + s.out()));
 * }</pre>
 */
@AutoValue
public abstract class RunAccounting {
  /** Records read. */
  public abstract long read();

  /** Records written to the main output. */
  public abstract long written();

  /**
   * Dead-lettered records of the record path by {@code stage.reason} (a serving stage's rejections
   * are in its row of {@link #stages()}).
   */
  public abstract ImmutableSortedMap<String, Long> deadLettersByReason();

  /** Quarantined records. */
  public abstract long quarantined();

  /** Duplicates dropped. */
  public abstract long deduplicated();

  /** Records beyond the allowed lateness. */
  public abstract long tooLate();

  /** Records dropped by a configured filter. */
  public abstract long filtered();

  /** Records that carried nothing (blank lines), counted and skipped. */
  public abstract long skipped();

  /** Records a join dropped because they found no partner (inner join; see {@code JoinType}). */
  public abstract long unmatched();

  /** Every stage's numbers, in pipeline order. */
  public abstract ImmutableList<StageAccounting> stages();

  /** Builds a stage-less accounting from explicit numbers (for tests and tools). */
  public static RunAccounting of(
      long read,
      long written,
      Map<String, Long> deadLetters,
      long quarantined,
      long deduplicated,
      long tooLate) {
    return new AutoValue_RunAccounting(
        read,
        written,
        ImmutableSortedMap.copyOf(deadLetters),
        quarantined,
        deduplicated,
        tooLate,
        0,
        0,
        0,
        ImmutableList.of());
  }

  /** Reads the {@code tributary} counters of a finished (or running) run of {@code graph}. */
  public static RunAccounting from(PipelineResult result, StageGraph graph) {
    MetricQueryResults metrics = query(result);
    Map<String, Long> counters = counters(metrics);
    Map<String, StageAccounting.Lag> lags = new TreeMap<>();
    for (MetricResult<DistributionResult> d : metrics.getDistributions()) {
      String name = d.getName().getName();
      DistributionResult v = d.getAttempted();
      if (v.getCount() > 0) {
        lags.merge(
            name,
            StageAccounting.Lag.of(v.getCount(), v.getMin(), v.getMax(), v.getMean()),
            (a, b) ->
                StageAccounting.Lag.of(
                    a.count() + b.count(),
                    Math.min(a.min(), b.min()),
                    Math.max(a.max(), b.max()),
                    (a.mean() * a.count() + b.mean() * b.count()) / (a.count() + b.count())));
      }
    }
    return of(graph, counters, lags);
  }

  /**
   * Every {@code tributary} counter of a finished (or running) run by name without namespace,
   * attempted values summed over steps: what {@link #of(StageGraph, Map, Map)} reads.
   */
  public static Map<String, Long> counters(PipelineResult result) {
    return counters(query(result));
  }

  private static MetricQueryResults query(PipelineResult result) {
    return result
        .metrics()
        .queryMetrics(
            MetricsFilter.builder()
                .addNameFilter(MetricNameFilter.inNamespace(StageCounters.NAMESPACE))
                .build());
  }

  private static Map<String, Long> counters(MetricQueryResults metrics) {
    Map<String, Long> counters = new TreeMap<>();
    for (MetricResult<Long> counter : metrics.getCounters()) {
      counters.merge(counter.getName().getName(), counter.getAttempted(), Long::sum);
    }
    return counters;
  }

  /**
   * The accounting of {@code graph} from counter values by name (without namespace), e.g. {@code
   * stage.dedup.in}; {@code lags} are the distributions by name ({@code stage.<name>.lag_ms} and
   * {@code stage.<name>.active_ms}, whose minimum and maximum give the stage's {@link
   * StageAccounting#active()} span). Used for a finished run and for the live progress line alike.
   */
  public static RunAccounting of(
      StageGraph graph, Map<String, Long> counters, Map<String, StageAccounting.Lag> lags) {
    List<StageAccounting> stages = new ArrayList<>();
    Map<String, Long> deadLetters = new TreeMap<>();
    Map<String, StageRole> roles = new TreeMap<>();
    for (StageGraph.Node node : graph.stages()) {
      roles.put(node.name(), node.role());
    }
    Map<String, Map<String, Long>> rejectedByStage = new TreeMap<>();
    counters.forEach(
        (name, value) -> {
          if (!name.startsWith(StageCounters.DEAD_LETTER_PREFIX)) {
            return;
          }
          String stageReason = name.substring(StageCounters.DEAD_LETTER_PREFIX.length());
          int dot = stageReason.indexOf('.');
          String stage = dot < 0 ? stageReason : stageReason.substring(0, dot);
          String reason = dot < 0 ? "unknown" : stageReason.substring(dot + 1);
          rejectedByStage
              .computeIfAbsent(stage, s -> new TreeMap<>())
              .merge(reason, value, Long::sum);
          if (roles.get(stage) != StageRole.SINK) {
            // Rejections of a stage the graph does not know still count: nothing is lost.
            deadLetters.merge(stageReason, value, Long::sum);
          }
        });
    Map<StageExit, Long> exitTotals = new EnumMap<>(StageExit.class);
    for (StageGraph.Node node : graph.stages()) {
      String name = node.name();
      Map<String, Long> exits = new TreeMap<>();
      for (StageExit exit : StageExit.values()) {
        long n = counters.getOrDefault(StageCounters.counterName(name, exit.counterSuffix()), 0L);
        if (n != 0) {
          exits.put(exit.counterSuffix(), n);
          if (node.role() == StageRole.STEP) {
            exitTotals.merge(exit, n, Long::sum);
          }
        }
      }
      StageAccounting.Lag activeMs =
          lags.get(StageCounters.counterName(name, StageCounters.ACTIVE_MS));
      stages.add(
          StageAccounting.of(
              name,
              node.role(),
              counters.getOrDefault(StageCounters.counterName(name, StageCounters.IN), 0L),
              counters.getOrDefault(StageCounters.counterName(name, StageCounters.OUT), 0L),
              rejectedByStage.getOrDefault(name, Map.of()),
              exits,
              lags.get(StageCounters.counterName(name, StageCounters.LAG_MS)),
              activeMs == null || activeMs.count() == 0
                  ? null
                  : StageAccounting.ActiveSpan.of(activeMs.min(), activeMs.max())));
    }
    long read = 0;
    for (StageGraph.Node n : graph.entries()) {
      read += counters.getOrDefault(StageCounters.counterName(n.name(), StageCounters.IN), 0L);
    }
    long written = 0;
    for (StageGraph.Node n : graph.exits()) {
      written += counters.getOrDefault(StageCounters.counterName(n.name(), StageCounters.OUT), 0L);
    }
    return new AutoValue_RunAccounting(
        read,
        written,
        ImmutableSortedMap.copyOf(deadLetters),
        exitTotals.getOrDefault(StageExit.QUARANTINED, 0L),
        exitTotals.getOrDefault(StageExit.DEDUPLICATED, 0L),
        exitTotals.getOrDefault(StageExit.TOO_LATE, 0L),
        exitTotals.getOrDefault(StageExit.FILTERED, 0L),
        exitTotals.getOrDefault(StageExit.SKIPPED, 0L),
        exitTotals.getOrDefault(StageExit.UNMATCHED, 0L),
        ImmutableList.copyOf(stages));
  }

  /** All dead-lettered records. */
  public long deadLettered() {
    return deadLettersByReason().values().stream().mapToLong(Long::longValue).sum();
  }

  /** {@code read} minus every outcome: 0 when the line balances. */
  public long unaccounted() {
    return read()
        - written()
        - deadLettered()
        - quarantined()
        - deduplicated()
        - tooLate()
        - filtered()
        - skipped()
        - unmatched();
  }

  /** The stages whose own numbers do not balance. */
  public List<StageAccounting> unbalancedStages() {
    List<StageAccounting> out = new ArrayList<>();
    for (StageAccounting s : stages()) {
      if (!s.balanced()) {
        out.add(s);
      }
    }
    return out;
  }

  /** Whether read equals the sum of every outcome and every stage balances. */
  public boolean balanced() {
    return unaccounted() == 0 && unbalancedStages().isEmpty();
  }

  /** The one-line summary printed at the end of every run. */
  public String line() {
    StringBuilder line =
        new StringBuilder(
            String.format(
                "read=%d = written=%d + dead-lettered=%d + quarantined=%d + deduplicated=%d + too-late=%d",
                read(), written(), deadLettered(), quarantined(), deduplicated(), tooLate()));
    if (filtered() != 0) {
      line.append(" + filtered=").append(filtered());
    }
    if (skipped() != 0) {
      line.append(" + skipped=").append(skipped());
    }
    if (unmatched() != 0) {
      line.append(" + unmatched=").append(unmatched());
    }
    if (balanced()) {
      return line.append(" [balanced]").toString();
    }
    List<String> problems = new ArrayList<>();
    if (unaccounted() != 0) {
      problems.add(unaccounted() + " unaccounted");
    }
    for (StageAccounting s : unbalancedStages()) {
      problems.add(
          "stage '" + s.name() + "' in=" + s.in() + " but out+exits=" + (s.in() - s.unaccounted()));
    }
    return line.append(" [UNBALANCED: ").append(String.join("; ", problems)).append(']').toString();
  }
}
