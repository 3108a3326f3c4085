package io.tributary.pipelines.spec;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/** Small reads of SnakeYAML nodes, and the collector of errors with their positions. */
final class Nodes {
  private Nodes() {}

  /** Collects errors of one file. */
  static final class Errors {
    final String file;
    final List<SpecError> list = new ArrayList<>();

    /** Secret values read for this file, each with the reference written in the spec. */
    private final java.util.Map<String, String> secrets = new java.util.LinkedHashMap<>();

    Errors(String file) {
      this.file = file;
    }

    /**
     * Remembers that {@code value} came from {@code ${reference}} ({@code env:} or {@code file:}),
     * so that no later message shows it: a provider's error may quote the value it was given.
     */
    void secret(String value, String reference) {
      if (!value.isEmpty()) {
        secrets.put(value, "${" + reference + "}");
      }
    }

    /** {@code message} with every secret value replaced by its reference. */
    String scrub(String message) {
      String out = message;
      for (java.util.Map.Entry<String, String> e : secrets.entrySet()) {
        String v = e.getKey();
        // A short secret is replaced only as a whole word, so that it does not garble the message.
        String pattern =
            v.length() >= 4
                ? java.util.regex.Pattern.quote(v)
                : "(?<![A-Za-z0-9])" + java.util.regex.Pattern.quote(v) + "(?![A-Za-z0-9])";
        out = out.replaceAll(pattern, java.util.regex.Matcher.quoteReplacement(e.getValue()));
      }
      return out;
    }

    void at(Node node, String message) {
      at(node, 0, message);
    }

    /** At {@code node}, {@code offset} characters further on its line. */
    void at(Node node, int offset, String message) {
      list.add(
          SpecError.at(
              file,
              node.getStartMark().getLine() + 1,
              node.getStartMark().getColumn() + 1 + offset,
              scrub(message)));
    }

    void atLine(int line, int column, String message) {
      list.add(SpecError.at(file, line, column, scrub(message)));
    }

    boolean any() {
      return !list.isEmpty();
    }

    void throwIfAny() {
      if (any()) {
        list.sort(
            java.util.Comparator.comparingInt(SpecError::line).thenComparingInt(SpecError::column));
        throw new SpecException(list);
      }
    }
  }

  static boolean isNull(Node n) {
    return n instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
  }

  static @Nullable String scalar(Node n) {
    return n instanceof ScalarNode s && !s.getTag().equals(Tag.NULL) ? s.getValue() : null;
  }

  static String kind(Node n) {
    if (n instanceof MappingNode) {
      return "a mapping";
    }
    if (n instanceof SequenceNode) {
      return "a list";
    }
    if (isNull(n)) {
      return "nothing (null)";
    }
    return "'" + ((ScalarNode) n).getValue() + "'";
  }

  static @Nullable NodeTuple entry(MappingNode map, String key) {
    for (NodeTuple t : map.getValue()) {
      if (key.equals(scalar(t.getKeyNode()))) {
        return t;
      }
    }
    return null;
  }

  static @Nullable Node get(MappingNode map, String key) {
    NodeTuple t = entry(map, key);
    return t == null ? null : t.getValueNode();
  }

  /**
   * Checks the keys of {@code map}: each a plain string, none twice, each in {@code allowed} (else
   * "unknown key" with a suggestion).
   */
  static void checkKeys(MappingNode map, Collection<String> allowed, String what, Errors errors) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (NodeTuple t : map.getValue()) {
      String key = scalar(t.getKeyNode());
      if (key == null) {
        errors.at(t.getKeyNode(), what + ": expected a plain key, got " + kind(t.getKeyNode()));
        continue;
      }
      if (!seen.add(key)) {
        errors.at(t.getKeyNode(), "duplicate key '" + key + "' in " + what);
        continue;
      }
      if (!allowed.contains(key)) {
        errors.at(
            t.getKeyNode(),
            "unknown key '" + key + "' in " + what + Suggest.didYouMean(key, allowed, true));
      }
    }
  }
}
