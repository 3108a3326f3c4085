package io.tributary.pipelines.clickstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.testing.TestRunners;
import io.tributary.transforms.metrics.RunAccounting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;

/** Runs clickstream on the current test runner and compares its aggregates with the golden file. */
final class ClickstreamGolden {
  static final Path REPO = Path.of(System.getProperty("user.dir")).getParent();
  static final Path SMALL = REPO.resolve("testdata/clickstream/small.jsonl");
  static final Path GOLDEN_SMALL = REPO.resolve("testdata/clickstream/golden/small/aggregates.jsonl");

  private ClickstreamGolden() {}

  static ClickstreamOptions options(String output, String... settings) {
    List<String> args = new ArrayList<>(List.of("--output=" + output));
    args.addAll(List.of(settings));
    PipelineOptions base = TestRunners.options();
    ClickstreamOptions o = org.apache.beam.sdk.options.PipelineOptionsFactory
        .fromArgs(args.toArray(new String[0])).as(ClickstreamOptions.class);
    o.setRunner(base.getRunner());
    o.setStableUniqueNames(base.getStableUniqueNames());
    if (TestRunners.isFlink()) {
      o.as(org.apache.beam.runners.flink.FlinkPipelineOptions.class).setParallelism(2);
    }
    return o;
  }

  static RunAccounting run(ClickstreamOptions options) {
    Pipeline p = Pipeline.create(options);
    ClickstreamPipeline.build(p, options);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    return RunAccounting.from(result);
  }

  /** Aggregate lines without the pane (golden files predate panes), sorted by window. */
  static List<String> aggregates(String output) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of(ClickstreamPipeline.aggregatesDir(output)))) {
      for (Path f : files.filter(f -> f.toString().endsWith(".jsonl")).collect(Collectors.toList())) {
        for (String line : Files.readAllLines(f)) {
          ObjectNode node = (ObjectNode) mapper.readTree(line);
          node.remove("pane");
          lines.add(mapper.writeValueAsString(node));
        }
      }
    }
    lines.sort(null);
    return lines;
  }

  static List<String> golden() throws Exception {
    List<String> lines = new ArrayList<>(Files.readAllLines(GOLDEN_SMALL));
    lines.removeIf(String::isBlank);
    lines.sort(null);
    return lines;
  }
}
