package io.tributary.io.files;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import io.tributary.io.formats.FileFormat;
import io.tributary.io.formats.ReadRows;
import io.tributary.io.schema.RegisteredSchema;
import io.tributary.testing.TestRunners;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class FileSourceTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  static final RegisteredSchema SCHEMA =
      RegisteredSchema.unregistered(
          new Schema.Parser()
              .parse(
                  "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"}]}"));

  static PCollection<String> ids(PCollection<Row> rows) {
    return rows.apply(
        "Ids", MapElements.into(TypeDescriptors.strings()).via((Row r) -> r.getString("id")));
  }

  @Test
  public void globIsBounded() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Files.writeString(dir.resolve("a.jsonl"), "{\"id\":\"a1\"}\n{\"id\":\"a2\"}\n");
    Files.writeString(dir.resolve("b.jsonl"), "{\"id\":\"b1\"}\n");
    PCollection<Row> rows =
        p.apply("Files", FileSource.glob(dir + "/*.jsonl"))
            .apply("Read", ReadRows.of(FileFormat.JSONL, SCHEMA));
    assertThat(rows.isBounded(), is(PCollection.IsBounded.BOUNDED));
    PAssert.that(ids(rows)).containsInAnyOrder("a1", "a2", "b1");
    p.run().waitUntilFinish();
  }

  @Test
  public void watchPicksUpFilesThatAppearLater() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Files.writeString(dir.resolve("first.jsonl"), "{\"id\":\"f1\"}\n");
    // The second file appears while the pipeline runs; it is written under a temporary name and
    // renamed, as producers should, so the watch never sees half a file.
    ScheduledExecutorService producer = Executors.newSingleThreadScheduledExecutor();
    // A failure here shows up as the second file never arriving.
    var unused =
        producer.schedule(
            () -> {
              Path part = dir.resolve(".second.tmp");
              Files.writeString(part, "{\"id\":\"s1\"}\n{\"id\":\"s2\"}\n");
              Files.move(part, dir.resolve("second.jsonl"));
              return null;
            },
            TestRunners.isFlink() ? 4 : 2,
            TimeUnit.SECONDS);
    PCollection<Row> rows =
        p.apply(
                "Watch",
                FileSource.watch(dir + "/*.jsonl")
                    .withPollInterval(Duration.millis(500))
                    // Bounds the test: the watch ends 8 s after the last new file, then the
                    // pipeline finishes.
                    .withStopAfterIdle(Duration.standardSeconds(8))
                    .withWatermarkPolicy(WatermarkPolicy.heldUntilStopped()))
            .apply("Read", ReadRows.of(FileFormat.JSONL, SCHEMA));
    assertThat(rows.isBounded(), is(PCollection.IsBounded.UNBOUNDED));
    PAssert.that(ids(rows)).containsInAnyOrder("f1", "s1", "s2");
    try {
      p.run().waitUntilFinish();
    } finally {
      producer.shutdownNow();
    }
  }

  @Test
  public void markersSkipFilesAFreshStartHasAlreadySeen() throws Exception {
    Path dir = tmp.newFolder("in").toPath();
    String markers = tmp.newFolder("markers").toString();
    Files.writeString(dir.resolve("a.jsonl"), "{\"id\":\"a1\"}\n");
    Files.writeString(dir.resolve("b.jsonl"), "{\"id\":\"b1\"}\n");
    Pipeline first = Pipeline.create(TestRunners.options());
    first
        .apply("Files", FileSource.glob(dir + "/*.jsonl").withProcessedFileMarkers(markers))
        .apply("Read", ReadRows.of(FileFormat.JSONL, SCHEMA));
    first.run().waitUntilFinish();
    try (var list = Files.list(Path.of(markers))) {
      assertThat(list.filter(f -> f.toString().endsWith(".done")).count(), is(2L));
    }

    Files.writeString(dir.resolve("c.jsonl"), "{\"id\":\"c1\"}\n");
    PCollection<Row> rows =
        p.apply("Files", FileSource.glob(dir + "/*.jsonl").withProcessedFileMarkers(markers))
            .apply("Read", ReadRows.of(FileFormat.JSONL, SCHEMA));
    PAssert.that(ids(rows)).containsInAnyOrder("c1");
    PipelineResult result = p.run();
    result.waitUntilFinish();
    long skipped = 0;
    for (var c :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named("tributary", FileSource.FILES_SKIPPED))
                    .build())
            .getCounters()) {
      skipped += c.getAttempted();
    }
    assertThat(skipped, is(2L));
  }

  @Test
  public void aDirectoryReadsTheVisibleFilesDirectlyInside() throws Exception {
    Path dir = tmp.newFolder("dir").toPath();
    Files.writeString(dir.resolve("a.jsonl"), "{\"id\":\"a1\"}\n");
    Files.writeString(dir.resolve("b.jsonl"), "{\"id\":\"b1\"}\n");
    Files.writeString(dir.resolve(".partial.jsonl"), "{\"id\":\"hidden\"}\n");
    Files.writeString(dir.resolve("_SUCCESS"), "");
    Files.createDirectory(dir.resolve("sub"));
    Files.writeString(dir.resolve("sub").resolve("c.jsonl"), "{\"id\":\"nested\"}\n");
    PCollection<Row> rows =
        p.apply("Files", FileSource.glob(dir.toString()))
            .apply("Read", ReadRows.of(FileFormat.JSONL, SCHEMA));
    PAssert.that(ids(rows)).containsInAnyOrder("a1", "b1");
    p.run().waitUntilFinish();
  }

  @Test
  public void aGlobThatMatchesNothingFailsWhenThePipelineIsBuilt() throws Exception {
    Path empty = tmp.newFolder("empty").toPath();
    Files.writeString(empty.resolve(".hidden"), "x\n");
    for (String pattern : new String[] {empty + "/*.jsonl", empty.toString(), empty + "/"}) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> p.apply("Files" + pattern.length(), FileSource.glob(pattern)));
      assertThat(e.getMessage(), is("FileSource.glob: no file matches '" + pattern + "'"));
    }
    // A watch may start on an empty directory: files come later.
    p.apply("Watch", FileSource.watch(empty.toString()).withStopAfterIdle(Duration.millis(1)));
    p.enableAbandonedNodeEnforcement(false);
  }

  @Test
  public void displayDataAndArgumentChecks() {
    DisplayData data =
        DisplayData.from(
            FileSource.watch("/in/*.csv")
                .withWatermarkPolicy(WatermarkPolicy.arrivalTimeMinus(Duration.standardMinutes(5)))
                .withProcessedFileMarkers("/state"));
    assertThat(data.toString(), containsString("watch"));
    assertThat(data.toString(), containsString("arrivalTimeMinus(PT300S)"));
    assertThat(data.toString(), containsString("/state"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> FileSource.watch("/in").withPollInterval(Duration.ZERO));
    assertThat(e.getMessage(), containsString("FileSource.withPollInterval"));
    p.enableAbandonedNodeEnforcement(false);
  }
}
