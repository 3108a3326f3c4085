package io.tributary.io.files;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Writes text lines to files named by window, pane and shard, so that a streaming job that fails
 * and restores from a checkpoint leaves every file exactly as one uninterrupted run would have.
 *
 * <p>Why not {@code FileIO.write()} alone: Beam's {@code WriteFiles} makes its files visible as
 * soon as a pane is written. After a failure Flink restores the last checkpoint and computes again
 * what came after it, and the panes of that second attempt need not hold the same elements (the
 * watermark arrives at another moment, so a window's on-time pane takes events that were a late
 * pane before). The first attempt's late-pane file stays, and the events in it are counted twice.
 * (A kill -9 drill that counted 2,008 events for 2,000 was first blamed on this; its cause was
 * Beam's {@code --fasterCopy} with checkpoints, see docs/operations.md. The file-side gap is real
 * all the same: it follows from how FileIO names and publishes panes.)
 *
 * <p>How this one stays exact on an unbounded input:
 *
 * <ul>
 *   <li>Lines are grouped per window and shard ({@code hash(line) mod shards}), with the input's
 *       windowing and trigger, as {@code WriteFiles} does.
 *   <li>The writer is {@code @RequiresStableInput}: on Flink a pane is written only once the
 *       checkpoint that holds it has completed, and after a restore the runner hands the writer the
 *       very panes that checkpoint held. A pane computed after the last completed checkpoint is
 *       never visible before it is computed again.
 *   <li>Each pane goes to a hidden temporary file next to its target and is then renamed over it
 *       (atomic on local and POSIX file systems), so writing a pane again replaces the file with
 *       the same lines.
 * </ul>
 *
 * <p>The price: files appear one checkpoint interval late on Flink, as with the exactly-once Kafka
 * sink. On Flink the committed path needs checkpointing in {@code EXACTLY_ONCE} mode ({@code
 * --checkpointingInterval}); a streaming Flink job without checkpointing, and every bounded input,
 * is written by {@code FileIO.write()} with the same naming (no checkpoint means no restore to
 * guard against). A job that dies while renaming may leave a {@code .tributary-pending-*} file;
 * readers skip names that start with a dot, retention may delete them.
 *
 * <pre>{@code
 * PCollection<String> written =
 *     lines.apply("Write", CommittedFiles.to("/data/out/aggregates")
 *         .withNaming(FileIO.Write.defaultNaming("part", ".jsonl")));
 * }</pre>
 */
@AutoValue
public abstract class CommittedFiles extends PTransform<PCollection<String>, PCollection<String>> {
  /** The prefix of a pane's temporary file, hidden from readers that skip dot files. */
  public static final String PENDING_PREFIX = ".tributary-pending-";

  abstract String directory();

  abstract FileIO.Write.@Nullable FileNaming naming();

  abstract int numShards();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setDirectory(String directory);

    abstract Builder setNaming(FileIO.Write.FileNaming naming);

    abstract Builder setNumShards(int shards);

