package io.tributary.pipelines.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.transforms.values.Durations;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * Retention: per dataset, date partitions ({@code dt=YYYY-MM-DD}) older than the retention period
 * are deleted or moved to a cold prefix, and every action is reported.
 *
 * <p>The config file:
 *
 * <pre>{@code
 * {"datasets": [
 *   {"name": "clickstream-aggregates", "path": "/data/out/aggregates", "keep": "30d", "action": "delete"},
 *   {"name": "clickstream-dead-letters", "path": "/data/out/dead-letter", "keep": "7d",
 *    "action": "move", "cold": "/data/cold/dead-letter"}]}
 *
 * List<Retention.Action> done = Retention.load(Path.of("retention.json")).apply(LocalDate.now(), false);
 * }</pre>
 *
 * <p>A partition dated D is expired when D is before {@code today - keep}; today's partition and
 * the {@code keep} days before it stay. A dataset whose files are not in date partitions (dead
 * letters, named by run and shard) sets {@code "by": "modified"}: then each file is dated by its
 * last-modified time (UTC) and expires by the same rule; hidden files ({@code .name}, e.g. the
 * pending files of a running job) are never touched. A {@code path} given as a URI ({@code
 * s3://...}, {@code gs://...}, {@code file://...}) is handled through Beam's FileSystems, so any
 * file system registered on the classpath works.
 */
public final class Retention {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final List<Policy> policies;

  private Retention(List<Policy> policies) {
    this.policies = policies;
  }

  /** One dataset's rule. */
  static final class Policy {
    final String name;
    final Path path;
    final int keepDays;
    final boolean move;
    final Path cold;

    /** Files dated by their last-modified time instead of {@code dt=} partitions. */
    final boolean byModified;

    /**
     * The path as configured, and its cold prefix; a URI (s3://, gs://, file://...) goes through
     * Beam FileSystems.
     */
    final String spec;

    final String coldSpec;

    Policy(
        String name, String spec, int keepDays, boolean move, String coldSpec, boolean byModified) {
      this.name = name;
      this.byModified = byModified;
      this.spec = spec;
      this.coldSpec = coldSpec;
      this.path = uri(spec) ? null : Path.of(spec);
      this.keepDays = keepDays;
      this.move = move;
      this.cold = coldSpec == null || uri(coldSpec) ? null : Path.of(coldSpec);
    }

    boolean onFileSystems() {
      return uri(spec);
    }
  }

  static boolean uri(String path) {
    return path.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*");
  }

  /** What was (or, in a dry run, would be) done to one partition. */
  public static final class Action {
    private final String dataset;
    private final String partition;
    private final String action;
    private final long files;
    private final long bytes;
    private final String target;
    private final boolean file;

    Action(String dataset, String partition, String action, long files, long bytes, String target) {
      this(dataset, partition, action, files, bytes, target, false);
    }

    Action(
        String dataset,
        String partition,
        String action,
        long files,
        long bytes,
        String target,
        boolean file) {
      this.file = file;
      this.dataset = dataset;
      this.partition = partition;
      this.action = action;
      this.files = files;
      this.bytes = bytes;
      this.target = target;
    }

    /** Whether this expired one file (a {@code "by": "modified"} dataset), not a partition. */
    public boolean isFile() {
      return file;
    }

    /** e.g. {@code clickstream-aggregates dt=2026-10-01: deleted (24 files, 31,337 bytes)}. */
    @Override
    public String toString() {
      return String.format(
          "%s %s: %s (%d files, %d bytes)%s",
          dataset, partition, action, files, bytes, target == null ? "" : " -> " + target);
    }

    /** As a JSON object, for the audit file. */
    public ObjectNode toJson() {
      ObjectNode n = MAPPER.createObjectNode();
      n.put("dataset", dataset)
          .put("partition", partition)
          .put("action", action)
          .put("files", files)
          .put("bytes", bytes);
      if (target != null) {
        n.put("target", target);
      }
      return n;
    }
  }

  /** Reads a config; errors name the dataset and the field. */
  public static Retention load(Path config) throws UsageException {
    JsonNode root;
    try {
      root = MAPPER.readTree(Files.readString(config));
    } catch (IOException e) {
      throw new UsageException("--config: cannot read '" + config + "' as JSON");
    }
    if (root == null || !root.path("datasets").isArray() || root.path("datasets").size() == 0) {
      throw new UsageException(
          "--config: "
              + config
              + ": expected {\"datasets\": [{\"name\", \"path\", \"keep\", \"action\"}]}");
    }
    List<Policy> policies = new ArrayList<>();
    for (JsonNode d : root.path("datasets")) {
      String name = d.path("name").asText("");
      String where = "--config: dataset '" + name + "': ";
      if (name.isEmpty() || d.path("path").asText("").isEmpty()) {
        throw new UsageException("--config: every dataset needs \"name\" and \"path\"");
      }
      long keepMs;
      try {
        keepMs = Durations.parse(d.path("keep").asText(""), "keep").getMillis();
      } catch (IllegalArgumentException e) {
        throw new UsageException(where + e.getMessage());
      }
      if (keepMs % 86_400_000L != 0) {
        throw new UsageException(where + "keep must be whole days for date partitions, e.g. 30d");
      }
      String action = d.path("action").asText("delete");
      if (!action.equals("delete") && !action.equals("move")) {
        throw new UsageException(where + "action must be delete or move, got '" + action + "'");
      }
      if (action.equals("move") && d.path("cold").asText("").isEmpty()) {
        throw new UsageException(
            where + "action move needs \"cold\": the directory to move partitions to");
      }
      String path = d.path("path").asText();
      String cold = action.equals("move") ? d.path("cold").asText() : null;
      if (cold != null && uri(path) != uri(cold)) {
        throw new UsageException(
            where + "\"path\" and \"cold\" must both be local paths or both URIs");
      }
      String by = d.path("by").asText("partition");
      if (!by.equals("partition") && !by.equals("modified")) {
        throw new UsageException(
            where
                + "by must be partition (dt=YYYY-MM-DD directories) or modified, got '"
                + by
                + "'");
      }
      policies.add(
          new Policy(
              name,
              path,
              (int) (keepMs / 86_400_000L),
              action.equals("move"),
              cold,
              by.equals("modified")));
    }
    return new Retention(policies);
  }

  /** Applies every policy as of {@code today}; with {@code dryRun} only reports. */
  public List<Action> apply(LocalDate today, boolean dryRun) throws IOException {
    List<Action> actions = new ArrayList<>();
    for (Policy p : policies) {
      LocalDate oldestKept = today.minusDays(p.keepDays);
      if (p.onFileSystems()) {
        actions.addAll(applyOnFileSystems(p, oldestKept, dryRun));
        continue;
      }
      if (!Files.isDirectory(p.path)) {
        continue;
      }
      if (p.byModified) {
        actions.addAll(applyByModified(p, oldestKept, dryRun));
        continue;
      }
      List<Path> partitions = new ArrayList<>();
      try (DirectoryStream<Path> dirs = Files.newDirectoryStream(p.path, "dt=*")) {
        dirs.forEach(partitions::add);
      }
      partitions.sort(null);
      for (Path partition : partitions) {
        LocalDate date;
        try {
          date = LocalDate.parse(partition.getFileName().toString().substring(3));
        } catch (DateTimeParseException e) {
          continue; // not a date partition; never touch what we cannot date
        }
        if (!date.isBefore(oldestKept)) {
          continue;
        }
        long[] size = size(partition);
        String name = partition.getFileName().toString();
        if (p.move) {
          Path target = p.cold.resolve(name);
          if (!dryRun) {
            Files.createDirectories(p.cold);
            moveTree(partition, target);
          }
          actions.add(
              new Action(p.name, name, verb(p, dryRun), size[0], size[1], target.toString()));
        } else {
          if (!dryRun) {
            deleteTree(partition);
          }
          actions.add(new Action(p.name, name, verb(p, dryRun), size[0], size[1], null));
        }
      }
    }
    return actions;
  }

  /**
   * The rule for files that are not in date partitions: a file last modified (UTC) before {@code
   * oldestKept} is deleted, or moved under the cold directory at the same relative path. Hidden
   * files and directories ({@code .name}) are skipped: they are a running job's pending files.
   */
  private static List<Action> applyByModified(Policy p, LocalDate oldestKept, boolean dryRun)
      throws IOException {
    long cutoff = startOfDayMillis(oldestKept);
    List<Path> expired = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(p.path)) {
      for (Path f : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
        boolean hidden = false;
        for (Path part : p.path.relativize(f)) {
          hidden |= part.toString().startsWith(".");
        }
        if (!hidden && Files.getLastModifiedTime(f).toMillis() < cutoff) {
          expired.add(f);
        }
      }
    }
    expired.sort(null);
    List<Action> actions = new ArrayList<>();
    for (Path f : expired) {
      String relative = p.path.relativize(f).toString();
      long bytes = Files.size(f);
      if (p.move) {
        Path target = p.cold.resolve(relative);
        if (!dryRun) {
          if (Files.exists(target)) {
            throw new IOException(
                "retention: cold target " + target + " already exists; not overwriting it");
          }
          Files.createDirectories(target.getParent());
          Files.move(f, target);
        }
        actions.add(
            new Action(p.name, relative, verb(p, dryRun), 1, bytes, target.toString(), true));
      } else {
        if (!dryRun) {
          Files.delete(f);
        }
        actions.add(new Action(p.name, relative, verb(p, dryRun), 1, bytes, null, true));
      }
    }
    return actions;
  }

  /**
   * The same rule through Beam's {@link FileSystems}, for a dataset given as a URI: any file system
   * registered on the classpath (object stores such as {@code s3://} or {@code gs://} need their
   * Beam IO module; {@code file://} is always there). Object stores have no directories: a
   * partition is the set of objects under {@code <path>/dt=YYYY-MM-DD/}; they are deleted, or
   * renamed under the cold prefix (copy and delete on object stores). On {@code file://} the
   * emptied partition directory itself stays.
   */
  private static List<Action> applyOnFileSystems(Policy p, LocalDate oldestKept, boolean dryRun)
      throws IOException {
    // Registers every file system on the classpath (s3, gs, hdfs...), not only the local one.
    FileSystems.setDefaultPipelineOptions(
        org.apache.beam.sdk.options.PipelineOptionsFactory.create());
    String root = p.spec.endsWith("/") ? p.spec : p.spec + "/";
    if (p.byModified) {
      return applyByModifiedOnFileSystems(p, root, oldestKept, dryRun);
    }
    MatchResult match = FileSystems.match(root + "dt=*/**", EmptyMatchTreatment.ALLOW);
    Map<String, List<MatchResult.Metadata>> byPartition = new TreeMap<>();
    Pattern partitionOf = Pattern.compile("/(dt=[^/]+)/(.+)$");
    for (MatchResult.Metadata m :
        match.status() == MatchResult.Status.OK
            ? match.metadata()
            : List.<MatchResult.Metadata>of()) {
      Matcher pm = partitionOf.matcher(m.resourceId().toString());
      if (pm.find() && !m.resourceId().isDirectory()) {
        byPartition.computeIfAbsent(pm.group(1), k -> new ArrayList<>()).add(m);
      }
    }
    List<Action> actions = new ArrayList<>();
    for (Map.Entry<String, List<MatchResult.Metadata>> part : byPartition.entrySet()) {
      LocalDate date;
      try {
        date = LocalDate.parse(part.getKey().substring(3));
      } catch (DateTimeParseException e) {
        continue; // never touch what we cannot date
      }
      if (!date.isBefore(oldestKept)) {
        continue;
      }
      List<ResourceId> files = new ArrayList<>();
      long bytes = 0;
      for (MatchResult.Metadata m : part.getValue()) {
        files.add(m.resourceId());
        bytes += m.sizeBytes();
      }
      if (p.move) {
        String coldRoot = p.coldSpec.endsWith("/") ? p.coldSpec : p.coldSpec + "/";
        String target = coldRoot + part.getKey();
        if (!FileSystems.match(target + "/**", EmptyMatchTreatment.ALLOW).metadata().isEmpty()) {
          throw new IOException(
              "retention: cold target " + target + " already exists; not overwriting it");
        }
        if (!dryRun) {
          List<ResourceId> targets = new ArrayList<>();
          for (MatchResult.Metadata m : part.getValue()) {
            Matcher pm = partitionOf.matcher(m.resourceId().toString());
            pm.find();
            String dst = target + "/" + pm.group(2);
            // Beam's LocalFileSystem reads "file:///x" as the relative path "file:/x": give it the
            // path.
            targets.add(
                FileSystems.matchNewResource(
                    dst.startsWith("file://") ? dst.substring(7) : dst, false));
          }
          FileSystems.rename(files, targets);
        }
        actions.add(
            new Action(p.name, part.getKey(), verb(p, dryRun), files.size(), bytes, target));
      } else {
        if (!dryRun) {
          FileSystems.delete(files, MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
        }
        actions.add(new Action(p.name, part.getKey(), verb(p, dryRun), files.size(), bytes, null));
      }
    }
    return actions;
  }

  /**
   * {@link #applyByModified} through Beam's {@link FileSystems}: objects whose last-modified time
   * the file system reports (objects without one are never touched).
   */
  private static List<Action> applyByModifiedOnFileSystems(
      Policy p, String root, LocalDate oldestKept, boolean dryRun) throws IOException {
    long cutoff = startOfDayMillis(oldestKept);
    MatchResult match = FileSystems.match(root + "**", EmptyMatchTreatment.ALLOW);
    // The matched resources name local files by their path, without "file://".
    String base =
        FileSystems.matchNewResource(root.startsWith("file://") ? root.substring(7) : root, true)
            .toString();
    List<Action> actions = new ArrayList<>();
    List<ResourceId> expired = new ArrayList<>();
    List<ResourceId> targets = new ArrayList<>();
    for (MatchResult.Metadata m :
        match.status() == MatchResult.Status.OK
            ? match.metadata()
            : List.<MatchResult.Metadata>of()) {
      String name = m.resourceId().toString();
      if (m.resourceId().isDirectory() || !name.startsWith(base)) {
        continue;
      }
      String relative = name.substring(base.length());
      if (("/" + relative).contains("/.")
          || m.lastModifiedMillis() <= 0
          || m.lastModifiedMillis() >= cutoff) {
        continue;
      }
      expired.add(m.resourceId());
      String target = null;
      if (p.move) {
        String coldRoot = p.coldSpec.endsWith("/") ? p.coldSpec : p.coldSpec + "/";
        target = coldRoot + relative;
        targets.add(
            FileSystems.matchNewResource(
                target.startsWith("file://") ? target.substring(7) : target, false));
      }
      actions.add(new Action(p.name, relative, verb(p, dryRun), 1, m.sizeBytes(), target, true));
    }
    if (!dryRun && !expired.isEmpty()) {
      if (p.move) {
        FileSystems.rename(expired, targets);
      } else {
        FileSystems.delete(expired, MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
      }
    }
    return actions;
  }

  /** What the policy does (or, in a dry run, would do) to what expired. */
  private static String verb(Policy p, boolean dryRun) {
    if (p.move) {
      return dryRun ? "would move" : "moved";
    }
    return dryRun ? "would delete" : "deleted";
  }

  /** The first millisecond of {@code day} in UTC: files modified before it are older than it. */
  private static long startOfDayMillis(LocalDate day) {
    return day.atStartOfDay(java.time.ZoneOffset.UTC).toInstant().toEpochMilli();
  }

  /** The audit record of one retention run. */
  public static String audit(LocalDate today, boolean dryRun, List<Action> actions) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("run_at", java.time.Instant.now().toString())
        .put("as_of", today.toString())
        .put("dry_run", dryRun);
    ArrayNode list = n.putArray("actions");
    actions.forEach(a -> list.add(a.toJson()));
    return n.toString();
  }

  private static long[] size(Path dir) throws IOException {
    long[] filesAndBytes = new long[2];
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
        filesAndBytes[0]++;
        filesAndBytes[1] += Files.size(f);
      }
    }
    return filesAndBytes;
  }

  private static void moveTree(Path from, Path to) throws IOException {
    if (Files.exists(to)) {
      throw new IOException("retention: cold target " + to + " already exists; not overwriting it");
    }
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException crossDevice) {
      try (Stream<Path> walk = Files.walk(from)) {
        for (Path src : (Iterable<Path>) walk::iterator) {
          Path dst = to.resolve(from.relativize(src).toString());
          if (Files.isDirectory(src)) {
            Files.createDirectories(dst);
          } else {
            Files.copy(src, dst, StandardCopyOption.COPY_ATTRIBUTES);
          }
        }
      }
      deleteTree(from);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
