package io.tributary.transforms.spec;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.metrics.AccountedStage;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What a step knows about the pipeline it is built into: its stage name (the step's {@code name},
 * which is also its name in the run accounting and in dead letters), the error handler its bad
 * records go to, and the run's variables (for paths such as {@code ${output}/aggregates}, already
 * substituted by the engine; kept here for providers that derive paths of their own).
 *
 * <pre>{@code
 * StepContext ctx = StepContext.of("validate_orders").withErrorHandler(deadLetters);
 * SchemaTransform t = provider.from(config, ctx);
 * }</pre>
 */
public final class StepContext {
  private final String stageName;
  private final @Nullable ErrorHandler<BadRecord, ?> errorHandler;
  private final Map<String, String> variables;

  private StepContext(
      String stageName,
      @Nullable ErrorHandler<BadRecord, ?> errorHandler,
      Map<String, String> variables) {
    this.stageName = stageName;
    this.errorHandler = errorHandler;
    this.variables = variables;
  }

  /** A context for the step named {@code stageName}; bad records throw until a handler is set. */
  public static StepContext of(String stageName) {
    return new StepContext(
        AccountedStage.checkName(stageName, "StepContext.of: stageName"), null, Map.of());
  }

  /** The same context whose steps send bad records to {@code handler}. */
  public StepContext withErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    return new StepContext(stageName, Objects.requireNonNull(handler, "handler"), variables);
  }

  /** The same context with the run's variables ({@code output}, the spec's options). */
  public StepContext withVariables(Map<String, String> vars) {
    return new StepContext(stageName, errorHandler, new TreeMap<>(vars));
  }

  /** The step's name: its stage name in the accounting and in dead letters. */
  public String stageName() {
    return stageName;
  }

  /**
   * A stage name derived from this step's, for a step that builds more than one accounted stage
   * (for example a quality step's own decode): {@code <step>_<suffix>}.
   */
  public String stageName(String suffix) {
    checkArgument(suffix.matches("[a-z0-9_]+"), "suffix must be lower_snake_case: %s", suffix);
    return stageName + "_" + suffix;
  }

  /** Where bad records go; null when the step is used without one (bad records then throw). */
  public @Nullable ErrorHandler<BadRecord, ?> errorHandler() {
    return errorHandler;
  }

  /** A run variable, or null. */
  public @Nullable String variable(String name) {
    return variables.get(name);
  }
}
