package io.tributary.pipelines.options;

import io.tributary.transforms.windowing.Windowing;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * How keyed state is spread ({@code --stateBuckets}): stages that remember many ids (clickstream's
 * Dedup) hash them into this many Beam keys, each holding a map of ids and one timer, rather than
 * one key per id.
 *
 * <p>More buckets spread the state over more parallel instances on Flink (keep it well above {@code
 * --maxParallelism}'s share per slot); the Direct runner pays milliseconds per key and timer on
 * every scheduling round, so the {@code direct} profile uses 16. The number never changes a result:
 * which copy of an id is first is decided per id, whatever bucket holds it.
 *
 * <p>{@code --routerBuckets} spreads the too-late router of every window stage (clickstream's, and
 * a spec's {@code Window} and {@code WindowInto} steps; one key and so one Flink slot by default)
 * over that many keys ({@code Windowing.withRouterBuckets}, docs/streaming.md); the number is part
 * of the job's state, so keep it across a savepoint. Both apply to spec pipelines' {@code Dedup}
 * and window steps as they do to clickstream.
 *
 * <pre>{@code
 * tributary run clickstream --input=... --output=... --stateBuckets=1024
 * tributary run clickstream --source=kafka ... --profile=flink-cluster --routerBuckets=8
 * }</pre>
 */
@Description("Keyed state")
public interface StateOptions extends PipelineOptions {
  @Description(
      "How many Beam keys stages that remember ids (Dedup) hash them into; more spreads state "
          + "over more Flink slots, fewer spares the Direct runner (its profile sets 16).")
  @Default.Integer(512)
  Integer getStateBuckets();

  void setStateBuckets(Integer value);

  @Description(
      "How many Beam keys the too-late router of a window stage (clickstream's, a spec's Window "
          + "and WindowInto steps) runs on in a "
          + "streaming run (1 to "
          + Windowing.MAX_ROUTER_BUCKETS
          + "; 1: one Flink slot). Part of the savepoint: keep it when "
          + "restoring.")
  @Default.Integer(1)
  Integer getRouterBuckets();

  void setRouterBuckets(Integer value);

  /** {@code --stateBuckets} of {@code options}, checked: a whole number of at least 1. */
  static int stateBuckets(PipelineOptions options) {
    Integer buckets = options.as(StateOptions.class).getStateBuckets();
    if (buckets == null || buckets < 1) {
      throw new IllegalArgumentException(
          "--stateBuckets: expected a whole number >= 1, got " + buckets);
    }
    return buckets;
  }

  /**
   * {@code --routerBuckets} of {@code options}, checked: a whole number from 1 to {@link
   * Windowing#MAX_ROUTER_BUCKETS}.
   */
  static int routerBuckets(PipelineOptions options) {
    Integer router = options.as(StateOptions.class).getRouterBuckets();
    if (router == null || router < 1 || router > Windowing.MAX_ROUTER_BUCKETS) {
      throw new IllegalArgumentException(
          "--routerBuckets: expected a whole number from 1 to "
              + Windowing.MAX_ROUTER_BUCKETS
              + ", got "
              + router);
    }
    return router;
  }
}
