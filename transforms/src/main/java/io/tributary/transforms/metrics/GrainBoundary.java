package io.tributary.transforms.metrics;

/**
 * A transform whose output rows are not the records of its input but aggregates of them (one row
 * per window and group). The run's accounting line counts records: the stages that feed a grain
 * boundary end the record path (their {@code out} is the run's {@code written}), and every stage
 * downstream of it serves the aggregates, so it is accounted as a {@link StageRole#SINK}: balanced
 * on its own, outside the line.
 *
 * <pre>{@code
 * public final class Aggregate extends PTransform<PCollection<Row>, PCollection<Row>>
 *     implements GrainBoundary { ... }
 * }</pre>
 */
public interface GrainBoundary {}
