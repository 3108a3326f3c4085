package io.tributary.io.files;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.PCollection;

/**
 * Writes windowed text lines into one directory per window: {@code dt=YYYY-MM-DD/hour=HH/} (UTC) of
 * the window's start.
 *
 * <p>File names carry the window start, the pane index and the shard, so every pane of every window
 * is its own file and reruns on any runner produce the same names: {@code
 * dt=2026-11-01/hour=10/part-20261101T100000Z-20261101T110000Z-p0-00000-of-00001.jsonl}. Elements
 * in the global window (a bounded collection that was never windowed) land in the output root as
 * {@code part-00000-of-00001.jsonl}.
 *
 * <p>On an unbounded input the files are committed at checkpoints ({@link CommittedFiles}): a job
 * restored after a failure leaves each file as one uninterrupted run would have. The output is the
 * names of the files written.
 *
 * <pre>{@code
 * jsonLines.apply("WriteAggregates", WindowPartitionedFiles.to("/data/out/aggregates"));
 * }</pre>
 */
@AutoValue
public abstract class WindowPartitionedFiles
    extends PTransform<PCollection<String>, PCollection<String>> {
  abstract String directory();

  abstract String suffix();

  abstract int numShards();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setDirectory(String directory);

    abstract Builder setSuffix(String suffix);

    abstract Builder setNumShards(int shards);

    abstract WindowPartitionedFiles build();
  }

  /** Writes under {@code directory}, one shard per window and pane, suffix {@code .jsonl}. */
  public static WindowPartitionedFiles to(String directory) {
    checkArgument(
        directory != null && !directory.isEmpty(),
        "WindowPartitionedFiles.to: directory must not be empty");
    return new AutoValue_WindowPartitionedFiles.Builder()
        .setDirectory(directory)
        .setSuffix(".jsonl")
        .setNumShards(1)
        .build();
  }

  /** The file name suffix, {@code .jsonl} by default. */
  public WindowPartitionedFiles withSuffix(String suffix) {
    checkArgument(suffix != null, "WindowPartitionedFiles.withSuffix: suffix must not be null");
    return toBuilder().setSuffix(suffix).build();
  }

  /** Shards per window and pane; 1 by default (deterministic file names). */
  public WindowPartitionedFiles withNumShards(int shards) {
    checkArgument(
        shards > 0, "WindowPartitionedFiles.withNumShards: shards must be > 0, got %s", shards);
    return toBuilder().setNumShards(shards).build();
  }

  @Override
  public PCollection<String> expand(PCollection<String> lines) {
    return lines.apply(
        "WriteFiles",
        CommittedFiles.to(directory())
            .withNaming(new PartitionNaming(suffix()))
            .withNumShards(numShards()));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("directory", directory()).withLabel("Output directory"))
        .add(DisplayData.item("suffix", suffix()).withLabel("File suffix"))
        .add(DisplayData.item("numShards", numShards()).withLabel("Shards per window and pane"));
  }

  /** The {@code dt=/hour=} partition of a window start, e.g. {@code dt=2026-11-01/hour=10}. */
  public static String partitionOf(org.joda.time.Instant windowStart) {
    return PARTITION.format(java.time.Instant.ofEpochMilli(windowStart.getMillis()));
  }

  private static final DateTimeFormatter PARTITION =
      DateTimeFormatter.ofPattern("'dt='yyyy-MM-dd'/hour='HH").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter COMPACT =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  static final class PartitionNaming implements FileIO.Write.FileNaming {
    private final String suffix;

    PartitionNaming(String suffix) {
      this.suffix = suffix;
    }

    @Override
    public String getFilename(
        BoundedWindow window,
        PaneInfo pane,
        int numShards,
        int shardIndex,
        Compression compression) {
      String shard =
          String.format("%05d-of-%05d", shardIndex, numShards)
              + suffix
              + compression.getSuggestedSuffix();
      if (!(window instanceof IntervalWindow w)) {
        return "part-" + shard;
      }
      // Start and end to the second: windows shorter than a minute, sliding windows and sessions
      // that start in the same minute must not share (and overwrite) a file.
      return partitionOf(w.start())
          + "/part-"
          + COMPACT.format(java.time.Instant.ofEpochMilli(w.start().getMillis()))
          + "-"
          + COMPACT.format(java.time.Instant.ofEpochMilli(w.end().getMillis()))
          + "-p"
          + pane.getIndex()
          + "-"
          + shard;
    }
  }
}
