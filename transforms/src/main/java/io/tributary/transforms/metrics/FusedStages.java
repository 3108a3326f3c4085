package io.tributary.transforms.metrics;

import java.util.List;

/**
 * A transform that runs several accounted stages in one step (one {@code DoFn}), each record
 * passing them in order: the run's accounting still sees every stage, with its own name, counters
 * and rejections, as if each were applied on its own.
 *
 * <p>Why fuse: on Flink's batch translation every stage with a bad-record output is a step whose
 * output has two consumers, so Flink cannot chain it with the next step and every record is
 * serialized between them; one step for several stages pays that once (docs/performance.md).
 *
 * <p>{@link StageGraph#of} reads {@link #fusedStages()} in place of the transform: the first stage
 * is fed by what feeds the transform, each later one by the one before it, and the last one feeds
 * what reads the transform's outputs.
 *
 * <pre>{@code
 * public final class DecodeAndCheck extends PTransform<PCollection<String>, PCollection<Row>>
 *     implements FusedStages {
 *   public List<AccountedStage> fusedStages() { return List.of(decode, check); }
 *   ...
 * }
 * }</pre>
 */
public interface FusedStages {
  /** The stages this transform runs, in the order each record passes them; at least one. */
  List<AccountedStage> fusedStages();
}
