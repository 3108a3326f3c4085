package io.tributary.pipelines.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The rule that keeps outputs of different runs apart: a run refuses an output that already holds
 * an earlier run's outputs, unless {@code --overwrite=true}, which replaces them.
 *
 * <p>What counts as "an earlier run's outputs" is {@link PipelineDefinition#runOutputs}: by default
 * the whole output directory; jobs whose datasets are replaced partition by partition (the
 * orders-mart lake) name only their run-scoped files. A run that continues an earlier one (resumed
 * from a savepoint, a watched directory with processed-file markers, each date of a backfill) is
 * not refused: see {@link PipelineDefinition#continuesEarlierRun}.
 *
 * <p>With {@code --overwrite=true} the earlier outputs are moved aside into {@code
 * <output>/.replaced-<run id>/} before the run starts (one rename each, on the same file system),
 * deleted when the run ends {@code DONE}, and moved back when it does not (what the failed run
 * wrote is kept in {@code .failed-<run id>/}), so a reader never finds the two runs mixed and a
 * failed run does not destroy the previous good one. Hidden entries (names starting with {@code .})
 * are never counted as outputs. Only local paths (and {@code file:} URIs) are checked; an
 * object-store output is the caller's to keep apart.
 *
 * <pre>{@code
 * RunOutputs.Replaced aside = RunOutputs.prepare(job, options, runId); // may throw UsageException
 * ... run ...
 * aside.finish(state == PipelineResult.State.DONE);
 * }</pre>
 */
public final class RunOutputs {
  private RunOutputs() {}

  /**
   * Refuses (one line naming {@code --output}) when the run would write beside an earlier run's
   * outputs without {@code --overwrite}.
   */
  public static void check(PipelineDefinition job, PipelineOptions options) throws UsageException {
    if (options.as(RunOptions.class).getOverwrite() || continues(job, options)) {
      return;
    }
    List<String> found = new ArrayList<>();
    Path outputDirectory = localPath(job.outputDirectory(options));
    for (String output : job.runOutputs(options)) {
      Path path = localPath(output);
      if (path != null && holdsSomething(path)) {
        if (path.equals(outputDirectory) && Files.isDirectory(path)) {
          // The whole folder is the run's output: name what is in it, not the folder again.
          found.addAll(visibleEntries(path));
        } else {
          found.add(path.getFileName() == null ? path.toString() : path.getFileName().toString());
        }
      }
    }
    if (!found.isEmpty()) {
      throw new UsageException(
          "--output: "
              + job.outputDirectory(options)
              + " already holds the outputs of an earlier run ("
              + String.join(", ", found)
              + "); choose an empty --output, or pass --overwrite=true to replace them");
    }
  }

  /**
   * Checks, then (with {@code --overwrite=true}) moves the earlier run's outputs aside; the result
   * puts them back or deletes them once the run's outcome is known.
   */
  public static Replaced prepare(PipelineDefinition job, PipelineOptions options, String runId)
      throws UsageException {
    check(job, options);
    if (!options.as(RunOptions.class).getOverwrite() || continues(job, options)) {
      return Replaced.NOTHING;
    }
    Path root = localPath(job.outputDirectory(options));
    if (root == null) {
      return Replaced.NOTHING;
    }
    Path aside = root.resolve(".replaced-" + runId);
    List<Path[]> moved = new ArrayList<>();
    try {
      for (String output : job.runOutputs(options)) {
        Path path = localPath(output);
        if (path == null || !Files.exists(path)) {
          continue;
        }
        if (path.equals(root)) {
          // The whole directory is the run's: move each entry, keep the directory itself.
          try (Stream<Path> entries = Files.list(path)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
              if (!entry.getFileName().toString().startsWith(".")) {
                moved.add(move(entry, aside.resolve(entry.getFileName())));
              }
            }
          }
        } else {
          moved.add(move(path, aside.resolve(root.relativize(path))));
        }
      }
    } catch (IOException e) {
      new Replaced(aside, root.resolve(".failed-" + runId), moved).finish(false);
      throw new UsageException(
          "--overwrite: cannot move the earlier outputs of "
              + root
              + " aside ("
              + e.getMessage()
              + ")");
    }
    return new Replaced(aside, root.resolve(".failed-" + runId), moved);
  }

  /** Earlier outputs moved aside by {@link #prepare}. */
  public static final class Replaced {
    /** Nothing was moved. */
    static final Replaced NOTHING = new Replaced(null, null, List.of());

    private final Path aside;
    private final Path failed;
    private final List<Path[]> moved;

    Replaced(Path aside, Path failed, List<Path[]> moved) {
      this.aside = aside;
      this.failed = failed;
      this.moved = moved;
    }

    /** How many outputs were moved aside. */
    public int count() {
      return moved.size();
    }

    /**
     * Deletes the earlier outputs after a successful run; otherwise moves what the failed run wrote
     * in their place to {@code .failed-<run id>/} (kept for diagnosis) and moves them back.
     */
    public void finish(boolean succeeded) {
      if (aside == null) {
        return;
      }
      try {
        if (!succeeded) {
          for (int i = moved.size() - 1; i >= 0; i--) {
            Path original = moved.get(i)[0];
            if (Files.exists(original)) {
              move(original, failed.resolve(aside.getParent().relativize(original)));
            }
            Files.createDirectories(original.getParent());
            Files.move(moved.get(i)[1], original, StandardCopyOption.ATOMIC_MOVE);
          }
        }
        deleteTree(aside);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "--overwrite: the earlier outputs are kept in " + aside + " (" + e.getMessage() + ")",
            e);
      }
    }
  }

  private static boolean continues(PipelineDefinition job, PipelineOptions options) {
    String savepoint = options.as(FlinkPipelineOptions.class).getSavepointPath();
    return (savepoint != null && !savepoint.isBlank()) || job.continuesEarlierRun(options);
  }

  private static Path[] move(Path from, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    return new Path[] {from, to};
  }

  /** The names of the entries a user sees in {@code dir}, sorted; at most six, then "+N more". */
  private static List<String> visibleEntries(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      List<String> names =
          entries
              .map(p -> p.getFileName().toString())
              .filter(n -> !n.startsWith("."))
              .sorted()
              .collect(java.util.stream.Collectors.toList());
      int shown = 6;
      if (names.size() <= shown) {
        return names;
      }
      List<String> some = new ArrayList<>(names.subList(0, shown));
      some.add("+" + (names.size() - shown) + " more");
      return some;
    } catch (IOException e) {
      return List.of(dir.getFileName() == null ? dir.toString() : dir.getFileName().toString());
    }
  }

  private static boolean holdsSomething(Path path) {
    if (!Files.exists(path)) {
      return false;
    }
    if (!Files.isDirectory(path)) {
      return true;
    }
    try (Stream<Path> entries = Files.list(path)) {
      // Hidden entries (.replaced-*, .failed-*, markers a user keeps there) are not run outputs.
      return entries.anyMatch(p -> !p.getFileName().toString().startsWith("."));
    } catch (IOException e) {
      return true;
    }
  }

  private static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> all = Files.walk(path)) {
      for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  /** The local path of {@code location}, or null for a non-local URI (s3://, gs://, ...). */
  static Path localPath(String location) {
    if (location == null || location.isBlank()) {
      return null;
    }
    if (location.startsWith("file:")) {
      return Path.of(URI.create(location)).toAbsolutePath().normalize();
    }
    if (location.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*")) {
      return null;
    }
    return Path.of(location).toAbsolutePath().normalize();
  }
}