    abstract CommittedFiles build();
  }

  /** Writes under {@code directory}; set the file names with {@link #withNaming}. */
  public static CommittedFiles to(String directory) {
    checkArgument(
        directory != null && !directory.isEmpty(),
        "CommittedFiles.to: directory must not be empty");
    return new AutoValue_CommittedFiles.Builder().setDirectory(directory).setNumShards(1).build();
  }

  /** How a window, pane and shard name a file (relative to the directory). Required. */
  public CommittedFiles withNaming(FileIO.Write.FileNaming naming) {
    checkArgument(naming != null, "CommittedFiles.withNaming: naming must not be null");
    return toBuilder().setNaming(naming).build();
  }

  /** Files per window and pane; 1 by default. */
  public CommittedFiles withNumShards(int shards) {
    checkArgument(shards > 0, "CommittedFiles.withNumShards: shards must be > 0, got %s", shards);
    return toBuilder().setNumShards(shards).build();
  }

  @Override
  public PCollection<String> expand(PCollection<String> lines) {
    FileIO.Write.FileNaming naming = naming();
    checkArgument(naming != null, "CommittedFiles: call withNaming(...) before applying it");
    if (!commitsAtCheckpoints(lines)) {
      return lines
          .apply(
              "WriteFiles",
              FileIO.<String>write()
                  .via(TextIO.sink())
                  .to(directory())
                  .withNaming(naming)
                  .withNumShards(numShards()))
          .getPerDestinationOutputFilenames()
          .apply("FileNames", Values.create());
    }
    int shards = numShards();
    return lines
        .apply("Shard", ParDo.of(new ShardFn(shards)))
        .setCoder(KvCoder.of(VarIntCoder.of(), StringUtf8Coder.of()))
        .apply("GroupPanes", GroupByKey.create())
        .apply("CommitPanes", ParDo.of(new CommitPaneFn(directory(), naming, shards)))
        .setCoder(StringUtf8Coder.of());
  }

  /**
   * True when {@code input} is written through the checkpoint-committed path: an unbounded input,
   * on any runner but Flink, or on Flink with checkpointing in EXACTLY_ONCE mode.
   */
  public static boolean commitsAtCheckpoints(PCollection<?> input) {
    if (input.isBounded() == PCollection.IsBounded.BOUNDED) {
      return false;
    }
    PipelineOptions options = input.getPipeline().getOptions();
    if (!options.getRunner().getSimpleName().contains("Flink")) {
      return true;
    }
    CheckpointingView flink = options.as(CheckpointingView.class);
    Long interval = flink.getCheckpointingInterval();
    String mode = flink.getCheckpointingMode();
    return interval != null && interval > 0 && (mode == null || mode.equals("EXACTLY_ONCE"));
  }

  /**
   * The two settings of Beam's Flink runner options this transform reads, by name (options share
   * values by property name), so that this module does not depend on the Flink runner. The defaults
   * are the runner's own: Beam refuses a property whose getters disagree on them.
   */
  public interface CheckpointingView extends PipelineOptions {
    /** {@code --checkpointingInterval} in milliseconds; not positive: no checkpoints. */
    @Default.Long(-1L)
    Long getCheckpointingInterval();

    void setCheckpointingInterval(Long interval);

    /** {@code --checkpointingMode}: EXACTLY_ONCE or AT_LEAST_ONCE. */
    @Default.String("EXACTLY_ONCE")
    String getCheckpointingMode();

    void setCheckpointingMode(String mode);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("directory", directory()).withLabel("Output directory"))
        .add(DisplayData.item("numShards", numShards()).withLabel("Shards per window and pane"));
  }

  /** A line's shard: a hash of its text, so a pane computed again keeps its lines together. */
  static final class ShardFn extends DoFn<String, KV<Integer, String>> {
    private final int shards;

    ShardFn(int shards) {
      this.shards = shards;
    }

    @ProcessElement
    public void process(@Element String line, OutputReceiver<KV<Integer, String>> out) {
      out.output(KV.of(shards == 1 ? 0 : Math.floorMod(line.hashCode(), shards), line));
    }
  }

  /** Writes one pane of one shard, once its checkpoint has completed; outputs the file's name. */
  static final class CommitPaneFn extends DoFn<KV<Integer, Iterable<String>>, String> {
    private final String directory;
    private final FileIO.Write.FileNaming naming;
    private final int shards;

    CommitPaneFn(String directory, FileIO.Write.FileNaming naming, int shards) {
      this.directory = directory;
      this.naming = naming;
      this.shards = shards;
    }

    @RequiresStableInput
    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<String>> pane,
        BoundedWindow window,
        PaneInfo paneInfo,
        OutputReceiver<String> out)
        throws IOException {
      String name =
          naming.getFilename(window, paneInfo, shards, pane.getKey(), Compression.UNCOMPRESSED);
      out.output(commit(directory, name, pane.getValue()).toString());
    }
  }

  /**
   * Writes {@code lines} to {@code name} under {@code directory} through a hidden temporary file
   * renamed over the target; writing the same lines again leaves the same file.
   */
  static ResourceId commit(String directory, String name, Iterable<String> lines)
      throws IOException {
    ResourceId target =
        FileSystems.matchNewResource(directory, true)
            .resolve(name, StandardResolveOptions.RESOLVE_FILE);
    ResourceId pending =
        target
            .getCurrentDirectory()
            .resolve(
                PENDING_PREFIX + target.getFilename() + "-" + UUID.randomUUID(),
                StandardResolveOptions.RESOLVE_FILE);
    try (OutputStream os = Channels.newOutputStream(FileSystems.create(pending, "text/plain"))) {
      for (String line : lines) {
        os.write(line.getBytes(StandardCharsets.UTF_8));
        os.write('\n');
      }
    }
    FileSystems.rename(List.of(pending), List.of(target));
    return target;
  }
}
