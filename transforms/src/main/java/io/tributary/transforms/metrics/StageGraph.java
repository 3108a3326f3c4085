package io.tributary.transforms.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PValue;

/**
 * The {@link AccountedStage}s of a built pipeline, in topological order, with which stage feeds
 * which: a stage feeds another when a path of unaccounted transforms (formatting, windowing
 * assignment, a flatten) leads from one of its outputs to the other's input.
 *
 * <p>A {@link FusedStages} transform counts as its stages, chained in their order.
 *
 * <p>The graph is what makes the run's accounting structural: {@code read} is the {@code in} of the
 * {@link #entries() entry} stages (fed by no step), {@code written} the {@code out} of the {@link
 * #exits() exit} stages (feeding no step), and every stage in between balances on its own.
 *
 * <pre>{@code
 * Pipeline p = Pipeline.create(options);
 * ... build ...
 * StageGraph stages = StageGraph.of(p);         // fails if two stages share a name
 * PipelineResult result = p.run();
 * RunAccounting accounting = RunAccounting.from(result, stages);
 * }</pre>
 */
public final class StageGraph {
  /**
   * The upstream of a grain boundary's outputs: not a stage, a mark (see {@link GrainBoundary}).
   */
  private static final String AFTER_BOUNDARY = "\u0000after-grain-boundary";

  /** One accounted stage and its neighbours. */
  public static final class Node {
    private final String name;
    private final StageRole role;
    private final String transform;
    private final Set<String> feeders = new LinkedHashSet<>();
    private final Set<String> fed = new LinkedHashSet<>();
    private final boolean afterBoundary;

    Node(String name, StageRole role, String transform, boolean afterBoundary) {
      this.name = name;
      this.role = role;
      this.transform = transform;
      this.afterBoundary = afterBoundary;
    }

    /** The stage name. */
    public String name() {
      return name;
    }

    /** The stage's role. */
    public StageRole role() {
      return role;
    }

    /** The full name of the transform in the pipeline, e.g. {@code Dedup} or {@code A/Dedup}. */
    public String transform() {
      return transform;
    }

    /** Stages that feed this one. */
    public Set<String> feeders() {
      return Collections.unmodifiableSet(feeders);
    }

    /** Stages this one feeds. */
    public Set<String> fed() {
      return Collections.unmodifiableSet(fed);
    }
  }

  private final Map<String, Node> nodes;

  private StageGraph(Map<String, Node> nodes) {
    this.nodes = nodes;
  }

  /**
   * A graph from explicit stages and edges, for tests and tools: {@code edges} maps a stage to the
   * stages it feeds.
   */
  public static StageGraph of(Map<String, StageRole> stages, Map<String, List<String>> edges) {
    Map<String, Node> nodes = new LinkedHashMap<>();
    stages.forEach((name, role) -> nodes.put(name, new Node(name, role, name, false)));
    edges.forEach(
        (from, tos) -> {
          for (String to : tos) {
            nodes.get(from).fed.add(to);
            nodes.get(to).feeders.add(from);
          }
        });
    return new StageGraph(nodes);
  }

  /**
   * Finds the accounted stages of {@code pipeline} (which must be fully built).
   *
   * @throws IllegalStateException if two stages share a name, naming both transforms
   */
  public static StageGraph of(Pipeline pipeline) {
    Map<String, Node> nodes = new LinkedHashMap<>();
    Map<PValue, Set<String>> upstream = new HashMap<>();
    pipeline.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            if (node.getTransform() instanceof FusedStages
                || node.getTransform() instanceof AccountedStage) {
              stage(node);
              return CompositeBehavior.DO_NOT_ENTER_TRANSFORM;
            }
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void leaveCompositeTransform(TransformHierarchy.Node node) {
            if (node.getTransform() instanceof GrainBoundary) {
              // Rows after an aggregation are aggregates: what reads them serves the record path.
              for (PValue out : node.getOutputs().values()) {
                upstream.put(out, Set.of(AFTER_BOUNDARY));
              }
            }
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            if (node.getTransform() instanceof FusedStages
                || node.getTransform() instanceof AccountedStage) {
              stage(node);
              return;
            }
            Set<String> from = feeders(node);
            for (PValue out : node.getOutputs().values()) {
              upstream.put(out, from);
            }
          }

          private Set<String> feeders(TransformHierarchy.Node node) {
            Set<String> from = new LinkedHashSet<>();
            for (PValue in : node.getInputs().values()) {
              from.addAll(upstream.getOrDefault(in, Set.of()));
            }
            return from;
          }

          private void stage(TransformHierarchy.Node node) {
            PTransform<?, ?> transform = node.getTransform();
            List<AccountedStage> chain =
                transform instanceof FusedStages
                    ? ((FusedStages) transform).fusedStages()
                    : List.of((AccountedStage) transform);
            if (chain.isEmpty()) {
              throw new IllegalStateException(node.getFullName() + ": fusedStages() is empty");
            }
            Set<String> from = feeders(node);
            boolean served = from.contains(AFTER_BOUNDARY);
            for (String feeder : from) {
              if (!feeder.equals(AFTER_BOUNDARY) && nodes.get(feeder).role == StageRole.SINK) {
                served |= nodes.get(feeder).afterBoundary;
              }
            }
            for (AccountedStage stage : chain) {
              String name = stage.stageName();
              Node previous = nodes.get(name);
              if (previous != null) {
                throw new IllegalStateException(
                    "two stages are named '"
                        + name
                        + "' ("
                        + previous.transform
                        + " and "
                        + node.getFullName()
                        + "): give each its own name with withStageName(...)");
              }
              Node n =
                  new Node(
                      name,
                      served ? StageRole.SINK : stage.stageRole(),
                      node.getFullName(),
                      served);
              for (String feeder : from) {
                if (feeder.equals(AFTER_BOUNDARY)) {
                  continue;
                }
                n.feeders.add(feeder);
                nodes.get(feeder).fed.add(name);
              }
              nodes.put(name, n);
              // The next stage of the chain is fed by this one only.
              from = Set.of(name);
            }
            for (PValue out : node.getOutputs().values()) {
              upstream.put(out, from);
            }
          }
        });
    return new StageGraph(nodes);
  }

  /** Every stage, in topological order. */
  public List<Node> stages() {
    return new ArrayList<>(nodes.values());
  }

  /** The stage named {@code name}, or null. */
  public Node stage(String name) {
    return nodes.get(name);
  }

  /** Stages on the record path that no other step feeds: their {@code in} is the run's read. */
  public List<Node> entries() {
    List<Node> out = new ArrayList<>();
    for (Node n : nodes.values()) {
      if (n.role == StageRole.STEP && n.feeders.stream().noneMatch(this::isStep)) {
        out.add(n);
      }
    }
    return out;
  }

  /** Stages on the record path that feed no other step: their {@code out} is the run's written. */
  public List<Node> exits() {
    List<Node> out = new ArrayList<>();
    for (Node n : nodes.values()) {
      if (n.role == StageRole.STEP && n.fed.stream().noneMatch(this::isStep)) {
        out.add(n);
      }
    }
    return out;
  }

  private boolean isStep(String name) {
    return nodes.get(name).role == StageRole.STEP;
  }
}
