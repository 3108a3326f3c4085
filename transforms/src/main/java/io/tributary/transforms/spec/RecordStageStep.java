package io.tributary.transforms.spec;

import io.tributary.transforms.stages.RecordStage;
import io.tributary.transforms.stages.RecordStages;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * A step type whose transform works one row at a time ({@link RecordStage}): applied on its own,
 * the step is that transform; in a spec, a run of such steps is built as one {@link RecordStages}
 * step ({@link #recordStage}). The subclass builds the transform from the step's configuration.
 *
 * <pre>{@code
 * public final class UpperStep extends RecordStageStep {
 *   public RecordStage recordStage(Row configuration, StepContext context) {
 *     return Upper.fields(StepConfig.of(configuration).stringList("fields"))
 *         .withStageName(context.stageName())
 *         .withBadRecordErrorHandler(context.errorHandler());
 *   }
 *   ... typeName(), description(), kind(), configurationSchema()
 * }
 * }</pre>
 */
public abstract class RecordStageStep extends StepProvider {
  /**
   * The step's transform, named and routed by {@code context}: a {@code
   * PTransform<PCollection<Row>, PCollection<Row>>} that is a {@link RecordStage}.
   */
  @Override
  public abstract RecordStage recordStage(Row configuration, StepContext context);

  /** True: every step of this type can run as a stage of another step. */
  @Override
  public final boolean isRecordStage() {
    return true;
  }

  /** The step on its own: its {@link #recordStage} applied to the input rows. */
  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    PTransform<PCollection<Row>, PCollection<Row>> built =
        transformOf(recordStage(configuration, context));
    return StepTransforms.map(rows -> rows.apply(built));
  }

  /** {@code stage} as the transform it is (a record stage is a transform of rows). */
  @SuppressWarnings("unchecked")
  private PTransform<PCollection<Row>, PCollection<Row>> transformOf(RecordStage stage) {
    if (!(stage instanceof PTransform)) {
      throw new IllegalStateException(
          typeName() + ": its record stage must be a PTransform of rows, got " + stage.getClass());
    }
    return (PTransform<PCollection<Row>, PCollection<Row>>) stage;
  }
}
