package io.tributary.pipelines.clickstream;

import io.tributary.pipelines.TestOptions;
import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.runtime.Progress;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageGraph;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;

/**
 * Runs clickstream on the current test runner with options given as arguments; the comparison with
 * the golden aggregates is {@link Testdata#assertMatchesGolden}.
 */
final class ClickstreamGolden {
  static final Path SMALL = Testdata.file("clickstream/small.jsonl");

  private ClickstreamGolden() {}

  static ClickstreamOptions options(String output, String... settings) {
    List<String> args = new ArrayList<>(List.of("--output=" + output));
    args.addAll(List.of(settings));
    return TestOptions.of(ClickstreamOptions.class, args.toArray(new String[0]));
  }

  /**
   * Runs clickstream and returns its accounting, after checking that the live progress line (the
   * in-JVM mirror every stage counts into) saw the same read, written and dead-lettered numbers:
   * the progress line tells the truth for this source kind (file, watched directory, Kafka).
   */
  static RunAccounting run(ClickstreamOptions options) {
    Pipeline p = Pipeline.create(options);
    ClickstreamPipeline.build(p, options);
    StageGraph graph = StageGraph.of(p);
    java.util.Map<String, Long> baseline = io.tributary.transforms.metrics.LiveMetrics.snapshot();
    PipelineResult result = p.run();
    result.waitUntilFinish();
    RunAccounting accounting = RunAccounting.from(result, graph);
    Progress.Snapshot live = Progress.fromLive(baseline, graph);
    org.junit.Assert.assertEquals("progress read", accounting.read(), live.read());
    org.junit.Assert.assertEquals("progress written", accounting.written(), live.written());
    org.junit.Assert.assertEquals(
        "progress dead-lettered", accounting.deadLettered(), live.deadLettered());
    return accounting;
  }
}
