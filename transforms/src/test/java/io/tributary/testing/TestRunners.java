package io.tributary.testing;

import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.testing.TestPipeline;

/**
 * Which runner the current surefire execution targets. The parent pom runs every test twice, once
 * with {@code -Dtributary.test.runner=direct} and once with {@code flink}, and sets {@code
 * beamTestPipelineOptions} accordingly, so {@link TestPipeline} picks the runner up.
 *
 * <pre>{@code
 * @Rule public final transient TestPipeline p = TestPipeline.create();
 * // ...
 * if (TestRunners.isFlink()) { ... a documented runner difference ... }
 * }</pre>
 */
public final class TestRunners {
  private TestRunners() {}

  /** {@code direct} or {@code flink}; {@code direct} when run outside Maven (e.g. in an IDE). */
  public static String current() {
    return System.getProperty("tributary.test.runner", "direct");
  }

  /** Whether this execution targets the Flink runner. */
  public static boolean isFlink() {
    return "flink".equals(current());
  }

  /** Fresh options for the current runner, as TestPipeline would build them. */
  public static PipelineOptions options() {
    return TestPipeline.testingPipelineOptions();
  }
}
