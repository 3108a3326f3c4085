package io.tributary.transforms.validate;

import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepProvider;
import io.tributary.transforms.stages.RecordStages;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A source step that runs the steps after it in its own decoding step ({@link
 * StepProvider#fusedWith}): the whole run of record stages ({@code Validate}, {@code MapToFields},
 * {@code Filter}, {@code Protect}, {@code EventTime}) that follows it, as {@code ReadFiles} and
 * {@code ReadKafka} do. The subclass builds its source with or without the stages, the rest is
 * here.
 *
 * <pre>{@code
 * public final class ReadThingsStep extends ValidatingSourceStep {
 *   protected SchemaTransform build(Row configuration, StepContext context,
 *       @Nullable RecordStages stages) {
 *     ReadThings read = ReadThings.from(configuration);
 *     ReadThings built = stages == null ? read : read.withStages(stages);
 *     return StepTransforms.source(p -> p.apply("ReadThings", built));
 *   }
 *   ... typeName(), description(), kind(), configurationSchema()
 * }
 * }</pre>
 */
public abstract class ValidatingSourceStep extends StepProvider {
  /**
   * The source configured by {@code configuration}, running {@code stages} (any record stages, in
   * their order) in its decoding step when not null.
   */
  protected abstract SchemaTransform build(
      Row configuration, StepContext context, @Nullable RecordStages stages);

  @Override
  public final SchemaTransform from(Row configuration, StepContext context) {
    return build(configuration, context, null);
  }

  /** Any record stage right after this one runs in this step's decoding, with the run after it. */
  @Override
  public final boolean fusesWith(StepProvider next) {
    return next.isRecordStage();
  }

  @Override
  public final SchemaTransform fusedWith(
      Row configuration, StepContext context, RecordStages next) {
    return build(configuration, context, next);
  }
}
