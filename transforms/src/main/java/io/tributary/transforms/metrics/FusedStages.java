package io.tributary.transforms.metrics;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import java.util.List;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;

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

  /**
   * Refuses to fuse {@code next} after {@code first} unless both send rejections to the same
   * handler (one step has one bad-record output; neither having one also counts: both fail the run)
   * and have different stage names. Messages name {@code call}, both stages and the fix.
   */
  static void checkFusable(
      String call,
      AccountedStage first,
      ErrorHandler<BadRecord, ?> firstHandler,
      AccountedStage next,
      ErrorHandler<BadRecord, ?> nextHandler) {
    checkArgument(
        sameHandler(firstHandler, nextHandler),
        "%s: stages '%s' and '%s' must send rejections to the same handler"
            + " (withBadRecordErrorHandler on both, before %s); got %s and %s",
        call,
        first.stageName(),
        next.stageName(),
        call,
        firstHandler.getClass().getSimpleName(),
        nextHandler.getClass().getSimpleName());
    checkArgument(
        !first.stageName().equals(next.stageName()),
        "%s: two stages share the stage name '%s'; give each its own with withStageName(...)",
        call,
        next.stageName());
  }

  /**
   * Whether two stages send rejections to the same place: the same handler, or neither has one
   * (each fails the run on a rejection). Stages fused into one step must (one bad-record output).
   */
  static boolean sameHandler(ErrorHandler<BadRecord, ?> one, ErrorHandler<BadRecord, ?> other) {
    return one == other
        || (one instanceof ErrorHandler.DefaultErrorHandler
            && other instanceof ErrorHandler.DefaultErrorHandler);
  }
}
