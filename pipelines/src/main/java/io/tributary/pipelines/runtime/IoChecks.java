package io.tributary.pipelines.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Start-up checks of what a job reads and writes, so a missing input or an unwritable output is a
 * one-line error before any runner starts, not a stack trace minutes later.
 *
 * <pre>{@code
 * IoChecks.requireInput("--input", options.getInput(), options);
 * IoChecks.requireWritableDirectory("--output", options.getOutput());
 * }</pre>
 */
public final class IoChecks {
  private IoChecks() {}

  /**
   * At least one readable file must match {@code spec} (a path or glob on any Beam file system).
   */
  public static void requireInput(String option, String spec, PipelineOptions options)
      throws UsageException {
    if (spec == null || spec.isBlank()) {
      throw new UsageException(option + ": required; expected a file path or glob");
    }
    Path dir = spec.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*") ? null : Path.of(spec);
    if (dir != null && Files.isDirectory(dir)) {
      // A directory is read as the visible files directly inside it (FileSource.glob).
      try (java.util.stream.Stream<Path> entries = Files.list(dir)) {
        if (entries.noneMatch(
            p ->
                Files.isRegularFile(p)
                    && !p.getFileName().toString().startsWith(".")
                    && !p.getFileName().toString().startsWith("_"))) {
          throw new UsageException(option + ": directory '" + spec + "' holds no file to read");
        }
      } catch (IOException e) {
        throw new UsageException(option + ": cannot list directory '" + spec + "'");
      }
      return;
    }
    FileSystems.setDefaultPipelineOptions(options);
    List<MatchResult.Metadata> files;
    try {
      MatchResult match = FileSystems.match(spec, EmptyMatchTreatment.ALLOW);
      files = match.status() == MatchResult.Status.OK ? match.metadata() : List.of();
    } catch (IOException | IllegalArgumentException e) {
      throw new UsageException(option + ": cannot list '" + spec + "': " + e.getMessage());
    }
    if (files.isEmpty()) {
      throw new UsageException(option + ": no file matches '" + spec + "'");
    }
    for (MatchResult.Metadata file : files) {
      String scheme = file.resourceId().getScheme();
      if ("file".equals(scheme) && !Files.isReadable(Path.of(file.resourceId().toString()))) {
        throw new UsageException(option + ": '" + file.resourceId() + "' is not readable");
      }
    }
  }

  /** A local output directory must exist or be creatable, and be writable. */
  public static void requireWritableDirectory(String option, String dir) throws UsageException {
    if (dir == null || dir.isBlank()) {
      throw new UsageException(option + ": required; expected a directory path");
    }
    if (dir.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*") && !dir.startsWith("file://")) {
      return; // remote file systems are checked by the runner when it writes
    }
    Path path = Path.of(dir.startsWith("file://") ? dir.substring("file://".length()) : dir);
    try {
      Files.createDirectories(path);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      throw new UsageException(
          option + ": cannot create directory '" + dir + "': a file of that name exists");
    } catch (java.nio.file.AccessDeniedException e) {
      throw new UsageException(
          option + ": cannot create directory '" + dir + "': permission denied");
    } catch (java.nio.file.FileSystemException e) {
      throw new UsageException(
          option
              + ": cannot create directory '"
              + dir
              + "': "
              + (e.getReason() == null
                  ? "file system error"
                  : e.getReason().toLowerCase(Locale.ROOT)));
    } catch (IOException | SecurityException e) {
      throw new UsageException(option + ": cannot create directory '" + dir + "': not permitted");
    }
    if (!Files.isDirectory(path) || !Files.isWritable(path)) {
      throw new UsageException(option + ": '" + dir + "' is not a writable directory");
    }
  }
}
