package io.tributary.pipelines.spec;

import io.tributary.pipelines.runtime.RunOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * The options of a spec run: those of every run ({@link RunOptions}: output, lineage, progress,
 * prices). Values under the spec's {@code options:} are defaults for them; the spec's own variables
 * are set with {@code --name=value} too and are not pipeline options.
 *
 * <pre>{@code
 * tributary run pipelines/specs/clickstream.yaml --output=/tmp/out --profile=direct
 * tributary run pipelines/specs/clickstream.yaml --output=/tmp/out --fuseSteps=false
 * }</pre>
 */
public interface SpecOptions extends RunOptions {
  @Description(
      "Whether steps that can run as one Beam step do (a source and the Validate after it, runs of"
          + " per-row steps; default true). false keeps every step its own operator, as check and"
          + " graph show them, e.g. for per-step operator metrics in the Flink UI; a batch run"
          + " then serializes every row between such steps. Results and accounting are the same.")
  @Default.Boolean(true)
  boolean getFuseSteps();

  void setFuseSteps(boolean fuseSteps);
}
