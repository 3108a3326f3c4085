package io.tributary.transforms.spec;

import java.util.function.Function;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;

/**
 * Builds the {@link SchemaTransform} of a provider from a function of its main input, so a provider
 * is a few lines: read the configuration, build the library's transform, apply it.
 *
 * <pre>{@code
 * return StepTransforms.map(rows -> rows.apply(Validate.rows().withRule(rule)));
 * return StepTransforms.of(rows -> {
 *   WindowedResult<Row> w = rows.apply(Windowing.of(spec));
 *   return PCollectionRowTuple.of("output", w.output()).and("too_late", w.tooLate());
 * });
 * }</pre>
 */
public final class StepTransforms {
  private StepTransforms() {}

  /** One input (tag {@value StepProvider#INPUT}) to any outputs. */
  public static SchemaTransform of(Function<PCollection<Row>, PCollectionRowTuple> expand) {
    return new Fn(
        tuple -> {
          if (!tuple.has(StepProvider.INPUT)) {
            throw new IllegalArgumentException(
                "this step needs an input; give it 'input:' or put it in a chain after a source");
          }
          return expand.apply(tuple.get(StepProvider.INPUT));
        });
  }

  /** One input to one output (tag {@value StepProvider#OUTPUT}). */
  public static SchemaTransform map(Function<PCollection<Row>, PCollection<Row>> expand) {
    return of(rows -> PCollectionRowTuple.of(StepProvider.OUTPUT, expand.apply(rows)));
  }

  /** Any inputs to any outputs. */
  public static SchemaTransform tuple(Function<PCollectionRowTuple, PCollectionRowTuple> expand) {
    return new Fn(expand);
  }

  /** A source: no input, one output. */
  public static SchemaTransform source(
      Function<org.apache.beam.sdk.Pipeline, PCollection<Row>> read) {
    return new Fn(
        tuple -> PCollectionRowTuple.of(StepProvider.OUTPUT, read.apply(tuple.getPipeline())));
  }

  /** A sink: one input, no output. */
  public static SchemaTransform sink(java.util.function.Consumer<PCollection<Row>> write) {
    return of(
        rows -> {
          write.accept(rows);
          return PCollectionRowTuple.empty(rows.getPipeline());
        });
  }

  private static final class Fn extends SchemaTransform {
    private static final long serialVersionUID = 1L;

    // Construction-time only: a SchemaTransform is expanded, never shipped to workers.
    @SuppressWarnings("serial")
    private final transient Function<PCollectionRowTuple, PCollectionRowTuple> expand;

    Fn(Function<PCollectionRowTuple, PCollectionRowTuple> expand) {
      this.expand = expand;
    }

    @Override
    public PCollectionRowTuple expand(PCollectionRowTuple input) {
      return expand.apply(input);
    }
  }
}
