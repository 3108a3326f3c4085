package io.tributary.pipelines.spec;

import io.tributary.pipelines.spec.Nodes.Errors;
import io.tributary.transforms.spec.StepProvider;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads a spec file into a {@link Spec}: YAML syntax, the known keys at every level (with a "did
 * you mean"), step types, step names and the references between steps. What depends on a step's
 * provider (configuration keys, schemas, expressions) is checked later by {@link SpecBuilder}.
 * Errors are collected, not thrown one by one: a mistake whose consequence would be a second error
 * (a reference to a step whose name or type is already reported) is reported once.
 *
 * <p>The shape is Beam YAML's: a {@code pipeline:} with {@code transforms:}, each a {@code type}, a
 * {@code name}, an {@code input} (not in a {@code type: chain}, where each step reads the one
 * before), a {@code config} and an {@code error_handling}; top-level {@code options:}.
 *
 * <pre>{@code
 * Spec spec = SpecParser.parse(Path.of("pipelines/specs/iot-sensors.yaml"));
 * }</pre>
 */
public final class SpecParser {
  static final Set<String> TOP_KEYS =
      Set.of("name", "description", "pipeline", "options", "privacy", "tests");
  static final Set<String> PIPELINE_KEYS = Set.of("type", "transforms");
  static final Set<String> STEP_KEYS =
      Set.of("type", "name", "input", "config", "error_handling", "description", "windowing");
  static final Set<String> PRIVACY_KEYS =
      Set.of("policy", "keyset", "subject_keys", "index_key_id");

  private SpecParser() {}

  /** Parses {@code file}; throws {@link SpecException} with every error found. */
  public static Spec parse(Path file) throws IOException {
    return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
  }

  /**
   * Parses {@code text}, naming it {@code file} in errors; step types from {@link
   * StepCatalog#load}.
   */
  public static Spec parse(String file, String text) {
    return parse(file, text, StepCatalog.load());
  }

  /**
   * Parses {@code text}, naming it {@code file} in errors. Step types are checked against {@code
   * catalog} here, with the structure, so that a misspelt type is reported as such (and not only
   * through the references to the name it would have had).
   */
  public static Spec parse(String file, String text, StepCatalog catalog) {
    Errors errors = new Errors(file);
    Node root = compose(new StringReader(text), errors);
    errors.throwIfAny();
    if (!(root instanceof MappingNode top)) {
      if (root == null) {
        errors.atLine(1, 1, "the spec is empty; expected a mapping with 'pipeline:'");
      } else {
        errors.at(root, "expected a mapping with 'pipeline:' at the top, got " + Nodes.kind(root));
      }
      errors.throwIfAny();
      throw new IllegalStateException("unreachable");
    }
    Nodes.checkKeys(top, TOP_KEYS, "the spec", errors);
    String name = stem(file);
    Node nameNode = Nodes.get(top, "name");
    if (nameNode != null) {
      String n = Nodes.scalar(nameNode);
      if (n == null || !n.matches("[a-z][a-z0-9_-]*")) {
        errors.at(
            nameNode,
            "name: expected lower-case letters, digits, '-' or '_', got " + kind(nameNode));
      } else {
        name = n;
      }
    }
    Node descriptionNode = Nodes.get(top, "description");
    String description = descriptionNode == null ? null : Nodes.scalar(descriptionNode);

    Map<String, String> options = new LinkedHashMap<>();
    Map<String, Node> optionNodes = new LinkedHashMap<>();
    Node optionsNode = Nodes.get(top, "options");
    if (optionsNode != null && !Nodes.isNull(optionsNode)) {
      if (!(optionsNode instanceof MappingNode om)) {
        errors.at(optionsNode, "options: expected a mapping of name: value");
      } else {
        Nodes.checkKeys(om, keysOf(om), "options", errors);
        for (NodeTuple t : om.getValue()) {
          String key = Nodes.scalar(t.getKeyNode());
          String value = Nodes.scalar(t.getValueNode());
          if (key != null && (value == null && !Nodes.isNull(t.getValueNode()))) {
            errors.at(
                t.getValueNode(),
                "options."
                    + key
                    + ": expected a single value, got "
                    + Nodes.kind(t.getValueNode()));
          } else if (key != null) {
            options.put(key, value);
            optionNodes.put(key, t.getValueNode());
          }
        }
      }
    }

    MappingNode privacy = null;
    Node privacyNode = Nodes.get(top, "privacy");
    if (privacyNode != null) {
      if (privacyNode instanceof MappingNode pm) {
        Nodes.checkKeys(pm, PRIVACY_KEYS, "privacy", errors);
        privacy = pm;
      } else {
        errors.at(privacyNode, "privacy: expected a mapping with " + PRIVACY_KEYS);
      }
    }

    SequenceNode tests = null;
    Node testsNode = Nodes.get(top, "tests");
    if (testsNode != null) {
      if (testsNode instanceof SequenceNode tn) {
        tests = tn;
      } else {
        errors.at(testsNode, "tests: expected a list of tests");
      }
    }

    List<SpecStep> steps = new ArrayList<>();
    Node pipelineNode = Nodes.get(top, "pipeline");
    if (pipelineNode == null) {
      // A misspelt 'pipline:' is already reported with its suggestion: one error is enough.
      if (!misspelt(top, "pipeline")) {
        errors.at(top, "missing 'pipeline:' with the pipeline's transforms");
      }
    } else if (!(pipelineNode instanceof MappingNode pm)) {
      errors.at(pipelineNode, "pipeline: expected a mapping with 'transforms:'");
    } else {
      steps = steps(pm, catalog, errors);
    }
    errors.throwIfAny();
    return new Spec(file, name, description, steps, options, optionNodes, privacy, tests);
  }

  private static List<SpecStep> steps(MappingNode pipeline, StepCatalog catalog, Errors errors) {
    Nodes.checkKeys(pipeline, PIPELINE_KEYS, "pipeline", errors);
    boolean chain = false;
    Node typeNode = Nodes.get(pipeline, "type");
    if (typeNode != null) {
      String t = Nodes.scalar(typeNode);
      if ("chain".equals(t)) {
        chain = true;
      } else if (!"composite".equals(t)) {
        errors.at(typeNode, "pipeline.type: expected chain or composite, got " + kind(typeNode));
      }
    }
    Node transformsNode = Nodes.get(pipeline, "transforms");
    if (!(transformsNode instanceof SequenceNode list) || list.getValue().isEmpty()) {
      errors.at(
          transformsNode == null ? pipeline : transformsNode,
          "pipeline.transforms: expected a list of at least one transform");
      return List.of();
    }
    // First pass: names, so that references can be checked whatever the order.
    Map<String, Node> names = new LinkedHashMap<>();
    List<MappingNode> stepNodes = new ArrayList<>();
    Map<String, Integer> typeCounts = new HashMap<>();
    for (Node n : list.getValue()) {
      if (!(n instanceof MappingNode m)) {
        errors.at(n, "a transform: expected a mapping with 'type:', got " + Nodes.kind(n));
        continue;
      }
      stepNodes.add(m);
      Node typeOf = Nodes.get(m, "type");
      String type = typeOf == null ? null : Nodes.scalar(typeOf);
      if (type != null) {
        typeCounts.merge(type, 1, Integer::sum);
      }
    }
    List<String> stepNames = new ArrayList<>();
    // Names whose steps are already reported (a bad name, an ambiguous default name, the default
    // name a misspelt type would have had): a reference to one is not a second error.
    Set<String> reported = new HashSet<>();
    for (MappingNode m : stepNodes) {
      Nodes.checkKeys(m, STEP_KEYS, "a transform", errors);
      Node tn = Nodes.get(m, "type");
      String type = tn == null ? null : Nodes.scalar(tn);
      Node nn = Nodes.get(m, "name");
      if (type == null) {
        errors.at(tn == null ? m : tn, "a transform needs 'type:' (a step type such as Validate)");
      } else if (catalog.find(type) == null) {
        String suggestion = Suggest.nearest(type, catalog.shortTypes());
        errors.at(
            tn,
            "unknown step type '"
                + type
                + "'"
                + (suggestion == null ? "" : " (did you mean '" + suggestion + "'?)")
                + "; tributary check --types lists them");
        if (nn == null && suggestion != null) {
          reported.add(StepProvider.snakeCase(suggestion));
        }
      }
      String name;
      if (nn != null) {
        name = Nodes.scalar(nn);
        if (name == null || !name.matches("[a-z][a-z0-9_]*")) {
          String fixed =
              name == null ? "" : StepProvider.snakeCase(name).replaceAll("[^a-z0-9]+", "_");
          errors.at(
              nn,
              "name: expected lower_snake_case (it names the stage), got "
                  + kind(nn)
                  + (fixed.matches("[a-z][a-z0-9_]*") ? " (did you mean '" + fixed + "'?)" : ""));
          if (name != null) {
            reported.add(name);
          }
          name = null;
        }
      } else if (type != null && !type.contains(":") && typeCounts.get(type) == 1) {
        name = StepProvider.snakeCase(lastPart(type));
      } else {
        name = null;
        if (type != null && !type.contains(":")) {
          reported.add(StepProvider.snakeCase(lastPart(type)));
        }
        if (type != null) {
          errors.at(
              m,
              type.contains(":")
                  ? "a transform of type " + type + " needs a 'name:'"
                  : "two transforms of type " + type + ": give each a 'name:'");
        }
      }
      if (name != null) {
        if (names.containsKey(name)) {
          errors.at(
              nn == null ? m : nn,
              "duplicate step name '"
                  + name
                  + "' (first at line "
                  + (names.get(name).getStartMark().getLine() + 1)
                  + ")");
        } else {
          names.put(name, nn == null ? m : nn);
        }
      }
      stepNames.add(name);
    }

    List<SpecStep> steps = new ArrayList<>();
    String previous = null;
    for (int i = 0; i < stepNodes.size(); i++) {
      MappingNode m = stepNodes.get(i);
      String name = stepNames.get(i);
      Node tn = Nodes.get(m, "type");
      String type = tn == null ? null : Nodes.scalar(tn);
      Node inputNode = Nodes.get(m, "input");
      Map<String, List<SpecStep.Input>> inputs = new LinkedHashMap<>();
      if (chain) {
        if (inputNode != null) {
          errors.at(
              inputNode,
              "input: not allowed in a 'type: chain' pipeline (each transform reads the one"
                  + " before); use a composite pipeline to wire inputs");
        } else if (previous != null) {
          inputs.put(StepProvider.INPUT, List.of(new SpecStep.Input(previous, "output", m)));
        }
      } else if (inputNode != null) {
        readInputs(inputNode, names.keySet(), reported, name, inputs, errors);
      }
      Node configNode = Nodes.get(m, "config");
      MappingNode config = null;
      if (configNode != null && !Nodes.isNull(configNode)) {
        if (configNode instanceof MappingNode cm) {
          config = cm;
        } else {
          errors.at(configNode, "config: expected a mapping of the step's settings");
        }
      }
      String errorOutput = null;
      Node errorOutputNode = null;
      Node eh = Nodes.get(m, "error_handling");
      if (eh != null) {
        if (eh instanceof MappingNode em) {
          Nodes.checkKeys(em, Set.of("output"), "error_handling", errors);
          errorOutputNode = Nodes.get(em, "output");
          errorOutput = errorOutputNode == null ? null : Nodes.scalar(errorOutputNode);
          if (errorOutput == null || !errorOutput.matches("[a-z][a-z0-9_]*")) {
            errors.at(
                errorOutputNode == null ? em : errorOutputNode,
                "error_handling.output: expected a lower_snake_case output name");
            errorOutput = null;
          }
        } else {
          errors.at(eh, "error_handling: expected a mapping like {output: errors}");
        }
      }
      Node windowing = Nodes.get(m, "windowing");
      if (windowing != null) {
        errors.at(
            windowing,
            "windowing: not supported on a transform; add a Window step (its spec string also sets"
                + " the trigger and the allowed lateness) before it");
      }
      if (name != null && type != null) {
        steps.add(new SpecStep(name, type, m, tn, inputs, config, errorOutput, errorOutputNode));
      }
      previous = name;
    }
    return steps;
  }

  private static void readInputs(
      Node node,
      Set<String> names,
      Set<String> reported,
      @Nullable String self,
      Map<String, List<SpecStep.Input>> inputs,
      Errors errors) {
    if (node instanceof MappingNode m) {
      for (NodeTuple t : m.getValue()) {
        String tag = Nodes.scalar(t.getKeyNode());
        if (tag == null) {
          errors.at(t.getKeyNode(), "input: expected an input name");
          continue;
        }
        inputs.put(tag, refs(t.getValueNode(), names, reported, self, errors));
      }
    } else {
      inputs.put(StepProvider.INPUT, refs(node, names, reported, self, errors));
    }
  }

  private static List<SpecStep.Input> refs(
      Node node, Set<String> names, Set<String> reported, @Nullable String self, Errors errors) {
    List<Node> items = new ArrayList<>();
    if (node instanceof SequenceNode s) {
      items.addAll(s.getValue());
    } else {
      items.add(node);
    }
    List<SpecStep.Input> out = new ArrayList<>();
    for (Node item : items) {
      String ref = Nodes.scalar(item);
      if (ref == null || !(item instanceof ScalarNode)) {
        errors.at(item, "input: expected a step name or step.output, got " + Nodes.kind(item));
        continue;
      }
      int dot = ref.indexOf('.');
      String step = dot < 0 ? ref : ref.substring(0, dot);
      String output = dot < 0 ? "output" : ref.substring(dot + 1);
      if (!names.contains(step)) {
        if (reported.contains(step)) {
          continue;
        }
        errors.at(
            item, "input: no step named '" + step + "'" + Suggest.didYouMean(step, names, false));
        continue;
      }
      if (step.equals(self)) {
        errors.at(item, "input: step '" + step + "' cannot read its own output");
        continue;
      }
      out.add(new SpecStep.Input(step, output, item));
    }
    return out;
  }

  private static @Nullable Node compose(Reader reader, Errors errors) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(10);
    options.setCodePointLimit(10 * 1024 * 1024);
    try {
      List<Node> docs = new ArrayList<>();
      for (Node n : new Yaml(options).composeAll(reader)) {
        docs.add(n);
      }
      if (docs.size() > 1) {
        errors.at(docs.get(1), "expected one YAML document, found " + docs.size());
      }
      return docs.isEmpty() ? null : docs.get(0);
    } catch (MarkedYAMLException e) {
      yamlError(e, errors);
      return null;
    } catch (YAMLException e) {
      errors.atLine(1, 1, "invalid YAML: " + String.valueOf(e.getMessage()).replace('\n', ' '));
      return null;
    }
  }

  /**
   * Reports a YAML syntax error in words a spec author knows (a quote not closed, a key indented
   * wrongly, a tab), at the place to fix: the opening quote rather than the end of the file.
   */
  private static void yamlError(MarkedYAMLException e, Errors errors) {
    String problem = oneLineOf(e.getProblem());
    String context = oneLineOf(e.getContext());
    Mark at = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
    String message;
    if (context.startsWith("while scanning a quoted scalar") && e.getContextMark() != null) {
      at = e.getContextMark();
      message = "invalid YAML: the quoted value starting here has no closing quote";
    } else if (problem.startsWith("found character '\\t'")) {
      message = "invalid YAML: a tab in the indentation; indent with spaces";
    } else if (problem.startsWith("expected <block end>")) {
      message =
          "invalid YAML: unexpected indentation here (the keys of one mapping start in the same"
              + " column)";
    } else if (problem.startsWith("mapping values are not allowed here")) {
      message =
          "invalid YAML: unexpected ':' here (quote a value that holds ': ', or check the"
              + " indentation)";
    } else if (problem.startsWith("found duplicate key")) {
      at = e.getProblemMark();
      message = "invalid YAML: " + problem;
    } else {
      message = "invalid YAML: " + problem + (context.isEmpty() ? "" : " (" + context + ")");
    }
    errors.atLine(at == null ? 1 : at.getLine() + 1, at == null ? 1 : at.getColumn() + 1, message);
  }

  private static String oneLineOf(@Nullable String s) {
    return s == null ? "" : s.replace('\n', ' ').trim();
  }

  /** Whether a key of {@code map} other than {@code key} is a likely misspelling of it. */
  private static boolean misspelt(MappingNode map, String key) {
    for (NodeTuple t : map.getValue()) {
      String k = Nodes.scalar(t.getKeyNode());
      if (k != null && !k.equals(key) && key.equals(Suggest.nearest(k, Set.of(key)))) {
        return true;
      }
    }
    return false;
  }

  private static String kind(Node n) {
    return Nodes.kind(n);
  }

  private static Set<String> keysOf(MappingNode m) {
    Set<String> keys = new java.util.HashSet<>();
    for (NodeTuple t : m.getValue()) {
      String k = Nodes.scalar(t.getKeyNode());
      if (k != null) {
        keys.add(k);
      }
    }
    return keys;
  }

  private static String lastPart(String type) {
    int colon = type.lastIndexOf(':');
    return colon < 0 ? type : type.substring(colon + 1);
  }

  private static String stem(String file) {
    String base = Path.of(file).getFileName().toString();
    int dot = base.lastIndexOf('.');
    return dot > 0 ? base.substring(0, dot) : base;
  }
}
