package io.tributary.pipelines.erasure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where a data subject's rows live, read from a JSON file: every dataset the erasure pipeline
 * removes or rewrites them in, with the field that names the subject there. Adding a dataset is a
 * line of configuration, not code.
 *
 * <pre>{@code
 * {"datasets": [
 *   {"name": "orders-lake", "kind": "lake", "path": "/data/mart/lake/orders", "subject": "customer_id", "action": "rewrite"},
 *   {"name": "orders-db", "kind": "postgres", "table": "orders", "subject": "customer_id", "action": "rewrite"},
 *   {"name": "clickstream-dead-letters", "kind": "jsonl", "path": "/data/clickstream/dead-letter", "subject": "user_id"}]}
 *
 * ErasureConfig config = ErasureConfig.load(Path.of("erasure.json"));
 * }</pre>
 *
 * <p>Kinds: {@code lake} (Avro partitions, {@code io.tributary.io.lake.LakeErasure}), {@code
 * postgres} (a table, {@code PostgresErasure}), {@code jsonl} (a tree of JSON-lines files such as
 * dead letters and quarantine, {@code JsonLinesErasure}). Actions: {@code delete} (default) or
 * {@code rewrite} (keep the rows, subject replaced by {@code [erased]}, {@code clear} fields
 * emptied; not for {@code jsonl} with {@code clear}).
 */
public final class ErasureConfig implements Serializable {
  private static final long serialVersionUID = 1L;

  /** One dataset to erase from. */
  public static final class Dataset implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String name;
    private final String kind;
    private final String location;
    private final String subject;
    private final boolean delete;
    private final List<String> clear;

    Dataset(
        String name,
        String kind,
        String location,
        String subject,
        boolean delete,
        List<String> clear) {
      this.name = name;
      this.kind = kind;
      this.location = location;
      this.subject = subject;
      this.delete = delete;
      this.clear = new ArrayList<>(clear);
    }

    /** The dataset's name, as the audit records it. */
    public String name() {
      return name;
    }

    /** {@code lake}, {@code postgres} or {@code jsonl}. */
    public String kind() {
      return kind;
    }

    /** The directory (lake, jsonl) or the table (postgres). */
    public String location() {
      return location;
    }

    /** The field or column naming the subject. */
    public String subject() {
      return subject;
    }

    /** Whether rows are deleted (else rewritten). */
    public boolean delete() {
      return delete;
    }

    /** Fields emptied on rewrite. */
    public List<String> clear() {
      return clear;
    }

    /** {@code delete} or {@code rewrite}. */
    public String action() {
      return delete ? "delete" : "rewrite";
    }
  }

  private final List<Dataset> datasets;

  private ErasureConfig(List<Dataset> datasets) {
    this.datasets = datasets;
  }

  /** The datasets, in file order. */
  public List<Dataset> datasets() {
    return datasets;
  }

  /** Whether any dataset is a PostgreSQL table. */
  public boolean needsDatabase() {
    return datasets.stream().anyMatch(d -> d.kind().equals("postgres"));
  }

  /** Reads and checks the file; errors are one line naming the file, the dataset and the field. */
  public static ErasureConfig load(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--config: cannot read '" + file + "' as JSON (" + e.getClass().getSimpleName() + ")");
    }
    if (root == null || !root.path("datasets").isArray() || root.path("datasets").size() == 0) {
      throw new IllegalArgumentException(
          "--config "
              + file
              + ": expected {\"datasets\": [{\"name\", \"kind\", \"subject\", ...}]} with at least one dataset");
    }
    List<Dataset> datasets = new ArrayList<>();
    Set<String> names = new HashSet<>();
    int i = 0;
    for (JsonNode d : root.path("datasets")) {
      String where = "--config " + file + ": datasets[" + i++ + "]";
      String name = text(d, "name", where);
      where += " (" + name + ")";
      if (!names.add(name)) {
        throw new IllegalArgumentException(where + ": the name is used twice");
      }
      String kind = text(d, "kind", where);
      String location;
      switch (kind) {
        case "lake":
        case "jsonl":
          location = text(d, "path", where);
          break;
        case "postgres":
          location = text(d, "table", where);
          if (!location.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?")) {
            throw new IllegalArgumentException(
                where + ": 'table' must be 'table' or 'schema.table', got '" + location + "'");
          }
          break;
        default:
          throw new IllegalArgumentException(
              where + ": 'kind' must be lake, postgres or jsonl, got '" + kind + "'");
      }
      String subject = text(d, "subject", where);
      if (!subject.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new IllegalArgumentException(
            where + ": 'subject' must be a field name, got '" + subject + "'");
      }
      String action = d.path("action").asText("delete");
      if (!action.equals("delete") && !action.equals("rewrite")) {
        throw new IllegalArgumentException(
            where + ": 'action' must be delete or rewrite, got '" + action + "'");
      }
      List<String> clear = new ArrayList<>();
      for (JsonNode c : d.path("clear")) {
        clear.add(c.asText());
      }
      if (!clear.isEmpty() && (action.equals("delete") || kind.equals("jsonl"))) {
        throw new IllegalArgumentException(
            where + ": 'clear' applies only to action rewrite on lake or postgres datasets");
      }
      datasets.add(new Dataset(name, kind, location, subject, action.equals("delete"), clear));
    }
    return new ErasureConfig(datasets);
  }

  private static String text(JsonNode d, String field, String where) {
    JsonNode v = d.get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw new IllegalArgumentException(
          where + ": '" + field + "' is required (a non-empty string)");
    }
    return v.asText();
  }
}
