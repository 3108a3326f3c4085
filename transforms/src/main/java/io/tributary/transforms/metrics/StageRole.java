package io.tributary.transforms.metrics;

/**
 * What an {@link AccountedStage} is to the run's accounting line.
 *
 * <ul>
 *   <li>{@link #STEP}: a stage on the record path (sources, decoders, validators, deduplication,
 *       windowing, CDC). The run's {@code read} is the {@code in} of the stages nothing accounted
 *       feeds, its {@code written} the {@code out} of the stages that feed no other step, and every
 *       record a step drops is one of the line's exits.
 *   <li>{@link #SINK}: a stage that serves what the record path produced (a database upsert of
 *       aggregates, say), often at another granularity. It balances on its own in the per-stage
 *       table and its rejections are dead letters, but it is not part of the run's identity. Every
 *       stage downstream of a {@link GrainBoundary} (an aggregation) has this role.
 * </ul>
 */
public enum StageRole {
  /** A stage on the record path. */
  STEP,
  /** A stage that serves the record path's results; balanced on its own. */
  SINK
}
