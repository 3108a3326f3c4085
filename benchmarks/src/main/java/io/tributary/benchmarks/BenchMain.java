package io.tributary.benchmarks;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Runs one variant of the workload in this JVM and prints one {@code RESULT} line that
 * benchmarks/run.sh turns into a table row.
 *
 * <pre>{@code
 * java -cp ... io.tributary.benchmarks.BenchMain --variant=tributary-flink --input=/tmp/clicks.jsonl \
 *     --parallelism=2 [--fast] [--checks=off]
 * }</pre>
 *
 * <p>Variants: {@code tributary-flink} (a), {@code native-flink} (b), {@code beam-flink} (c),
 * {@code tributary-direct} (d), {@code plain} (e); {@code ablate-decode} is (a) with the
 * hand-written parser of (c) instead of DecodeJson+Validate, {@code ablate-dedup} is (a) with
 * Beam's Deduplicate instead of Tributary's Dedup. {@code --fast} sets Beam's {@code --fasterCopy}
 * and {@code --objectReuse} (and object reuse on the native job). (a) decodes, validates and sets
 * event time in one step ({@code DecodeAndValidate} with {@code withEventTime}) and deduplicates
 * without a duplicates output; {@code --fused=false} applies DecodeJson, Validate and EventTime one
 * after the other (label {@code +unfused}).
 */
public final class BenchMain {
  /** Variants that can run more than once in one JVM (their marks are reset between runs). */
  private static final Set<String> REPEATABLE =
      Set.of(
          "tributary-flink",
          "beam-flink",
          "beam-flink-dlq",
          "native-flink",
          "plain",
          "ablate-decode",
          "ablate-dedup");

  private BenchMain() {}

  /** {@code --name=value} arguments as a map; a bare {@code --flag} is {@code true}. */
  static Map<String, String> parseArgs(String[] args) {
    Map<String, String> a = new HashMap<>();
    for (String arg : args) {
      String s = arg.replaceFirst("^--", "");
      int eq = s.indexOf('=');
      a.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? "true" : s.substring(eq + 1));
    }
    return a;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> a = parseArgs(args);
    String variant = a.getOrDefault("variant", "plain");
    // Synthetic input of --lines elements; --ttl in minutes (streaming, see DedupStateJob).
    boolean synthetic =
        "dedup-state".equals(variant)
            || "interval-join-state".equals(variant)
            || "asof-state".equals(variant)
            || "cdc-versions".equals(variant);
    String input = synthetic ? null : a.get("input");
    if (!synthetic && input == null) {
      throw new IllegalArgumentException("--input=FILE is required");
    }
    int parallelism = Integer.parseInt(a.getOrDefault("parallelism", "2"));
    boolean fast = Boolean.parseBoolean(a.getOrDefault("fast", "false"));
    boolean checks = !"off".equals(a.getOrDefault("checks", "on"));
    boolean dataStream = Boolean.parseBoolean(a.getOrDefault("dataStreamForBatch", "false"));
    // (a) decodes, validates and sets event time in one step (DecodeAndValidate.withEventTime);
    // --fused=false applies the three transforms one after the other.
    boolean fused = Boolean.parseBoolean(a.getOrDefault("fused", "true"));
    GcWatch.start();

