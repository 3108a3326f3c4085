package io.tributary.io.files;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * Writes JSON lines under a directory whatever their windows: one file for a bounded input; for an
 * unbounded one, files per minute of processing time. For outputs whose records are behind the
 * watermark by definition (too-late records, audit trails), where an event-time window would drop
 * them again.
 *
 * <pre>{@code
 * lines.apply(JsonLinesFiles.to("/data/out/late").withPrefix("late"));
 * }</pre>
 */
public final class JsonLinesFiles extends PTransform<PCollection<String>, PCollection<String>> {
  private final String directory;
  private final String prefix;

  private JsonLinesFiles(String directory, String prefix) {
    this.directory = directory;
    this.prefix = prefix;
  }

  /** Writes under {@code directory}, files named {@code output-*.jsonl}. */
  public static JsonLinesFiles to(String directory) {
    checkArgument(
        directory != null && !directory.isEmpty(), "JsonLinesFiles.to: directory is required");
    return new JsonLinesFiles(directory, "output");
  }

  /** Files named {@code <prefix>-*.jsonl}. */
  public JsonLinesFiles withPrefix(String filePrefix) {
    checkArgument(
        filePrefix != null && filePrefix.matches("[A-Za-z0-9_.-]+"),
        "JsonLinesFiles.withPrefix: expected letters, digits, '_', '-' or '.', got '%s'",
        filePrefix);
    return new JsonLinesFiles(directory, filePrefix);
  }

  @Override
  public PCollection<String> expand(PCollection<String> lines) {
    PCollection<String> ready = lines;
    if (lines.isBounded() == PCollection.IsBounded.UNBOUNDED) {
      ready =
          lines.apply(
              "EveryMinute",
              Window.<String>into(new GlobalWindows())
                  .triggering(
                      Repeatedly.forever(
                          AfterProcessingTime.pastFirstElementInPane()
                              .plusDelayOf(Duration.standardMinutes(1))))
                  .withAllowedLateness(Duration.ZERO)
                  .discardingFiredPanes());
    }
    return ready.apply(
        "WriteFiles",
        CommittedFiles.to(directory).withNaming(FileIO.Write.defaultNaming(prefix, ".jsonl")));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("directory", directory).withLabel("Directory"))
        .add(DisplayData.item("prefix", prefix).withLabel("File prefix"));
  }
}
