package io.tributary.transforms.metrics;

/**
 * A transform that counts its own records as one stage of the run's accounting: what came in, what
 * went out, and what left it and why (rejections by reason, and each {@link StageExit}). Counting
 * is done by the transform's own {@code DoFn}s through {@link StageCounters}, so it adds no step
 * and no encoding to the pipeline.
 *
 * <p>{@link StageGraph#of} finds every accounted stage of a built pipeline and how they feed each
 * other; {@link RunAccounting} derives the run's line and the per-stage table from their counters.
 * Names must be unique within a pipeline: a transform used twice takes a name per use, e.g. {@code
 * Dedup.byField("id").withStageName("dedup_orders")}.
 *
 * <pre>{@code
 * public final class MyStage extends PTransform<PCollection<Row>, PCollection<Row>>
 *     implements AccountedStage {
 *   public String stageName() { return "my_stage"; }
 *   public StageRole stageRole() { return StageRole.STEP; }
 *   ...
 *   // in the DoFn: counters.in(); ... counters.out(); or a rejection through DeadLetters.reject
 * }
 * }</pre>
 */
public interface AccountedStage {
  /** The stage's name: lower_snake_case, unique in the pipeline, the prefix of its counters. */
  String stageName();

  /** Whether the stage is on the record path or serves its results. */
  default StageRole stageRole() {
    return StageRole.STEP;
  }

  /** Checks a stage name, naming {@code what} (e.g. {@code Dedup.withStageName}) when it is bad. */
  static String checkName(String name, String what) {
    if (name == null || !name.matches("[a-z][a-z0-9_]*")) {
      throw new IllegalArgumentException(
          what
              + ": a stage name must be lower_snake_case (letters, digits, _), got '"
              + name
              + "'");
    }
    return name;
  }
}
