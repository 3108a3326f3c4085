package io.tributary.io.files;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.metrics.LiveMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MetadataCoderV2;
import org.apache.beam.sdk.io.fs.ResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.Watch;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.util.MimeTypes;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * One file source for batch and streaming: a glob read once ({@link #glob}, bounded) or a watched
 * directory polled for new files ({@link #watch}, unbounded), producing {@link
 * FileIO.ReadableFile}s that {@code ReadRows} decodes in any format.
 *
 * <p>Watching uses Beam's {@link Watch} (as {@code FileIO.match().continuously} does) with a {@link
 * WatermarkPolicy} for the watermark, and stops after {@link #withStopAfterIdle} without a new file
 * (never, by default). Event time is then taken from a record field downstream ({@code
 * EventTime.fromField}).
 *
 * <p><b>Directories.</b> A pattern that names a directory (an existing local directory, or any path
 * or URI ending in {@code /}) reads the files directly inside it, not in its subdirectories, and
 * skips hidden files whose names start with {@code .} or {@code _} (temporary files being written,
 * {@code _SUCCESS} markers). {@link #glob} fails when the pipeline is built if nothing matches
 * ({@code FileSource.glob: no file matches '<pattern>'}): a batch run over no input is almost
 * always a wrong path. {@link #watch} accepts an empty directory, files may come later.
 *
 * <p><b>Restarts.</b> Beam remembers the files a watch has seen only in pipeline state. Restored
 * from a checkpoint or savepoint, a job continues where it was. Started fresh, Beam alone would
 * read every file again. With {@link #withProcessedFileMarkers(String)} each file gets a marker
 * ({@code <dir>/<sha256 of path>.done}) as soon as it is matched, and a freshly started pipeline
 * skips every file that had a marker <em>when the pipeline was constructed</em> (counted in {@code
 * tributary/files_skipped}). Taking the snapshot at construction keeps failover inside a running
 * job correct: a task restored from a checkpoint re-emits files matched after that checkpoint, and
 * they are not skipped. The price: a file whose marker was written but whose records had not
 * reached the sinks when a job died is not re-read by a fresh start (at-most-once for files in
 * flight); delete its marker to ingest it again. A file replaced under the same name is not re-read
 * either (Beam's watch keys files by name).
 *
 * <pre>{@code
 * PCollection<Row> events = pipeline
 *     .apply("WatchInput", FileSource.watch("/data/in/*.jsonl")
 *         .withPollInterval(Duration.standardSeconds(10))
 *         .withWatermarkPolicy(WatermarkPolicy.arrivalTimeMinus(Duration.standardMinutes(5)))
 *         .withProcessedFileMarkers("/data/state/markers"))
 *     .apply("Decode", ReadRows.of(FileFormat.JSONL, registry.latest("clickstream-event")))
 *     .apply("EventTime", EventTime.fromField("event_time"));
 * }</pre>
 */
@AutoValue
public abstract class FileSource extends PTransform<PBegin, PCollection<FileIO.ReadableFile>> {
  /** Counter of files skipped because a processed-file marker existed. */
  public static final String FILES_SKIPPED = "files_skipped";

  abstract String filepattern();

  abstract boolean watching();

  abstract Duration pollInterval();

  abstract @Nullable Duration stopAfterIdle();

  abstract WatermarkPolicy watermarkPolicy();

  abstract @Nullable String markerDirectory();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setFilepattern(String p);

    abstract Builder setWatching(boolean w);

    abstract Builder setPollInterval(Duration d);

    abstract Builder setStopAfterIdle(@Nullable Duration d);

    abstract Builder setWatermarkPolicy(WatermarkPolicy w);

    abstract Builder setMarkerDirectory(@Nullable String d);

    abstract FileSource build();
  }

  /**
   * Reads the files matching {@code filepattern} (or directly inside a directory) once: a bounded
   * source.
   */
  public static FileSource glob(String filepattern) {
    return create(filepattern, false);
  }

  /** Polls {@code filepattern} for new files: an unbounded source (every 10 s by default). */
  public static FileSource watch(String filepattern) {
    return create(filepattern, true);
  }

  private static FileSource create(String filepattern, boolean watching) {
    checkArgument(
        filepattern != null && !filepattern.isBlank(), "FileSource: filepattern must not be empty");
    return new AutoValue_FileSource.Builder()
        .setFilepattern(filepattern)
        .setWatching(watching)
        .setPollInterval(Duration.standardSeconds(10))
        .setWatermarkPolicy(WatermarkPolicy.arrivalTime())
        .build();
  }

  /** How often a watch lists the directory. */
  public FileSource withPollInterval(Duration interval) {
    checkArgument(
        interval != null && interval.isLongerThan(Duration.ZERO),
        "FileSource.withPollInterval: interval must be > 0, got %s",
        interval);
    return toBuilder().setPollInterval(interval).build();
  }

  /**
   * Stops watching after {@code idle} without a new file; the source then ends (bounded tests,
   * backfills).
   */
  public FileSource withStopAfterIdle(Duration idle) {
    checkArgument(
        idle != null && idle.isLongerThan(Duration.ZERO),
        "FileSource.withStopAfterIdle: idle must be > 0, got %s",
        idle);
    return toBuilder().setStopAfterIdle(idle).build();
  }

  /** The watermark of a watch; {@link WatermarkPolicy#arrivalTime()} by default. */
  public FileSource withWatermarkPolicy(WatermarkPolicy policy) {
    checkArgument(policy != null, "FileSource.withWatermarkPolicy: policy must not be null");
    return toBuilder().setWatermarkPolicy(policy).build();
  }

  /**
   * Writes a marker per matched file under {@code directory} and skips marked files on a fresh
   * start.
   */
  public FileSource withProcessedFileMarkers(String directory) {
    checkArgument(
        directory != null && !directory.isBlank(),
        "FileSource.withProcessedFileMarkers: directory must not be empty");
    return toBuilder().setMarkerDirectory(directory).build();
  }

  /** The glob of a directory's files, or null when {@code pattern} is not a directory. */
  static @Nullable String directoryGlob(String pattern) {
    if (pattern.endsWith("/")) {
      return pattern + "*";
    }
    if (pattern.contains("*") || pattern.contains("?") || pattern.contains("[")) {
      return null;
    }
    Path local;
    try {
      if (pattern.startsWith("file:")) {
        local = Path.of(java.net.URI.create(pattern));
      } else if (pattern.matches("[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
        return null; // a remote URI names a directory by its trailing '/'
      } else {
        local = Path.of(pattern);
      }
    } catch (IllegalArgumentException notAPath) { // InvalidPathException too
      return null;
    }
    return java.nio.file.Files.isDirectory(local) ? local + "/*" : null;
  }

  /** Hidden files of a directory: names starting with '.' or '_'. */
  static boolean visible(MatchResult.Metadata file) {
    String name = file.resourceId().getFilename();
    return name == null || !(name.startsWith(".") || name.startsWith("_"));
  }

  @Override
  public PCollection<FileIO.ReadableFile> expand(PBegin begin) {
    String directory = directoryGlob(filepattern());
    String pattern = directory == null ? filepattern() : directory;
    PCollection<MatchResult.Metadata> matches;
    if (!watching()) {
      checkSomethingMatches(pattern, directory != null);
      matches = begin.apply("Match", FileIO.match().filepattern(pattern));
    } else {
      Watch.Growth.TerminationCondition<String, ?> stop =
          stopAfterIdle() == null
              ? Watch.Growth.never()
              : Watch.Growth.afterTimeSinceNewOutput(stopAfterIdle());
      matches =
          begin
              .apply("Pattern", Create.of(pattern).withCoder(StringUtf8Coder.of()))
              .apply(
                  "Watch",
                  Watch.growthOf(
                          org.apache.beam.sdk.transforms.Contextful.of(
                              new PollFn(watermarkPolicy()),
                              org.apache.beam.sdk.transforms.Requirements.empty()),
                          (MatchResult.Metadata m) -> m.resourceId().toString())
                      .withOutputCoder(MetadataCoderV2.of())
                      .withOutputKeyCoder(StringUtf8Coder.of())
                      .withPollInterval(pollInterval())
                      .withTerminationPerInput(stop))
              .apply("Files", Values.create());
    }
    if (directory != null) {
      matches = matches.apply("SkipHidden", Filter.by(FileSource::visible));
    }
    if (markerDirectory() != null) {
      matches =
          matches
              .apply(
                  "SkipProcessed",
                  ParDo.of(new MarkerFn(markerDirectory(), existingMarkers(markerDirectory()))))
              .setCoder(MetadataCoderV2.of());
    }
    return matches.apply("Open", FileIO.readMatches());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("filepattern", filepattern()).withLabel("File pattern"))
        .add(DisplayData.item("mode", watching() ? "watch" : "glob").withLabel("Mode"))
        .add(DisplayData.item("pollInterval", pollInterval()).withLabel("Poll interval"))
        .addIfNotNull(
            DisplayData.item("stopAfterIdle", stopAfterIdle()).withLabel("Stop after idle"))
        .add(
            DisplayData.item("watermarkPolicy", watermarkPolicy().toString())
                .withLabel("Watermark policy"))
        .addIfNotNull(
            DisplayData.item("markerDirectory", markerDirectory())
                .withLabel("Processed-file markers"));
  }

  private void checkSomethingMatches(String pattern, boolean directory) {
    List<MatchResult.Metadata> found;
    try {
      found = FileSystems.match(pattern, EmptyMatchTreatment.ALLOW).metadata();
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "FileSource.glob: cannot list '" + filepattern() + "': " + e.getMessage(), e);
    }
    checkArgument(
        found.stream().anyMatch(m -> !directory || visible(m)),
        "FileSource.glob: no file matches '%s'",
        filepattern());
  }

  static final class PollFn extends Watch.Growth.PollFn<String, MatchResult.Metadata> {
    private final WatermarkPolicy policy;

    PollFn(WatermarkPolicy policy) {
      this.policy = policy;
    }

    @Override
    public Watch.Growth.PollResult<MatchResult.Metadata> apply(String pattern, Context c)
        throws Exception {
      Instant watermark = policy.watermarkAt(Instant.now());
      List<MatchResult.Metadata> files =
          FileSystems.match(pattern, EmptyMatchTreatment.ALLOW).metadata();
      return Watch.Growth.PollResult.incomplete(watermark, files).withWatermark(watermark);
    }
  }

  /** The paths recorded in the markers that exist now (pipeline construction time). */
  static Set<String> existingMarkers(String directory) {
    Set<String> paths = new HashSet<>();
    try {
      ResourceId dir = FileSystems.matchNewResource(directory, true);
      String glob =
          dir.resolve("*.done", ResolveOptions.StandardResolveOptions.RESOLVE_FILE).toString();
      for (MatchResult.Metadata m : FileSystems.match(glob, EmptyMatchTreatment.ALLOW).metadata()) {
        try (java.io.InputStream in = Channels.newInputStream(FileSystems.open(m.resourceId()))) {
          String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
          int nl = text.indexOf('\n');
          paths.add(nl < 0 ? text : text.substring(0, nl));
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "FileSource.withProcessedFileMarkers: cannot list markers in '"
              + directory
              + "': "
              + e.getMessage(),
          e);
    }
    return paths;
  }

  static String markerName(String path) throws Exception {
    return HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256").digest(path.getBytes(StandardCharsets.UTF_8)))
        + ".done";
  }

  static final class MarkerFn extends DoFn<MatchResult.Metadata, MatchResult.Metadata> {
    private final String directory;
    private final Set<String> processedAtConstruction;
    private transient Counter skipped;

    MarkerFn(String directory, Set<String> processedAtConstruction) {
      this.directory = directory;
      this.processedAtConstruction = new HashSet<>(processedAtConstruction);
    }

    @Setup
    public void setup() {
      skipped = LiveMetrics.counter(DeadLetters.NAMESPACE, FILES_SKIPPED);
    }

    @ProcessElement
    public void process(
        @Element MatchResult.Metadata file, OutputReceiver<MatchResult.Metadata> out)
        throws Exception {
      String path = file.resourceId().toString();
      if (processedAtConstruction.contains(path)) {
        skipped.inc();
        return;
      }
      ResourceId marker =
          FileSystems.matchNewResource(directory, true)
              .resolve(markerName(path), ResolveOptions.StandardResolveOptions.RESOLVE_FILE);
      try (OutputStream o = Channels.newOutputStream(FileSystems.create(marker, MimeTypes.TEXT))) {
        o.write(
            (path
                    + "\nsize="
                    + file.sizeBytes()
                    + " lastModifiedMillis="
                    + file.lastModifiedMillis()
                    + " markedAt="
                    + Instant.now()
                    + "\n")
                .getBytes(StandardCharsets.UTF_8));
      }
      out.output(file);
    }
  }
}
