package io.tributary.pipelines.runtime;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.tributary.pipelines.cli.CliRun;
import io.tributary.pipelines.clickstream.ClickstreamJob;
import io.tributary.pipelines.clickstream.ClickstreamOptions;
import io.tributary.testing.TestRunners;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Outputs of different runs never mix: refused without --overwrite, replaced with it. */
@RunWith(JUnit4.class)
public class RunOutputsTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final Path SMALL = Paths.get("..", "testdata", "clickstream", "small.jsonl");

  private ClickstreamOptions options(Path out) {
    ClickstreamOptions options = TestRunners.options().as(ClickstreamOptions.class);
    options.setInput(SMALL.toAbsolutePath().toString());
    options.setOutput(out.toString());
    return options;
  }

  @Test
  public void aSecondRunIntoTheSameOutputIsRefusedNamingTheOption() throws IOException {
    Path out = tmp.newFolder("out").toPath();
    RunSummary first = PipelineRun.run(new ClickstreamJob(), options(out));
    assertEquals("DONE", first.state());
    Path stale = out.resolve("aggregates").resolve("stale-from-an-earlier-run.jsonl");
    Files.writeString(stale, "{}\n");

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PipelineRun.run(new ClickstreamJob(), options(out)));
    assertThat(e.getMessage(), containsString("--output: " + out));
    assertThat(e.getMessage(), containsString("already holds the outputs of an earlier run"));
    // It names what the folder holds (sorted), not the folder a second time.
    assertThat(e.getMessage(), containsString("aggregates, dead-letter)"));
    assertThat(e.getMessage(), containsString("--overwrite=true"));
    assertTrue("a refused run touches nothing", Files.exists(stale));
  }

  @Test
  public void overwriteReplacesTheEarlierRunWhole() throws IOException {
    Path out = tmp.newFolder("out").toPath();
    PipelineRun.run(new ClickstreamJob(), options(out));
    Path stale = out.resolve("aggregates").resolve("stale-from-an-earlier-run.jsonl");
    Files.writeString(stale, "{}\n");
    Files.writeString(out.resolve("dead-letter").resolve("dead-letters-old.jsonl"), "{}\n");

    ClickstreamOptions again = options(out);
    again.as(RunOptions.class).setOverwrite(true);
    RunSummary second = PipelineRun.run(new ClickstreamJob(), again);

    assertEquals("DONE", second.state());
    assertFalse("the earlier run's files are gone", Files.exists(stale));
    assertFalse(Files.exists(out.resolve("dead-letter").resolve("dead-letters-old.jsonl")));
    assertTrue(Files.exists(out.resolve(RunSummary.FILE_NAME)));
    try (Stream<Path> entries = Files.list(out)) {
      assertFalse(
          "nothing is left aside after a DONE run",
          entries.anyMatch(p -> p.getFileName().toString().startsWith(".")));
    }
  }

  @Test
  public void aFailedOverwriteRestoresTheEarlierRun() throws IOException {
    Path out = tmp.newFolder("out").toPath();
    Files.writeString(out.resolve("earlier.txt"), "the previous good output\n");
    org.apache.beam.sdk.options.PipelineOptions options = TestRunners.options();
    options.as(RunOptions.class).setOverwrite(true);
    options.as(RunOptions.class).setLineage("none");

    assertThrows(
        RuntimeException.class,
        () -> PipelineRun.run(new LineageRunTest.FailingJob(out.toString()), options));

    assertEquals(
        "the previous good output\n",
        Files.readString(out.resolve("earlier.txt"), StandardCharsets.UTF_8));
  }

  @Test
  public void theCliRefusesWithOneLineAndExitTwo() throws IOException {
    Path out = tmp.newFolder("out").toPath();
    Files.writeString(out.resolve("_run_summary.json"), "{}\n");
    CliRun run =
        CliRun.of(
            "run",
            "clickstream",
            "--profile=direct",
            "--input=" + SMALL.toAbsolutePath(),
            "--output=" + out);
    String err = run.err;
    assertEquals(err, 2, run.code);
    assertEquals(err, 1, err.strip().lines().count());
    assertThat(err, containsString("tributary: --output: " + out));
  }
}
