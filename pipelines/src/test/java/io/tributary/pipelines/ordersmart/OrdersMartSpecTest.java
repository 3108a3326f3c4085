package io.tributary.pipelines.ordersmart;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.runtime.PipelineRun;
import io.tributary.pipelines.runtime.RunSummary;
import io.tributary.pipelines.spec.SpecJob;
import io.tributary.pipelines.spec.SpecOptions;
import io.tributary.testing.TestRunners;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptions;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * pipelines/specs/orders-mart.yaml reproduces the Java orders-mart job: both run on testdata/cdc
 * (on whichever runner this surefire execution targets) into two directories, and every lake file
 * (the Avro data byte for byte, the {@code _SUCCESS} markers with their input fingerprint), the
 * dead letters (their sorted lines) and the run's accounting line are the same, for the whole lake
 * and for a rebuild of some dates ({@code --partitions}).
 */
@RunWith(JUnit4.class)
public class OrdersMartSpecTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final Path SPEC = Testdata.root().resolve("pipelines/specs/orders-mart.yaml");

  @Test
  public void theSpecWritesTheJavaJobsLakeDeadLettersAndAccounting() throws Exception {
    Path java = tmp.newFolder("java").toPath();
    Path spec = tmp.newFolder("spec").toPath();
    String javaLine = runJava(java, "");
    String specLine = runSpec(spec, "");

    assertEquals(
        "read=645 = written=599 + dead-lettered=5 + quarantined=0 + deduplicated=41 + too-late=0"
            + " [balanced]",
        javaLine);
    assertEquals(javaLine, specLine);
    MartOutputs.assertGoldenLake(spec);
    assertSameOutputs(java, spec);
    assertEquals(5, deadLetters(spec).size());
  }

  @Test
  public void theSpecRebuildsTheSameDatesAsTheJavaJob() throws Exception {
    Path java = tmp.newFolder("java").toPath();
    Path spec = tmp.newFolder("spec").toPath();
    String dates = "2026-11-02,2026-11-09";
    String javaLine = runJava(java, dates);
    String specLine = runSpec(spec, dates);

    assertEquals(javaLine, specLine);
    assertSameOutputs(java, spec);
    // 2026-11-09 has no row: both write it empty, so a rerun clears it.
    for (String dataset : OrdersMartPipeline.DATASETS) {
      List<String> partitions = new ArrayList<>();
      try (Stream<Path> dirs = Files.list(spec.resolve("lake").resolve(dataset))) {
        dirs.map(d -> d.getFileName().toString()).sorted().forEach(partitions::add);
      }
      assertEquals(List.of("dt=2026-11-02", "dt=2026-11-09"), partitions);
    }
  }

  private String runJava(Path out, String partitions) throws IOException {
    OrdersMartOptions options = TestRunners.options().as(OrdersMartOptions.class);
    options.setOrders(Testdata.file("cdc/orders.jsonl").toString());
    options.setProducts(Testdata.file("cdc/products.jsonl").toString());
    options.setOutput(out.toString());
    options.setPartitions(partitions);
    RunSummary summary = PipelineRun.run(new OrdersMartJob(), options);
    return summary.accounting().line();
  }

  private String runSpec(Path out, String partitions) throws Exception {
    SpecJob job =
        SpecJob.load(
            SPEC,
            List.of(
                "--orders=" + Testdata.file("cdc/orders.jsonl"),
                "--products=" + Testdata.file("cdc/products.jsonl"),
                "--partitions=" + partitions));
    PipelineOptions options = TestRunners.options();
    options.as(SpecOptions.class).setOutput(out.toString());
    job.validate(options);
    RunSummary summary = PipelineRun.run(job, options);
    return summary.accounting().line();
  }

  /**
   * The same lake files, byte for byte (a {@code _SUCCESS} marker by its sorted lines), and the
   * same dead letters (the sorted lines of all files: their sharding is the runner's).
   */
  private static void assertSameOutputs(Path java, Path spec) throws IOException {
    Map<String, byte[]> javaLake = files(java.resolve("lake"));
    Map<String, byte[]> specLake = files(spec.resolve("lake"));
    assertEquals(javaLake.keySet(), specLake.keySet());
    assertTrue(javaLake.keySet().toString(), javaLake.size() >= 6);
    for (Map.Entry<String, byte[]> f : javaLake.entrySet()) {
      if (f.getKey().endsWith("_SUCCESS")) {
        assertEquals(f.getKey(), sortedLines(f.getValue()), sortedLines(specLake.get(f.getKey())));
      } else {
        assertArrayEquals(f.getKey(), f.getValue(), specLake.get(f.getKey()));
      }
    }
    assertEquals(deadLetters(java), deadLetters(spec));
  }

  private static List<String> deadLetters(Path out) throws IOException {
    List<String> lines = new ArrayList<>();
    for (byte[] f : files(out.resolve("dead-letter")).values()) {
      for (String line : sortedLines(f)) {
        if (!line.isEmpty()) {
          lines.add(line);
        }
      }
    }
    lines.sort(null);
    return lines;
  }

  /** Every file under {@code dir} by relative path (dot-files and dot-directories excluded). */
  private static Map<String, byte[]> files(Path dir) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path f : walk.filter(Files::isRegularFile).collect(Collectors.toList())) {
        String rel = dir.relativize(f).toString();
        if (rel.startsWith(".") || rel.contains("/.")) {
          continue;
        }
        out.put(rel, Files.readAllBytes(f));
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return out;
  }

  private static List<String> sortedLines(byte[] text) {
    List<String> lines =
        new ArrayList<>(
            List.of(new String(text, java.nio.charset.StandardCharsets.UTF_8).split("\n", -1)));
    lines.sort(null);
    return lines;
  }
}
