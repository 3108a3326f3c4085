package io.tributary.pipelines.spec;

import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A parsed spec: its name, its steps in the order written (inputs resolved for a chain), its
 * options (pipeline options and variables), its privacy settings and its tests, every part keeping
 * its position for errors. Built by {@link SpecParser}; turned into a pipeline by {@link
 * SpecBuilder}.
 *
 * <pre>{@code
 * Spec spec = SpecParser.parse(Path.of("pipelines/specs/clickstream.yaml"));
 * spec.steps().forEach(s -> System.out.println(s.name()));
 * }</pre>
 */
public final class Spec {
  private final String file;
  private final String name;
  private final @Nullable String description;
  private final List<SpecStep> steps;
  private final Map<String, String> options;
  private final Map<String, Node> optionNodes;
  private final @Nullable MappingNode privacy;
  private final @Nullable SequenceNode tests;

  Spec(
      String file,
      String name,
      @Nullable String description,
      List<SpecStep> steps,
      Map<String, String> options,
      Map<String, Node> optionNodes,
      @Nullable MappingNode privacy,
      @Nullable SequenceNode tests) {
    this.file = file;
    this.name = name;
    this.description = description;
    this.steps = List.copyOf(steps);
    this.options = options;
    this.optionNodes = optionNodes;
    this.privacy = privacy;
    this.tests = tests;
  }

  /** The file as given. */
  public String file() {
    return file;
  }

  /** The spec's {@code name:}, or its file name without extension. */
  public String name() {
    return name;
  }

  /** The spec's {@code description:}, or null. */
  public @Nullable String description() {
    return description;
  }

  /** The steps, in the order written. */
  public List<SpecStep> steps() {
    return steps;
  }

  /** The step named {@code name}, or null. */
  public @Nullable SpecStep step(String stepName) {
    for (SpecStep s : steps) {
      if (s.name().equals(stepName)) {
        return s;
      }
    }
    return null;
  }

  /** The {@code options:} as written (scalars as text), in order. */
  public Map<String, String> options() {
    return options;
  }

  Map<String, Node> optionNodes() {
    return optionNodes;
  }

  @Nullable MappingNode privacy() {
    return privacy;
  }

  @Nullable SequenceNode tests() {
    return tests;
  }
}
