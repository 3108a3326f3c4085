package io.tributary.io.files;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Removes or rewrites a data subject's lines in a tree of JSON-lines files (dead letters,
 * quarantine, any {@code *.jsonl} output), for the right to be forgotten.
 *
 * <p>A line belongs to a subject when it holds {@code "<subjectField>": "<subject>"} at top level
 * or inside a string field that carries JSON once more (the {@code payload} of a dead letter, the
 * {@code record} of a quarantined row), also when that JSON was cut off after the subject's value:
 * matching is on text, so malformed and truncated payloads are found too. Each file with such lines
 * is rewritten to a hidden temporary file next to it and renamed over the original atomically; a
 * file without the subject is not touched. {@code delete} drops the lines; {@code rewrite} replaces
 * the subject's value by {@code [erased]}.
 *
 * <pre>{@code
 * JsonLinesErasure.Outcome o = JsonLinesErasure.in("/out/dead-letter", "user_id").erase(Set.of("u-00001"));
 * long lines = o.rows("u-00001");
 * }</pre>
 */
public final class JsonLinesErasure {
  /** What an erased value becomes in a rewritten line. */
  public static final String ERASED = "[erased]";

  private final String root;
  private final String subjectField;
  private final boolean delete;

  private JsonLinesErasure(String root, String subjectField, boolean delete) {
    this.root = root;
    this.subjectField = subjectField;
    this.delete = delete;
  }

  /** Erasure in the {@code *.jsonl} files under the local directory {@code root}; deletes lines. */
  public static JsonLinesErasure in(String root, String subjectField) {
    checkArgument(root != null && !root.isEmpty(), "JsonLinesErasure.in: root must not be empty");
    checkArgument(
        subjectField != null && subjectField.matches("[A-Za-z0-9_.-]+"),
        "JsonLinesErasure.in: subjectField must be a field name of [A-Za-z0-9_.-], got '%s'",
        subjectField);
    return new JsonLinesErasure(
        root.startsWith("file://") ? root.substring(7) : root, subjectField, true);
  }

  /** Keeps the lines, with the subject's value replaced by {@link #ERASED}. */
  public JsonLinesErasure rewriting() {
    return new JsonLinesErasure(root, subjectField, false);
  }

  /** What one erasure pass did. */
  public static final class Outcome {
    private final boolean exists;
    private final Map<String, Long> rowsBySubject;
    private final int filesRewritten;

    Outcome(boolean exists, Map<String, Long> rowsBySubject, int filesRewritten) {
      this.exists = exists;
      this.rowsBySubject = rowsBySubject;
      this.filesRewritten = filesRewritten;
    }

    /** Whether the root exists. */
    public boolean exists() {
      return exists;
    }

    /** Lines of {@code subject} removed or rewritten. */
    public long rows(String subject) {
      return rowsBySubject.getOrDefault(subject, 0L);
    }

    /** Files rewritten (all subjects together). */
    public int filesRewritten() {
      return filesRewritten;
    }
  }

  /**
   * Removes or rewrites the lines of every subject in {@code subjects}, one pass over the files.
   */
  public Outcome erase(Set<String> subjects) throws IOException {
    Path base = Path.of(root);
    if (!Files.isDirectory(base)) {
      return new Outcome(false, Map.of(), 0);
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(base)) {
      files =
          walk.filter(
                  p ->
                      p.getFileName().toString().endsWith(".jsonl")
                          && Files.isRegularFile(p)
                          && !hidden(base.relativize(p)))
              .sorted()
              .collect(Collectors.toList());
    }
    Map<String, List<Pattern>> patterns = new HashMap<>();
    for (String s : subjects) {
      patterns.put(s, patterns(subjectField, s));
    }
    Map<String, Long> counts = new HashMap<>();
    int rewritten = 0;
    for (Path f : files) {
      List<String> out = new ArrayList<>();
      Map<String, Long> found = new HashMap<>();
      for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
        String kept = line;
        for (Map.Entry<String, List<Pattern>> p : patterns.entrySet()) {
          boolean hit = false;
          for (Pattern pattern : p.getValue()) {
            Matcher m = pattern.matcher(kept);
            if (m.find()) {
              hit = true;
              kept = m.replaceAll("$1" + Matcher.quoteReplacement(ERASED) + "$2");
            }
          }
          if (hit) {
            found.merge(p.getKey(), 1L, Long::sum);
            if (delete) {
              kept = null;
              break;
            }
          }
        }
        if (kept != null) {
          out.add(kept);
        }
      }
      if (found.isEmpty()) {
        continue;
      }
      Path tmp = f.resolveSibling(".erasure-" + UUID.randomUUID() + "-" + f.getFileName());
      Files.write(tmp, out, StandardCharsets.UTF_8);
      Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      found.forEach((s, n) -> counts.merge(s, n, Long::sum));
      rewritten++;
    }
    return new Outcome(true, counts, rewritten);
  }

  /**
   * {@code "field" : "subject"} as JSON text, and the same once escaped inside a JSON string
   * ({@code \"field\":\"subject\"}); group 1 is everything up to the value, group 2 what closes it:
   * its quote, or the end of the enclosing string or line when a truncated payload stops right
   * after the value.
   */
  static List<Pattern> patterns(String field, String subject) {
    String f = Pattern.quote(field);
    String plainValue = Pattern.quote(subject.replace("\\", "\\\\").replace("\"", "\\\""));
    String escapedValue =
        Pattern.quote(subject.replace("\\", "\\\\\\\\").replace("\"", "\\\\\\\""));
    return List.of(
        Pattern.compile("(\"" + f + "\"\\s*:\\s*\")" + plainValue + "(\"|$)"),
        Pattern.compile("(\\\\\"" + f + "\\\\\"\\s*:\\s*\\\\\")" + escapedValue + "(\\\\\"|\"|$)"));
  }

  private static boolean hidden(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "JsonLinesErasure{"
        + root
        + ", subject="
        + subjectField
        + (delete ? ", delete" : ", rewrite")
        + "}";
  }
}
