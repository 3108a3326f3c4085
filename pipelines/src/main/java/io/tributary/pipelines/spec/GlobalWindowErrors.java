package io.tributary.pipelines.spec;

import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.POutput;
import org.joda.time.Duration;

/**
 * The run's dead-letter handler as one step sees it: every bad-record collection the step adds is
 * moved into the global window with the default trigger first, so that rejections of a step after a
 * {@code Window} step can be flattened with those of the steps before it (Beam refuses to flatten
 * collections with different windowing).
 *
 * <pre>{@code
 * ctx = ctx.withErrorHandler(new GlobalWindowErrors(deadLetters, step.name()));
 * }</pre>
 */
final class GlobalWindowErrors implements ErrorHandler<BadRecord, POutput> {
  private final ErrorHandler<BadRecord, ?> delegate;
  private final String step;
  private int added;

  GlobalWindowErrors(ErrorHandler<BadRecord, ?> delegate, String step) {
    this.delegate = delegate;
    this.step = step;
  }

  @Override
  public void addErrorCollection(PCollection<BadRecord> errors) {
    added++;
    delegate.addErrorCollection(
        errors.apply(
            step + "/ErrorsToGlobalWindow" + (added == 1 ? "" : String.valueOf(added)),
            Window.<BadRecord>into(new GlobalWindows())
                .triggering(DefaultTrigger.of())
                .withAllowedLateness(Duration.ZERO)
                .discardingFiredPanes()));
  }

  @Override
  public boolean isClosed() {
    return delegate.isClosed();
  }

  @Override
  public POutput getOutput() {
    throw new IllegalStateException("the run's dead-letter handler is closed by the run");
  }

  @Override
  public void close() {
    throw new IllegalStateException("the run's dead-letter handler is closed by the run");
  }
}
