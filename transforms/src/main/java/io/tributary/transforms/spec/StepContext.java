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
 * records go to, the run's variables (for paths such as {@code ${output}/aggregates}, already
 * substituted by the engine; kept here for providers that derive paths of their own) and how the
 * run spreads keyed state ({@code --stateBuckets}, {@code --routerBuckets}).
 *
 * <pre>{@code
 * StepContext ctx = StepContext.of("validate_orders").withErrorHandler(deadLetters)
 *     .withStateBuckets(16).withRouterBuckets(4);
 * SchemaTransform t = provider.from(config, ctx);
 * }</pre>
 */
public final class StepContext {
  private final String stageName;
  private final @Nullable ErrorHandler<BadRecord, ?> errorHandler;
  private final Map<String, String> variables;
  private final @Nullable Integer stateBuckets;
  private final @Nullable Integer routerBuckets;

  private StepContext(
      String stageName,
      @Nullable ErrorHandler<BadRecord, ?> errorHandler,
      Map<String, String> variables,
      @Nullable Integer stateBuckets,
      @Nullable Integer routerBuckets) {
    this.stageName = stageName;
    this.errorHandler = errorHandler;
    this.variables = variables;
    this.stateBuckets = stateBuckets;
    this.routerBuckets = routerBuckets;
  }

  /** A context for the step named {@code stageName}; bad records throw until a handler is set. */
  public static StepContext of(String stageName) {
    return new StepContext(
        AccountedStage.checkName(stageName, "StepContext.of: stageName"),
        null,
        Map.of(),
        null,
        null);
  }

  /** The same context whose steps send bad records to {@code handler}. */
  public StepContext withErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    return new StepContext(
        stageName,
        Objects.requireNonNull(handler, "handler"),
        variables,
        stateBuckets,
        routerBuckets);
  }

  /** The same context with the run's variables ({@code output}, the spec's options). */
  public StepContext withVariables(Map<String, String> vars) {
    return new StepContext(
        stageName, errorHandler, new TreeMap<>(vars), stateBuckets, routerBuckets);
  }

  /**
   * The same context with the run's spread of keyed state: steps that remember ids ({@code Dedup})
   * hash them into {@code buckets} Beam keys instead of their own default.
   */
  public StepContext withStateBuckets(int buckets) {
    checkArgument(buckets >= 1, "StepContext.withStateBuckets: expected >= 1, got %s", buckets);
    return new StepContext(stageName, errorHandler, variables, buckets, routerBuckets);
  }

  /**
   * The same context whose window steps run their too-late router on {@code buckets} Beam keys
   * ({@code Windowing.Into#withRouterBuckets}) instead of one.
   */
  public StepContext withRouterBuckets(int buckets) {
    // 4096 is Windowing.MAX_ROUTER_BUCKETS, which this package cannot name (windowing depends on
    // it).
    checkArgument(
        buckets >= 1 && buckets <= 4096,
        "StepContext.withRouterBuckets: expected 1 to 4096, got %s",
        buckets);
    return new StepContext(stageName, errorHandler, variables, stateBuckets, buckets);
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

  /** How many keys id-remembering steps hash into; null: the step's own default. */
  public @Nullable Integer stateBuckets() {
    return stateBuckets;
  }

  /** How many keys window steps' too-late routers run on; null: the step's own default (one). */
  public @Nullable Integer routerBuckets() {
    return routerBuckets;
  }

  /** A run variable, or null. */
  public @Nullable String variable(String name) {
    return variables.get(name);
  }
}
