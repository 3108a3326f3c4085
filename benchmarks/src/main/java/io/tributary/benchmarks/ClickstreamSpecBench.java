package io.tributary.benchmarks;

import io.tributary.pipelines.clickstream.ClickstreamOptions;
import io.tributary.pipelines.clickstream.ClickstreamPipeline;
import io.tributary.pipelines.clickstream.ClickstreamSettings;
import io.tributary.pipelines.spec.SpecJob;
import io.tributary.pipelines.spec.SpecOptions;
import io.tributary.pipelines.spec.SpecParser;
import io.tributary.pipelines.spec.StepCatalog;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * The clickstream job declared as a spec against the same job written in Java, in one JVM, on
 * embedded Flink, on the same input: after a warm-up round (not counted), rounds alternate which
 * goes first, and the result is the median of each. The spec adds only construction (parsing,
 * checking); the pipelines it builds are the same transforms, so the two should be within noise.
 *
 * <p>{@code --compare=unfused} compares the spec with itself run with {@code --fuseSteps=false}
 * instead of the Java job: what building adjacent steps as one saves. {@code --threadCpu=true}
 * prints the CPU of each operator chain of every counted run (THREADCPU lines).
 *
 * <pre>{@code
 * java -cp ... io.tributary.benchmarks.ClickstreamSpecBench --input=/tmp/clicks.jsonl \
 *     --spec=pipelines/specs/clickstream.yaml --rounds=3 --parallelism=2
 * }</pre>
 */
public final class ClickstreamSpecBench {
  private ClickstreamSpecBench() {}

  /** Runs the rounds and prints one RESULT line per run and a SUMMARY line. */
  public static void main(String[] args) throws Exception {
    Map<String, String> a = BenchMain.parseArgs(args);
    String input = a.get("input");
    Path spec = Path.of(a.getOrDefault("spec", "pipelines/specs/clickstream.yaml"));
    int rounds = Integer.parseInt(a.getOrDefault("rounds", "5"));
    // The first runs in a JVM pay class loading and JIT for both variants: not counted.
    int warmup = Integer.parseInt(a.getOrDefault("warmup", "1"));
    String parallelism = a.getOrDefault("parallelism", "2");
    String compare = a.getOrDefault("compare", "java");
    if (!compare.equals("java") && !compare.equals("unfused")) {
      throw new IllegalArgumentException("--compare: expected java or unfused, got " + compare);
    }
    boolean unfused = compare.equals("unfused");
    boolean threadCpu = Boolean.parseBoolean(a.getOrDefault("threadCpu", "false"));
    String baseline = unfused ? "clickstream-spec-unfused" : "clickstream-java";
    List<Double> javaWall = new ArrayList<>();
    List<Double> specWall = new ArrayList<>();
    List<Double> javaCpu = new ArrayList<>();
    List<Double> specCpu = new ArrayList<>();
    for (int r = -warmup; r < rounds; r++) {
      boolean javaFirst = Math.floorMod(r, 2) == 0;
      for (int k = 0; k < 2; k++) {
        boolean java = (k == 0) == javaFirst;
        Path out = Files.createTempDirectory("tributary-spec-bench");
        List<String> common =
            List.of(
                "--output=" + out,
                "--runner=FlinkRunner",
                "--flinkMaster=[local]",
                "--parallelism=" + parallelism);
        Pipeline p;
        if (java && unfused) {
          List<String> all = new ArrayList<>(common);
          all.add("--fuseSteps=false");
          p = specPipeline(spec, input, all);
        } else if (java) {
          List<String> all = new ArrayList<>(common);
          all.add("--input=" + input);
          PipelineOptionsFactory.register(ClickstreamOptions.class);
          ClickstreamOptions o =
              PipelineOptionsFactory.fromArgs(all.toArray(new String[0]))
                  .as(ClickstreamOptions.class);
          p = Pipeline.create(o);
          ClickstreamPipeline.build(p, ClickstreamSettings.of(o));
        } else {
          p = specPipeline(spec, input, common);
        }
        if (threadCpu) {
          ThreadCpu.start();
        }
        long cpu0 = cpuNanos();
        long t0 = System.nanoTime();
        p.run().waitUntilFinish();
        double wallS = (System.nanoTime() - t0) / 1e9;
        double cpuS = (cpuNanos() - cpu0) / 1e9;
        if (r >= 0) {
          (java ? javaWall : specWall).add(wallS);
          (java ? javaCpu : specCpu).add(cpuS);
        }
        System.out.printf(
            "RESULT variant=%s round=%d wall_s=%.2f cpu_s=%.2f load=%s%n",
            java ? baseline : "clickstream-spec",
            r,
            wallS,
            cpuS,
            Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        if (threadCpu && r >= 0) {
          ThreadCpu.report();
        }
        delete(out);
      }
    }
    double jw = median(javaWall);
    double sw = median(specWall);
    double jc = median(javaCpu);
    double sc = median(specCpu);
    System.out.printf(
        "SUMMARY rounds=%d baseline=%s baseline_wall_s=%.2f spec_wall_s=%.2f wall_ratio=%.3f"
            + " baseline_cpu_s=%.2f spec_cpu_s=%.2f cpu_ratio=%.3f%n",
        rounds, baseline, jw, sw, sw / jw, jc, sc, sc / jc);
  }

  /** The spec's pipeline with {@code args} as its options and {@code input} as its input. */
  private static Pipeline specPipeline(Path spec, String input, List<String> args)
      throws IOException {
    PipelineOptionsFactory.register(SpecOptions.class);
    SpecOptions o =
        PipelineOptionsFactory.fromArgs(args.toArray(new String[0])).as(SpecOptions.class);
    SpecJob job = SpecJob.of(SpecParser.parse(spec), StepCatalog.load(), Map.of("input", input));
    Pipeline p = Pipeline.create(o);
    job.build(p, o);
    return p;
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    }
  }
}
