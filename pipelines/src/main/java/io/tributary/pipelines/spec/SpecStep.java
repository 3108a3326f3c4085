package io.tributary.pipelines.spec;

import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

/**
 * One transform of a spec as written: its type, its name (the stage name in the accounting), its
 * inputs, its configuration node (with positions) and the name of its error output, if any.
 *
 * <pre>{@code
 * for (SpecStep step : spec.steps()) {
 *   System.out.println(step.name() + ": " + step.type() + " <- " + step.inputs());
 * }
 * }</pre>
 */
public final class SpecStep {
  /** A reference to another step's output, as written ({@code window.too_late}). */
  public static final class Input {
    private final String step;
    private final String output;
    private final Node node;

    Input(String step, String output, Node node) {
      this.step = step;
      this.output = output;
      this.node = node;
    }

    /** The step referred to. */
    public String step() {
      return step;
    }

    /** Its output ({@code output} unless the reference names another). */
    public String output() {
      return output;
    }

    Node node() {
      return node;
    }

    @Override
    public String toString() {
      return "output".equals(output) ? step : step + "." + output;
    }
  }

  private final String name;
  private final String type;
  private final Node node;
  private final Node typeNode;
  private final Map<String, List<Input>> inputs;
  private final @Nullable MappingNode config;
  private final @Nullable String errorOutput;
  private final @Nullable Node errorOutputNode;

  SpecStep(
      String name,
      String type,
      Node node,
      Node typeNode,
      Map<String, List<Input>> inputs,
      @Nullable MappingNode config,
      @Nullable String errorOutput,
      @Nullable Node errorOutputNode) {
    this.name = name;
    this.type = type;
    this.node = node;
    this.typeNode = typeNode;
    this.inputs = inputs;
    this.config = config;
    this.errorOutput = errorOutput;
    this.errorOutputNode = errorOutputNode;
  }

  /** The step's name: its stage name and the name other steps refer to. */
  public String name() {
    return name;
  }

  /** The step type ({@code Validate}) or a provider's URN. */
  public String type() {
    return type;
  }

  /** Inputs by the provider's input tag ({@code input} for one-input steps). */
  public Map<String, List<Input>> inputs() {
    return inputs;
  }

  /** The names of the error output declared with {@code error_handling: {output: x}}, or null. */
  public @Nullable String errorOutput() {
    return errorOutput;
  }

  Node node() {
    return node;
  }

  Node typeNode() {
    return typeNode;
  }

  @Nullable MappingNode config() {
    return config;
  }

  @Nullable Node errorOutputNode() {
    return errorOutputNode;
  }

  /** The line of the step in its file (1-based). */
  public int line() {
    return node.getStartMark().getLine() + 1;
  }
}