    // --rounds=R: the same job R times in this JVM, one RESULT line each; rounds after the first
    // show the steady per-record cost rather than the JIT compiling the job's code (C2 alone takes
    // ~23 CPU-s of a cold 1e6 run, for every variant alike).
    int rounds = Integer.parseInt(a.getOrDefault("rounds", "1"));
    if (rounds < 1 || (rounds > 1 && !REPEATABLE.contains(variant))) {
      throw new IllegalArgumentException(
          "--rounds: at least 1, and above 1 only for " + REPEATABLE + ", not " + variant);
    }
    boolean threadCpu = Boolean.parseBoolean(a.getOrDefault("threadCpu", "false"));
    long lines = -1;
    for (int round = 1; round <= rounds; round++) {
      Marks.reset();
      if (threadCpu) {
        ThreadCpu.start();
      }
      // Start-up of the first round: from the JVM's start; of a later one: from the round's start.
      long roundStartCpu = round == 1 ? 0 : Marks.processCpuNanos();
      long roundStartMillis =
          round == 1
              ? ManagementFactory.getRuntimeMXBean().getStartTime()
              : System.currentTimeMillis();
      switch (variant) {
        case "tributary-flink":
          runOnFlink(
              flinkOptions(parallelism, fast, dataStream),
              p -> BeamJobs.tributary(p, input, fused));
          break;
        case "ablate-decode":
        case "ablate-dedup":
          runOnFlink(
              flinkOptions(parallelism, fast, dataStream),
              p ->
                  BeamJobs.tributary(
                      p,
                      input,
                      variant.equals("ablate-dedup"),
                      variant.equals("ablate-decode"),
                      fused));
          break;
        case "beam-flink":
          runOnFlink(flinkOptions(parallelism, fast, dataStream), p -> BeamJobs.builtins(p, input));
          break;
        case "beam-flink-dlq":
          runOnFlink(
              flinkOptions(parallelism, fast, dataStream),
              p -> BeamJobs.builtinsWithDeadLetters(p, input));
          break;
        case "tributary-direct":
          {
            parallelism = 0; // the Direct runner has no parallelism setting; shown as 0
            DirectOptions o = PipelineOptionsFactory.create().as(DirectOptions.class);
            o.setRunner(DirectRunner.class);
            o.setEnforceImmutability(checks);
            o.setEnforceEncodability(checks);
            Pipeline p = Pipeline.create(o);
            BeamJobs.tributary(p, input);
            p.run().waitUntilFinish();
            break;
          }
        case "dedup-state":
          {
            FlinkPipelineOptions o = flinkOptions(parallelism, fast, false);
            o.setStreaming(true);
            SequenceSource.useDeprecatedRead(o);
            Pipeline p = Pipeline.create(o);
            DedupStateJob.build(
                p,
                Long.parseLong(a.get("lines")),
                org.joda.time.Duration.standardMinutes(Long.parseLong(a.getOrDefault("ttl", "1"))),
                "generate".equals(a.getOrDefault("source", "unbounded")));
            p.run().waitUntilFinish();
            break;
          }
        case "interval-join-state":
          {
            // Synthetic input of --lines elements; --bound-ms each way (streaming, see
            // IntervalJoinStateJob).
            FlinkPipelineOptions o = flinkOptions(parallelism, fast, false);
            o.setStreaming(true);
            // The primitive read: Flink's UnboundedSourceWrapper emits SequenceSource's watermark
            // as it goes (--source=generate: GenerateSequence.to(n), whose watermark does not
            // move until the end, see IntervalJoinStateJob).
            SequenceSource.useDeprecatedRead(o);
            Pipeline p = Pipeline.create(o);
            IntervalJoinStateJob.build(
                p,
                Long.parseLong(a.get("lines")),
                org.joda.time.Duration.millis(Long.parseLong(a.getOrDefault("bound-ms", "1000"))),
                Long.parseLong(a.getOrDefault("rate", "0")),
                "generate".equals(a.getOrDefault("source", "unbounded")));
            IntervalJoinStateJob.startProgress(10);
            p.run().waitUntilFinish();
            break;
          }
        case "asof-state":
          {
            // Synthetic input of --lines elements; --lateness in seconds (see AsOfJoinStateJob).
            FlinkPipelineOptions o = flinkOptions(parallelism, fast, false);
            o.setStreaming(true);
            SequenceSource.useDeprecatedRead(o);
            Pipeline p = Pipeline.create(o);
            AsOfJoinStateJob.build(
                p,
                Long.parseLong(a.get("lines")),
                org.joda.time.Duration.standardSeconds(
                    Long.parseLong(a.getOrDefault("lateness", "60"))),
                "generate".equals(a.getOrDefault("source", "unbounded")));
            AsOfJoinStateJob.startProgress(10);
            p.run().waitUntilFinish();
            break;
          }
        case "cdc-versions":
          {
            // Synthetic input of --lines change events, --versions per key (see CdcVersionsJob).
            FlinkPipelineOptions o = flinkOptions(parallelism, fast, false);
            o.setStreaming(true);
            Pipeline p = Pipeline.create(o);
            CdcVersionsJob.build(
                p,
                Long.parseLong(a.get("lines")),
                Long.parseLong(a.getOrDefault("versions", "1000")));
            CdcVersionsJob.superseded = CdcVersionsJob.superseded(p.run());
            break;
          }
        case "native-flink":
          NativeFlinkJob.run(input, parallelism, fast);
          break;
        case "plain":
          parallelism = 1;
          PlainLoop.run(input);
          break;
        default:
          throw new IllegalArgumentException(
              "--variant: expected tributary-flink, native-flink, beam-flink, beam-flink-dlq,"
                  + " ablate-decode, ablate-dedup, tributary-direct, dedup-state,"
                  + " interval-join-state, asof-state, cdc-versions or plain, got "
                  + variant);
      }
      long endNanos = System.nanoTime();
      if (threadCpu) {
        ThreadCpu.report();
      }
      // CPU seconds from the first record to the end of the job (tear-down included, it is short):
      // less sensitive than wall time to other processes competing for the two cores.
      double cpuS = (Marks.processCpuNanos() - Marks.firstCpuNanos()) / 1e9;
      // In a later round: CPU since the end of the previous round, to its first record.
      double startupCpuS = (Marks.firstCpuNanos() - roundStartCpu) / 1e9;
      // Counted after the first run (reading the file first would warm the page cache and add
      // to start-up), once: every round reads the same file.
      if (lines < 0) {
        if (input == null) {
          lines = Long.parseLong(a.get("lines"));
        } else {
          try (var s = Files.lines(Path.of(input))) {
            lines = s.count();
          }
        }
      }
      if (Marks.firstNanos() == Long.MAX_VALUE || Marks.lastNanos() == Long.MIN_VALUE) {
        throw new IllegalStateException(
            "no first/last mark recorded: the operators did not share this JVM's Marks class");
      }
      double firstToLastMs = (Marks.lastNanos() - Marks.firstNanos()) / 1e6;
      long startupMs = Marks.firstEpochMillis() - roundStartMillis;
      double afterLastMs = (endNanos - Marks.lastNanos()) / 1e6;
      String label =
          variant
              + (fast ? "+fast" : "")
              + (fused ? "" : "+unfused")
              + (a.containsKey("label") ? "+" + a.get("label") : "")
              + (rounds > 1 ? "+round" + round : "")
              + (dataStream ? "+datastream" : "")
              + (a.containsKey("ttl") ? "+ttl" + a.get("ttl") + "m" : "")
              + ("dedup-state".equals(variant) || "asof-state".equals(variant)
                  ? "+" + a.getOrDefault("source", "unbounded")
                  : "")
              + ("interval-join-state".equals(variant)
                  ? "+bound"
                      + a.getOrDefault("bound-ms", "1000")
                      + "ms+rate"
                      + a.getOrDefault("rate", "0")
                      + "+"
                      + a.getOrDefault("source", "unbounded")
                  : "")
              + ("cdc-versions".equals(variant) ? "+v" + a.getOrDefault("versions", "1000") : "")
              + ("tributary-direct".equals(variant) ? (checks ? "+checks" : "-checks") : "");
      System.out.println(
          String.format(
                  Locale.ROOT,
                  "RESULT variant=%s lines=%d parallelism=%d startup_ms=%d first_to_last_ms=%.0f events_per_s=%.0f after_last_ms=%.0f cpu_s=%.2f events_per_cpu_s=%.0f startup_cpu_s=%.2f "
                      + "peak_rss_mib=%d max_heap_after_gc_mib=%d aggregates=%d events=%d cents=%d rejected=%d",
                  label,
                  lines,
                  parallelism,
                  startupMs,
                  firstToLastMs,
                  lines / (firstToLastMs / 1000.0),
                  afterLastMs,
                  cpuS,
                  lines / cpuS,
                  startupCpuS,
                  GcWatch.peakRssMiB(),
                  GcWatch.maxHeapAfterGcMiB(),
                  Marks.AGGREGATES.sum(),
                  Marks.EVENTS.sum(),
                  Marks.CENTS.sum(),
                  Marks.REJECTED.sum())
              + ("dedup-state".equals(variant)
                  ? " live_heap_mib_at_45pct="
                      + DedupStateJob.liveAt45
                      + " live_heap_mib_at_90pct="
                      + DedupStateJob.liveAt90
                  : "")
              + ("interval-join-state".equals(variant)
                  ? " joined="
                      + IntervalJoinStateJob.JOINED.get()
                      + " live_heap_mib_at_25_50_75_100pct="
                      + quarters(IntervalJoinStateJob.LIVE_AT_QUARTER)
                      + " held_in_join_at_25_50_75_100pct="
                      + quarters(IntervalJoinStateJob.HELD_AT_QUARTER)
                      + " lag_elements_at_25_50_75_100pct="
                      + quarters(IntervalJoinStateJob.LAG_AT_QUARTER)
                  : "")
              + ("cdc-versions".equals(variant) ? " superseded=" + CdcVersionsJob.superseded : "")
              + ("asof-state".equals(variant)
                  ? " live_heap_mib_at_25_50_75_100pct="
                      + quarters(AsOfJoinStateJob.LIVE)
                      + " versions_held_at_25_50_75_100pct="
                      + quarters(AsOfJoinStateJob.VERSIONS_AT_QUARTER)
                      + " facts_not_joined_at_25_50_75_100pct="
                      + quarters(AsOfJoinStateJob.FACTS_AT_QUARTER)
                  : ""));
    }
    System.exit(0);
  }

  /** Builds a batch job on {@code options} and runs it to the end. */
  private static void runOnFlink(FlinkPipelineOptions options, Consumer<Pipeline> build) {
    Pipeline p = Pipeline.create(options);
    build.accept(p);
    p.run().waitUntilFinish();
  }

  /** Four readings as {@code a/b/c/d}. */
  private static String quarters(long[] q) {
    return q[0] + "/" + q[1] + "/" + q[2] + "/" + q[3];
  }

  private static FlinkPipelineOptions flinkOptions(
      int parallelism, boolean fast, boolean dataStream) {
    FlinkPipelineOptions o = PipelineOptionsFactory.create().as(FlinkPipelineOptions.class);
    o.setRunner(FlinkRunner.class);
    o.setFlinkMaster("[local]");
    o.setParallelism(parallelism);
    o.setFasterCopy(fast);
    o.setObjectReuse(fast);
    // Beam's DataStream translation of a bounded pipeline (Flink BATCH mode) instead of the DataSet
    // one.
    o.as(org.apache.beam.runners.flink.VersionDependentFlinkPipelineOptions.class)
        .setUseDataStreamForBatch(dataStream);
    return o;
  }
}
