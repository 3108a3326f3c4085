package io.tributary.io.files;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class CommittedFilesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final Instant T0 = Instant.parse("2026-11-01T09:00:00Z");

  /**
   * An on-time pane and a late pane of one window, and a second window: each pane its own file,
   * named as {@code FileIO} names them (window, pane index, shard), holding the pane's lines; the
   * output names the files written. On Flink without checkpointing this runs the FileIO path.
   * (Beam's TestStream on Flink folds the late element into the on-time pane, see
   * docs/architecture.md, so the late line is checked by window, not by pane.)
   */
  @Test
  public void everyPaneOfAnUnboundedInputIsOneFileNamedByWindowAndPane() throws Exception {
    Path out = tmp.newFolder("out").toPath();
    TestStream<String> events =
        TestStream.create(StringUtf8Coder.of())
            .addElements(
                TimestampedValue.of("a", T0), TimestampedValue.of("b", T0.plus(Duration.millis(5))))
            .advanceWatermarkTo(T0.plus(Duration.standardMinutes(2)))
            .addElements(TimestampedValue.of("late", T0.plus(Duration.standardSeconds(30))))
            .addElements(TimestampedValue.of("c", T0.plus(Duration.standardMinutes(2))))
            .advanceWatermarkToInfinity();
    PCollection<String> written =
        p.apply(events)
            .apply(
                Window.<String>into(FixedWindows.of(Duration.standardMinutes(1)))
                    .triggering(
                        AfterWatermark.pastEndOfWindow()
                            .withLateFirings(AfterPane.elementCountAtLeast(1)))
                    .withAllowedLateness(Duration.standardMinutes(10))
                    .discardingFiredPanes())
            .apply("Write", WindowPartitionedFiles.to(out.toString()));
    String dir = out.toString();
    PAssert.that(written)
        .satisfies(
            written1 -> {
              java.util.Set<String> named = new java.util.TreeSet<>();
              for (String name : written1) {
                named.add(Path.of(dir).relativize(Path.of(name)).toString());
              }
              try {
                assertEquals(
                    "the output names the files written", files(Path.of(dir)), List.copyOf(named));
              } catch (Exception e) {
                throw new AssertionError(e);
              }
              return null;
            });
    p.run().waitUntilFinish();

    String w0 = "dt=2026-11-01/hour=09/part-20261101T090000Z-20261101T090100Z-";
    String w2 = "dt=2026-11-01/hour=09/part-20261101T090200Z-20261101T090300Z-";
    List<String> names = files(out);
    assertTrue(names.toString(), names.contains(w0 + "p0-00000-of-00001.jsonl"));
    assertTrue(names.toString(), names.contains(w2 + "p0-00000-of-00001.jsonl"));
    List<String> window0 = new java.util.ArrayList<>();
    for (String name : names) {
      assertTrue(
          name,
          name.matches(
              "dt=2026-11-01/hour=09/part-\\d{8}T\\d{6}Z-\\d{8}T\\d{6}Z-p\\d+-00000-of-00001\\.jsonl"));
      if (name.startsWith(w0)) {
        window0.addAll(Files.readAllLines(out.resolve(name)));
      }
    }
    window0.sort(null);
    assertEquals(List.of("a", "b", "late"), window0);
    assertEquals(List.of("c"), Files.readAllLines(out.resolve(w2 + "p0-00000-of-00001.jsonl")));
    if (!isFlink()) {
      assertEquals(
          List.of("late"), Files.readAllLines(out.resolve(w0 + "p1-00000-of-00001.jsonl")));
      assertEquals(3, names.size());
    }
  }

  private boolean isFlink() {
    return p.getOptions().getRunner().getName().startsWith("org.apache.beam.runners.flink.");
  }

  /** What a restored writer does: the same pane again replaces the file with the same lines. */
  @Test
  public void committingAPaneAgainLeavesOneFileWithTheSameLines() throws Exception {
    Path out = tmp.newFolder("again").toPath();
    String name = "dt=2026-11-01/hour=09/part-p0-00000-of-00001.jsonl";
    CommittedFiles.commit(out.toString(), name, List.of("x", "y"));
    CommittedFiles.commit(out.toString(), name, List.of("x", "y"));
    assertEquals(List.of(name), files(out));
    assertEquals(List.of("x", "y"), Files.readAllLines(out.resolve(name)));
    try (Stream<Path> all = Files.walk(out)) {
      assertFalse(
          "no pending file left",
          all.anyMatch(f -> f.getFileName().toString().startsWith(CommittedFiles.PENDING_PREFIX)));
    }
  }

  /**
   * The committed path needs a runner that honours {@code @RequiresStableInput}: Flink does only
   * with exactly-once checkpointing, so without it (or for a bounded input) FileIO writes.
   */
  @Test
  public void flinkCommitsAtCheckpointsOnlyWithExactlyOnceCheckpointing() {
    FlinkPipelineOptions flink = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
    flink.setRunner(FlinkRunner.class);
    assertFalse(CommittedFiles.commitsAtCheckpoints(unbounded(flink)));
    flink.setCheckpointingInterval(10_000L);
    assertTrue(CommittedFiles.commitsAtCheckpoints(unbounded(flink)));
    flink.setCheckpointingMode("AT_LEAST_ONCE");
    assertFalse(CommittedFiles.commitsAtCheckpoints(unbounded(flink)));
    flink.setCheckpointingMode("EXACTLY_ONCE");
    Pipeline bounded = Pipeline.create(flink);
    assertFalse(CommittedFiles.commitsAtCheckpoints(bounded.apply(Create.of(1L))));
    assertTrue(
        "other runners honour @RequiresStableInput themselves",
        CommittedFiles.commitsAtCheckpoints(unbounded(PipelineOptionsFactory.create())));
    p.enableAbandonedNodeEnforcement(false);
  }

  @Test
  public void validatesArgumentsNamingTheCall() {
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> CommittedFiles.to("x").withNumShards(0))
            .getMessage(),
        containsString("CommittedFiles.withNumShards: shards must be > 0"));
    PCollection<String> lines = p.apply(Create.of("a"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> lines.apply(CommittedFiles.to("/out")))
            .getMessage(),
        containsString("call withNaming(...)"));
    assertThat(
        CommittedFiles.to("/out").withNaming(FileIO.Write.defaultNaming("x", ".jsonl")).getName(),
        containsString("CommittedFiles"));
    p.enableAbandonedNodeEnforcement(false);
  }

  private static PCollection<Long> unbounded(org.apache.beam.sdk.options.PipelineOptions options) {
    return Pipeline.create(options).apply(GenerateSequence.from(0));
  }

  private static List<String> files(Path out) throws Exception {
    try (Stream<Path> walk = Files.walk(out)) {
      return walk.filter(Files::isRegularFile)
          .map(f -> out.relativize(f).toString())
          .sorted()
          .collect(Collectors.toList());
    }
  }
}
