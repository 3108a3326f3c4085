package io.tributary.pipelines.docs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fenced code blocks of a Markdown page, each with the {@code <!-- docs-test: ... -->} marker
 * written right before it (blank lines may come between, nothing else).
 *
 * <pre>{@code
 * List<MarkdownBlocks.Block> blocks =
 *     MarkdownBlocks.parse("docs/specs.md", Files.readAllLines(page));
 * }</pre>
 *
 * <p>A marker is {@code docs-test:} followed by attributes, {@code key="value"} or a bare {@code
 * key}; the keys are those of {@link #KEYS}. A marker that precedes no block, an unknown key, or a
 * {@code skip} without a reason is a {@link MarkerException}: the test fails on it rather than
 * running a page differently from what its author meant.
 */
final class MarkdownBlocks {
  /** The marker keys {@link DocsCommandsIT} understands. */
  static final Set<String> KEYS =
      Set.of("skip", "reason", "output", "exit", "file", "skip-command");

  private static final Pattern FENCE = Pattern.compile("^(\\s*)(`{3,}|~{3,})\\s*([^`\\s]*).*$");
  private static final Pattern MARKER =
      Pattern.compile("^\\s*<!--\\s*docs-test:(.*?)-->\\s*$", Pattern.DOTALL);
  private static final Pattern ATTRIBUTE =
      Pattern.compile("([A-Za-z][\\w-]*)(?:=(?:\"([^\"]*)\"|(\\S+)))?");

  private MarkdownBlocks() {}

  /** One fenced block. */
  static final class Block {
    final String file;

    /** 1-based line of the opening fence. */
    final int line;

    /** The info string's first word, lower case; empty for an unlabelled block. */
    final String lang;

    /** The content, the fence's indentation removed. */
    final List<String> lines;

    /** The marker's attributes; empty without a marker. */
    final Map<String, String> marker;

    Block(String file, int line, String lang, List<String> lines, Map<String, String> marker) {
      this.file = file;
      this.line = line;
      this.lang = lang;
      this.lines = List.copyOf(lines);
      this.marker = Map.copyOf(marker);
    }

    /** Where the block starts, as {@code file:line}. */
    String where() {
      return file + ":" + line;
    }

    /** 1-based page line of content line {@code i} (0-based). */
    int lineOf(int i) {
      return line + 1 + i;
    }

    boolean has(String key) {
      return marker.containsKey(key);
    }

    String get(String key) {
      return marker.get(key);
    }

    @Override
    public String toString() {
      return where() + " ```" + lang;
    }
  }

  /** A marker the test cannot act on. */
  static final class MarkerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MarkerException(String message) {
      super(message);
    }
  }

  /** The page's fenced blocks in order. */
  static List<Block> parse(String file, List<String> lines) {
    List<Block> blocks = new ArrayList<>();
    Map<String, String> pending = null;
    int pendingLine = 0;
    int i = -1;
    while (++i < lines.size()) {
      String text = lines.get(i);
      Matcher marker = MARKER.matcher(text);
      if (marker.matches()) {
        if (pending != null) {
          throw new MarkerException(
              file
                  + ":"
                  + pendingLine
                  + ": a docs-test marker precedes another marker, not a block");
        }
        pending = attributes(file, i + 1, marker.group(1));
        pendingLine = i + 1;
        continue;
      }
      Matcher fence = FENCE.matcher(text);
      if (!fence.matches()) {
        if (pending != null && !text.isBlank()) {
          throw new MarkerException(
              file + ":" + pendingLine + ": a docs-test marker must come right before a ``` block");
        }
        continue;
      }
      String indent = fence.group(1);
      String delimiter = fence.group(2);
      List<String> content = new ArrayList<>();
      int start = i;
      i++;
      while (i < lines.size() && !closes(lines.get(i), delimiter)) {
        String l = lines.get(i);
        content.add(l.startsWith(indent) ? l.substring(indent.length()) : l.stripLeading());
        i++;
      }
      blocks.add(
          new Block(
              file,
              start + 1,
              fence.group(3).toLowerCase(java.util.Locale.ROOT),
              content,
              pending == null ? Map.of() : pending));
      pending = null;
    }
    if (pending != null) {
      throw new MarkerException(
          file + ":" + pendingLine + ": a docs-test marker must come right before a ``` block");
    }
    return blocks;
  }

  private static boolean closes(String line, String delimiter) {
    String t = line.strip();
    return t.length() >= delimiter.length()
        && t.chars().allMatch(c -> c == delimiter.charAt(0))
        && t.startsWith(delimiter);
  }

  private static Map<String, String> attributes(String file, int line, String text) {
    Map<String, String> attrs = new LinkedHashMap<>();
    Matcher m = ATTRIBUTE.matcher(text);
    int end = 0;
    while (m.find()) {
      if (!text.substring(end, m.start()).isBlank()) {
        throw new MarkerException(
            file
                + ":"
                + line
                + ": cannot read docs-test marker near '"
                + text.substring(end)
                + "'");
      }
      end = m.end();
      String key = m.group(1);
      if (!KEYS.contains(key)) {
        throw new MarkerException(
            file + ":" + line + ": unknown docs-test key '" + key + "'; expected one of " + KEYS);
      }
      attrs.put(key, m.group(2) != null ? m.group(2) : m.group(3) != null ? m.group(3) : "");
    }
    if (!text.substring(end).isBlank()) {
      throw new MarkerException(
          file + ":" + line + ": cannot read docs-test marker near '" + text.substring(end) + "'");
    }
    if ((attrs.containsKey("skip") || attrs.containsKey("skip-command"))
        && attrs.getOrDefault("reason", "").isBlank()) {
      throw new MarkerException(
          file + ":" + line + ": a docs-test skip needs reason=\"why this cannot run in a test\"");
    }
    if (attrs.containsKey("skip-command") && attrs.get("skip-command").isBlank()) {
      throw new MarkerException(
          file + ":" + line + ": skip-command needs the program name, e.g. skip-command=\"psql\"");
    }
    if (attrs.containsKey("exit") && !attrs.get("exit").matches("\\d+")) {
      throw new MarkerException(
          file + ":" + line + ": exit needs a number, got '" + attrs.get("exit") + "'");
    }
    if (attrs.containsKey("file") && !attrs.get("file").startsWith("/tmp/")) {
      throw new MarkerException(
          file
              + ":"
              + line
              + ": file must name a path under /tmp/, got '"
              + attrs.get("file")
              + "'");
    }
    return attrs;
  }
}
