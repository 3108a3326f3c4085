package io.tributary.pipelines.clickstream;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.runtime.PipelineRun;
import io.tributary.pipelines.runtime.RunSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Runs clickstream over the same input on the Direct runner and on the Flink runner (embedded) and
 * compares the output trees: same partitions, same file names, same aggregate bytes, same dead
 * letters and the same accounting.
 */
@RunWith(JUnit4.class)
public class ClickstreamRunnerParityIT {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private RunSummary run(String runner, Path out, String... extra) throws IOException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--runner=" + runner,
                "--input=" + Testdata.file("clickstream/small.jsonl"),
                "--output=" + out));
    args.addAll(List.of(extra));
    ClickstreamOptions options =
        PipelineOptionsFactory.fromArgs(args.toArray(new String[0]))
            .withValidation()
            .as(ClickstreamOptions.class);
    return PipelineRun.run(new ClickstreamJob(), options);
  }

  /** Relative path -> sorted lines, for every data file under {@code dir}. */
  private static Map<String, List<String>> tree(Path dir) throws IOException {
    Map<String, List<String>> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path f :
          walk.filter(p -> p.toString().endsWith(".jsonl")).collect(Collectors.toList())) {
        List<String> lines = new ArrayList<>(Files.readAllLines(f));
        lines.sort(null);
        files.put(dir.relativize(f).toString(), lines);
      }
    }
    return files;
  }

  @Test
  public void directAndFlinkWriteIdenticalOutputs() throws Exception {
    Path direct = tmp.newFolder("direct").toPath();
    Path flink = tmp.newFolder("flink").toPath();
    RunSummary d = run("DirectRunner", direct);
    RunSummary f = run("FlinkRunner", flink, "--parallelism=2");

    assertEquals(d.accounting().line(), f.accounting().line());
    assertEquals(d.accounting().deadLettersByReason(), f.accounting().deadLettersByReason());
    assertTrue(d.accounting().balanced());

    Map<String, List<String>> directFiles = tree(direct.resolve("aggregates"));
    Map<String, List<String>> flinkFiles = tree(flink.resolve("aggregates"));
    assertEquals("48 hourly windows over two days", 48, directFiles.size());
    assertEquals(directFiles, flinkFiles);
    // Dead-letter file names may differ by shard naming per runner; their records must not.
    assertEquals(
        Testdata.jsonLines(direct.resolve("dead-letter")).stream()
            .sorted()
            .collect(Collectors.toList()),
        Testdata.jsonLines(flink.resolve("dead-letter")).stream()
            .sorted()
            .collect(Collectors.toList()));
    Testdata.assertMatchesGolden("small", flink.resolve("aggregates"));
    System.out.printf(
        "parity: Direct %.1f s, Flink %.1f s; %s%n",
        d.wallSeconds(), f.wallSeconds(), f.accounting().line());
  }
}
