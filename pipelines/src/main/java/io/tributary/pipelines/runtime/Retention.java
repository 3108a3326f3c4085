package io.tributary.pipelines.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.transforms.time.Durations;
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
import java.util.stream.Stream;

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
 * the {@code keep} days before it stay. Local file systems only.
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

    Policy(String name, Path path, int keepDays, boolean move, Path cold) {
      this.name = name;
      this.path = path;
      this.keepDays = keepDays;
      this.move = move;
      this.cold = cold;
    }
  }

  /** What was (or, in a dry run, would be) done to one partition. */
  public static final class Action {
    private final String dataset;
    private final String partition;
    private final String action;
    private final long files;
    private final long bytes;
    private final String target;

    Action(String dataset, String partition, String action, long files, long bytes, String target) {
      this.dataset = dataset;
      this.partition = partition;
      this.action = action;
      this.files = files;
      this.bytes = bytes;
      this.target = target;
    }

    /** e.g. {@code clickstream-aggregates dt=2026-10-01: deleted (24 files, 31,337 bytes)}. */
    @Override
    public String toString() {
      return String.format("%s %s: %s (%d files, %d bytes)%s", dataset, partition, action, files, bytes,
          target == null ? "" : " -> " + target);
    }

    /** As a JSON object, for the audit file. */
    public ObjectNode toJson() {
      ObjectNode n = MAPPER.createObjectNode();
      n.put("dataset", dataset).put("partition", partition).put("action", action).put("files", files).put("bytes", bytes);
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
      throw new UsageException("--config: " + config + ": expected {\"datasets\": [{\"name\", \"path\", \"keep\", \"action\"}]}");
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
        throw new UsageException(where + "action move needs \"cold\": the directory to move partitions to");
      }
      policies.add(new Policy(name, Path.of(d.path("path").asText()), (int) (keepMs / 86_400_000L),
          action.equals("move"), action.equals("move") ? Path.of(d.path("cold").asText()) : null));
    }
    return new Retention(policies);
  }

  /** Applies every policy as of {@code today}; with {@code dryRun} only reports. */
  public List<Action> apply(LocalDate today, boolean dryRun) throws IOException {
    List<Action> actions = new ArrayList<>();
    for (Policy p : policies) {
      LocalDate oldestKept = today.minusDays(p.keepDays);
      if (!Files.isDirectory(p.path)) {
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
          actions.add(new Action(p.name, name, dryRun ? "would move" : "moved", size[0], size[1], target.toString()));
        } else {
          if (!dryRun) {
            deleteTree(partition);
          }
          actions.add(new Action(p.name, name, dryRun ? "would delete" : "deleted", size[0], size[1], null));
        }
      }
    }
    return actions;
  }

  /** The audit record of one retention run. */
  public static String audit(LocalDate today, boolean dryRun, List<Action> actions) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("run_at", java.time.Instant.now().toString()).put("as_of", today.toString()).put("dry_run", dryRun);
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
