package io.tributary.pipelines.clickstream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.runtime.PipelineRun;
import io.tributary.pipelines.runtime.RunSummary;
import io.tributary.pipelines.spec.Spec;
import io.tributary.pipelines.spec.SpecJob;
import io.tributary.pipelines.spec.SpecOptions;
import io.tributary.pipelines.spec.SpecParser;
import io.tributary.pipelines.spec.StepCatalog;
import io.tributary.testing.TestRunners;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.options.PipelineOptions;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@code pipelines/specs/clickstream.yaml} is the clickstream job: on the committed small sample,
 * the spec and the Java job write the same aggregates (pane included), the same dead letters and
 * the same late output, byte for byte, and account for every record the same way, stage by stage,
 * on the runner this execution uses (Direct and Flink).
 */
@RunWith(JUnit4.class)
public class ClickstreamSpecTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  static final Path SPEC = Testdata.root().resolve("pipelines/specs/clickstream.yaml");

  @Test
  public void specWritesWhatTheJavaJobWrites() throws Exception {
    Path javaOut = tmp.newFolder("java").toPath();
    Path specOut = tmp.newFolder("spec").toPath();

    RunSummary java =
        PipelineRun.run(
            new ClickstreamJob(),
            ClickstreamGolden.options(javaOut.toString(), "--input=" + ClickstreamGolden.SMALL));

    Spec spec = SpecParser.parse(SPEC);
    SpecJob job =
        SpecJob.of(spec, StepCatalog.load(), Map.of("input", ClickstreamGolden.SMALL.toString()));
    SpecOptions options = TestRunners.options().as(SpecOptions.class);
    options.setOutput(specOut.toString());
    if (TestRunners.isFlink()) {
      options.as(org.apache.beam.runners.flink.FlinkPipelineOptions.class).setParallelism(2);
    }
    job.validate(options);
    RunSummary declared = PipelineRun.run(job, (PipelineOptions) options);

    assertThat("spec run state", declared.state(), equalTo("DONE"));
    assertThat(declared.accounting().line(), equalTo(java.accounting().line()));
    assertThat(stages(declared), equalTo(stages(java)));
    assertThat(declared.accounting().balanced(), equalTo(true));

    List<String> aggregates = sorted(specOut.resolve("aggregates"));
    assertThat(aggregates, not(empty()));
    assertThat(aggregates, equalTo(sorted(javaOut.resolve("aggregates"))));
    Testdata.assertMatchesGolden("small", specOut.resolve("aggregates"));

    List<String> deadLetters = sorted(specOut.resolve("dead-letter"));
    assertThat(deadLetters, hasSize((int) java.accounting().deadLettered()));
    assertThat(deadLetters, equalTo(sorted(javaOut.resolve("dead-letter"))));

    assertThat(sorted(specOut.resolve("late")), equalTo(sorted(javaOut.resolve("late"))));
  }

  /** Each stage's name, role, in, out, rejections and exits (not its timing-dependent lag). */
  private static List<String> stages(RunSummary summary) {
    List<String> out = new ArrayList<>();
    for (io.tributary.transforms.metrics.StageAccounting s : summary.accounting().stages()) {
      out.add(
          s.name()
              + " "
              + s.role()
              + " in="
              + s.in()
              + " out="
              + s.out()
              + " rejected="
              + s.rejected()
              + " exits="
              + s.exits());
    }
    return out;
  }

  private static List<String> sorted(Path dir) {
    if (!Files.isDirectory(dir)) {
      return new ArrayList<>();
    }
    List<String> lines = new ArrayList<>(Testdata.jsonLines(dir));
    lines.sort(null);
    return lines;
  }
}
