package io.tributary.io.files;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class WindowPartitionedFilesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final Instant T0 = Instant.parse("2026-11-01T09:00:00Z");

  @Test
  public void namesCarryPartitionWindowStartPaneAndShard() {
    WindowPartitionedFiles.PartitionNaming naming =
        new WindowPartitionedFiles.PartitionNaming(".jsonl");
    IntervalWindow w =
        new IntervalWindow(T0.plus(Duration.standardMinutes(15)), Duration.standardMinutes(15));
    assertEquals(
        "dt=2026-11-01/hour=09/part-20261101T091500Z-20261101T093000Z-p2-00000-of-00001.jsonl",
        naming.getFilename(
            w,
            PaneInfo.createPane(false, false, PaneInfo.Timing.LATE, 2, 1),
            1,
            0,
            Compression.UNCOMPRESSED));
    // Two 30-second windows of one minute, and two sessions starting at the same second: own files.
    IntervalWindow first = new IntervalWindow(T0, Duration.standardSeconds(30));
    IntervalWindow second =
        new IntervalWindow(T0.plus(Duration.standardSeconds(30)), Duration.standardSeconds(30));
    IntervalWindow longer = new IntervalWindow(T0, Duration.standardMinutes(40));
    PaneInfo onTime = PaneInfo.createPane(true, true, PaneInfo.Timing.ON_TIME, 0, 0);
    java.util.Set<String> names =
        new java.util.HashSet<>(
            List.of(
                naming.getFilename(first, onTime, 1, 0, Compression.UNCOMPRESSED),
                naming.getFilename(second, onTime, 1, 0, Compression.UNCOMPRESSED),
                naming.getFilename(longer, onTime, 1, 0, Compression.UNCOMPRESSED)));
    assertEquals(3, names.size());
    assertEquals(
        "part-00001-of-00002.jsonl.gz",
        naming.getFilename(GlobalWindow.INSTANCE, PaneInfo.NO_FIRING, 2, 1, Compression.GZIP));
  }

  @Test
  public void writesOneDirectoryPerHourOfWindowStart() throws Exception {
    Path out = tmp.newFolder("out").toPath();
    p.apply(
            Create.timestamped(
                TimestampedValue.of("a", T0),
                TimestampedValue.of("b", T0.plus(Duration.standardMinutes(59))),
                TimestampedValue.of("c", T0.plus(Duration.standardHours(15)))))
        .apply(Window.into(FixedWindows.of(Duration.standardHours(1))))
        .apply("Write", WindowPartitionedFiles.to(out.toString()));
    p.run().waitUntilFinish();
    List<String> files;
    try (Stream<Path> walk = Files.walk(out)) {
      files =
          walk.filter(Files::isRegularFile)
              .map(f -> out.relativize(f).toString())
              .sorted()
              .collect(Collectors.toList());
    }
    assertEquals(
        List.of(
            "dt=2026-11-01/hour=09/part-20261101T090000Z-20261101T100000Z-p0-00000-of-00001.jsonl",
            "dt=2026-11-02/hour=00/part-20261102T000000Z-20261102T010000Z-p0-00000-of-00001.jsonl"),
        files);
    List<String> first = Files.readAllLines(out.resolve(files.get(0)));
    first.sort(null);
    assertEquals(List.of("a", "b"), first);
    assertTrue(Files.readAllLines(out.resolve(files.get(1))).contains("c"));
  }

  @Test
  public void validatesArgumentsNamingTheCall() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> WindowPartitionedFiles.to("x").withNumShards(0));
    assertThat(
        e.getMessage(), containsString("WindowPartitionedFiles.withNumShards: shards must be > 0"));
    assertThat(
        DisplayData.from(WindowPartitionedFiles.to("/out").withSuffix(".txt")).toString(),
        containsString(".txt"));
    p.enableAbandonedNodeEnforcement(false);
  }
}
