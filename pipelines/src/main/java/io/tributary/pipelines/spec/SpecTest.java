package io.tributary.pipelines.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.yaml.snakeyaml.nodes.Node;

/**
 * One test of a spec's {@code tests:} section, as read by {@link SpecTests#parse}: the rows each
 * source reads instead of its data, and what the run must produce: the rows of sinks (or of any
 * step output), the dead letters by {@code stage.reason}, and accounting totals.
 *
 * <pre>{@code
 * for (SpecTest t : SpecTests.parse(spec, catalog)) {
 *   System.out.println(t.name() + " replaces " + t.inputs().keySet());
 * }
 * }</pre>
 */
public final class SpecTest {
  /** What a source reads in a test: inline lines (rendered rows), or a file in its format. */
  public static final class Input {
    private final @Nullable List<String> lines;
    private final @Nullable Path file;

    private Input(@Nullable List<String> lines, @Nullable Path file) {
      this.lines = lines;
      this.file = file;
    }

    static Input lines(List<String> lines) {
      return new Input(List.copyOf(lines), null);
    }

    static Input file(Path file) {
      return new Input(null, file);
    }

    /** The inline rows as JSON lines (a row written as a string is a line as it is), or null. */
    public @Nullable List<String> lines() {
      return lines;
    }

    /** The file to read instead of the source's, or null. */
    public @Nullable Path file() {
      return file;
    }
  }

  /** Expected rows of one output: JSON values, in the order written, with their positions. */
  static final class Expected {
    final String step;
    final String output;
    final boolean sink;
    final List<JsonNode> rows;
    final Node node;

    Expected(String step, String output, boolean sink, List<JsonNode> rows, Node node) {
      this.step = step;
      this.output = output;
      this.sink = sink;
      this.rows = rows;
      this.node = node;
    }
  }

  private final String name;
  private final Node node;
  private final Map<String, Input> inputs;
  private final Map<String, Expected> rows;
  private final @Nullable Map<String, Long> deadLetters;
  private final Map<String, Long> accounting;

  SpecTest(
      String name,
      Node node,
      Map<String, Input> inputs,
      Map<String, Expected> rows,
      @Nullable Map<String, Long> deadLetters,
      Map<String, Long> accounting) {
    this.name = name;
    this.node = node;
    this.inputs = inputs;
    this.rows = rows;
    this.deadLetters = deadLetters;
    this.accounting = accounting;
  }

  /** The test's name. */
  public String name() {
    return name;
  }

  /** What each source reads, by source step name. */
  public Map<String, Input> inputs() {
    return inputs;
  }

  /** The outputs whose rows are checked, as written ({@code write_aggregates}, {@code a.b}). */
  public java.util.Set<String> checkedOutputs() {
    return rows.keySet();
  }

  Node node() {
    return node;
  }

  Map<String, Expected> rows() {
    return rows;
  }

  /** The expected dead letters by {@code stage.reason} (exactly these), or null: not checked. */
  public @Nullable Map<String, Long> deadLetters() {
    return deadLetters;
  }

  /** The expected accounting totals that are checked ({@code read}, {@code written}, ...). */
  public Map<String, Long> accounting() {
    return accounting;
  }
}
