package io.tributary.pipelines.spec;

import io.tributary.pipelines.runtime.UsageException;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * {@code --set step.key=value}: replaces (or adds) one configuration value of one step before the
 * spec is checked, so one spec serves several runs. The value is read as a YAML scalar ({@code 10},
 * {@code true}, {@code fixed 30m}); nested keys are dotted ({@code --set
 * read.path=/data/in/*.jsonl}).
 *
 * <pre>{@code
 * SpecOverrides.apply(spec, List.of("window.spec=fixed 30m", "dedup.ttl=2h"));
 * }</pre>
 */
final class SpecOverrides {
  private SpecOverrides() {}

  static void apply(Spec spec, List<String> sets) throws UsageException {
    for (String set : sets) {
      int eq = set.indexOf('=');
      int dot = set.indexOf('.');
      if (eq < 0 || dot < 0 || dot > eq) {
        throw new UsageException("--set: expected step.key=value, got '" + set + "'");
      }
      String stepName = set.substring(0, dot);
      List<String> path = java.util.Arrays.asList(set.substring(dot + 1, eq).split("\\.", -1));
      String value = set.substring(eq + 1);
      SpecStep step = spec.step(stepName);
      if (step == null) {
        List<String> names = new ArrayList<>();
        spec.steps().forEach(s -> names.add(s.name()));
        throw new UsageException(
            "--set "
                + set
                + ": no step named '"
                + stepName
                + "'"
                + Suggest.didYouMean(stepName, names, true));
      }
      MappingNode map = step.config();
      if (map == null) {
        throw new UsageException(
            "--set " + set + ": step '" + stepName + "' has no config: to override");
      }
      for (int i = 0; i < path.size() - 1; i++) {
        Node next = Nodes.get(map, path.get(i));
        if (!(next instanceof MappingNode m)) {
          throw new UsageException(
              "--set "
                  + set
                  + ": '"
                  + path.get(i)
                  + "' is not a mapping in step '"
                  + stepName
                  + "'");
        }
        map = m;
      }
      String key = path.get(path.size() - 1);
      Tag tag = new Resolver().resolve(NodeId.scalar, value, true);
      ScalarNode scalar =
          new ScalarNode(
              tag, value, map.getStartMark(), map.getEndMark(), DumperOptions.ScalarStyle.PLAIN);
      NodeTuple existing = Nodes.entry(map, key);
      List<NodeTuple> tuples = map.getValue();
      if (existing != null) {
        tuples.set(tuples.indexOf(existing), new NodeTuple(existing.getKeyNode(), scalar));
      } else {
        ScalarNode keyNode =
            new ScalarNode(
                Tag.STR,
                key,
                map.getStartMark(),
                map.getEndMark(),
                DumperOptions.ScalarStyle.PLAIN);
        tuples.add(new NodeTuple(keyNode, scalar));
      }
    }
  }
}
