package io.tributary.pipelines;

import io.tributary.testing.TestRunners;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * A job's options parsed from its command-line arguments, on the runner of the current test
 * execution: the runner and the Direct runner's checks come from {@code beamTestPipelineOptions}
 * (which the pom sets per execution), Flink runs with parallelism 2.
 *
 * <pre>{@code
 * OrdersMartOptions o = TestOptions.of(OrdersMartOptions.class, "--orders=" + log, "--output=" + out);
 * Pipeline p = Pipeline.create(o);
 * }</pre>
 *
 * <p>The unit-test executions keep the Direct runner's immutability and encodability checks on
 * (they catch DoFns that mutate their input or emit what their coder cannot encode); pipelines'
 * {@code it-direct} execution turns them off, as {@code --profile=direct} does, because its ITs run
 * whole jobs for outage, serving and end-to-end behaviour, and the stages and connectors they run
 * also run with the checks on, in pipelines' unit tests and io-connectors' ITs.
 */
public final class TestOptions {
  private TestOptions() {}

  /** {@code args} parsed as {@code kind}, with the runner settings of the current execution. */
  public static <T extends PipelineOptions> T of(Class<T> kind, String... args) {
    T o = PipelineOptionsFactory.fromArgs(args).as(kind);
    PipelineOptions base = TestRunners.options();
    o.setRunner(base.getRunner());
    o.setStableUniqueNames(base.getStableUniqueNames());
    if (TestRunners.isFlink()) {
      o.as(FlinkPipelineOptions.class).setParallelism(2);
    } else {
      DirectOptions checks = base.as(DirectOptions.class);
      DirectOptions direct = o.as(DirectOptions.class);
      direct.setEnforceImmutability(checks.isEnforceImmutability());
      direct.setEnforceEncodability(checks.isEnforceEncodability());
    }
    return o;
  }
}
