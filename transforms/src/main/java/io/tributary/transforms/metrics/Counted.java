package io.tributary.transforms.metrics;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.errors.DeadLetters;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;

/**
 * Passes elements through unchanged, counting them in the counter {@code tributary/<name>}.
 *
 * <p>Pipelines mark the accounting points with it: {@code read} after the source and {@code
 * written} where records leave for their sinks.
 *
 * <pre>{@code
 * lines.apply("CountRead", Counted.as(RunAccounting.READ));
 * }</pre>
 */
public final class Counted<T> extends PTransform<PCollection<T>, PCollection<T>> {
  private final String counterName;

  private Counted(String name) {
    this.counterName = name;
  }

  /** Counts into {@code tributary/<name>}. */
  public static <T> Counted<T> as(String name) {
    checkArgument(
        name != null && name.matches("[a-z0-9_.]+"),
        "Counted.as: name must be lower_snake_case, got '%s'",
        name);
    return new Counted<>(name);
  }

  @Override
  public PCollection<T> expand(PCollection<T> input) {
    PCollection<T> out = input.apply("Count_" + counterName, ParDo.of(new CountFn<T>(counterName)));
    // Same coder as the input: a SchemaCoder stays a SchemaCoder, so the schema carries through.
    return out.setCoder(input.getCoder());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(
        DisplayData.item("counter", DeadLetters.NAMESPACE + "/" + counterName)
            .withLabel("Counter"));
  }

  static final class CountFn<T> extends DoFn<T, T> {
    private final Counter counter;

    CountFn(String name) {
      this.counter = LiveMetrics.counter(DeadLetters.NAMESPACE, name);
    }

    @ProcessElement
    public void process(@Element T element, OutputReceiver<T> out) {
      counter.inc();
      out.output(element);
    }
  }
}
