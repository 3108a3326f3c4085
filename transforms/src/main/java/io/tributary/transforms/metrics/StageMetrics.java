package io.tributary.transforms.metrics;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.errors.DeadLetters;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Instant;

/**
 * An observation point after a pipeline stage: passes elements through unchanged and records the
 * stage's output in Beam metrics, which every runner reports (and Flink also exposes in its own
 * metric system and REST API):
 *
 * <ul>
 *   <li>{@code tributary/stage.<name>.out}: a counter of records leaving the stage;
 *   <li>{@code tributary/stage.<name>.lag_ms}: a distribution of processing lag, the processing
 *       time minus the element's event time, in milliseconds (elements without an event time, still
 *       at the minimum timestamp, are not measured).
 * </ul>
 *
 * <p>A stage's input is the output of the observation point before it (the first stage's is the
 * {@code read} counter), so pipelines place one after every stage; {@code RunMetrics} in the
 * pipelines module puts them in order and adds dead letters by reason, duplicates and late records.
 *
 * <pre>{@code
 * rows.apply("Validate", Validate.rows().withRule(...))
 *     .apply("ObserveValidate", StageMetrics.after("validate"));
 * }</pre>
 */
public final class StageMetrics<T> extends PTransform<PCollection<T>, PCollection<T>> {
  /** Prefix of every stage metric name. */
  public static final String PREFIX = "stage.";

  /** Suffix of the records-out counter. */
  public static final String OUT = ".out";

  /** Suffix of the processing-lag distribution. */
  public static final String LAG_MS = ".lag_ms";

  /** Suffix of the in-JVM maximum event time (see {@link LiveMetrics}). */
  public static final String EVENT_TIME_MAX = ".event_time_max";

  private final String stage;

  private StageMetrics(String stage) {
    this.stage = stage;
  }

  /** Observes the output of {@code stage} (lower_snake_case, e.g. {@code dedup}). */
  public static <T> StageMetrics<T> after(String stage) {
    checkArgument(
        stage != null && stage.matches("[a-z0-9_]+"),
        "StageMetrics.after: stage must be lower_snake_case, got '%s'",
        stage);
    return new StageMetrics<>(stage);
  }

  /** The stage name. */
  public String stage() {
    return stage;
  }

  @Override
  public PCollection<T> expand(PCollection<T> input) {
    return input
        .apply("Observe_" + stage, ParDo.of(new ObserveFn<T>(stage)))
        .setCoder(input.getCoder());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("stage", stage).withLabel("Stage"))
        .add(
            DisplayData.item("counter", DeadLetters.NAMESPACE + "/" + PREFIX + stage + OUT)
                .withLabel("Counter"))
        .add(
            DisplayData.item("distribution", DeadLetters.NAMESPACE + "/" + PREFIX + stage + LAG_MS)
                .withLabel("Distribution"));
  }

  static final class ObserveFn<T> extends DoFn<T, T> {
    private final String stage;
    private final Counter out;
    private final Distribution lag;

    ObserveFn(String stage) {
      this.stage = stage;
      this.out = LiveMetrics.counter(DeadLetters.NAMESPACE, PREFIX + stage + OUT);
      this.lag = Metrics.distribution(DeadLetters.NAMESPACE, PREFIX + stage + LAG_MS);
    }

    @ProcessElement
    public void process(
        @Element T element, @Timestamp Instant timestamp, OutputReceiver<T> receiver) {
      out.inc();
      if (timestamp.isAfter(BoundedWindow.TIMESTAMP_MIN_VALUE)) {
        long now = System.currentTimeMillis();
        lag.update(now - timestamp.getMillis());
        LiveMetrics.max(
            DeadLetters.NAMESPACE, PREFIX + stage + EVENT_TIME_MAX, timestamp.getMillis());
      }
      receiver.output(element);
    }
  }
}
