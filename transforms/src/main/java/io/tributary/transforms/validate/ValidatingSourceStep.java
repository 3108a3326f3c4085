package io.tributary.transforms.validate;

import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepProvider;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A source step that checks the rules of a {@code Validate} step reading only its output in its own
 * decoding step ({@link StepProvider#fusedWith}), as {@code ReadFiles} and {@code ReadKafka} do:
 * the subclass builds its source with or without a {@link Validate}, the rest is here.
 *
 * <pre>{@code
 * public final class ReadThingsStep extends ValidatingSourceStep {
 *   protected SchemaTransform build(Row configuration, StepContext context,
 *       @Nullable Validate validation) {
 *     ReadThings read = ReadThings.from(configuration);
 *     ReadThings built = validation == null ? read : read.withValidation(validation);
 *     return StepTransforms.source(p -> p.apply("ReadThings", built));
 *   }
 *   ... typeName(), description(), kind(), configurationSchema()
 * }
 * }</pre>
 */
public abstract class ValidatingSourceStep extends StepProvider {
  /**
   * The source configured by {@code configuration}, checking {@code validation}'s rules in its
   * decoding step when not null (the {@code Validate} step after it, fused).
   */
  protected abstract SchemaTransform build(
      Row configuration, StepContext context, @Nullable Validate validation);

  @Override
  public final SchemaTransform from(Row configuration, StepContext context) {
    return build(configuration, context, null);
  }

  /** A {@code Validate} step right after this one checks its rules in this step's decoding. */
  @Override
  public final boolean fusesWith(StepProvider next) {
    return next instanceof ValidateStep;
  }

  @Override
  public final @Nullable SchemaTransform fusedWith(
      Row configuration,
      StepContext context,
      StepProvider next,
      Row nextConfiguration,
      StepContext nextContext) {
    if (!fusesWith(next)) {
      return null;
    }
    return build(configuration, context, ValidateStep.validate(nextConfiguration, nextContext));
  }
}
