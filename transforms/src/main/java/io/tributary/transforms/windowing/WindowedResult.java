package io.tributary.transforms.windowing;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableMap;

/**
 * The result of an event-time transform that routes too-late records to their own output instead of
 * dropping them: the windowed {@link #output()} and the {@link #tooLate()} rows. Returned by {@link
 * Windowing#of(WindowSpec)} (with {@code T} the input type) and by {@code Sessionize.byUser(...)}
 * (with {@code T = Row}, one session summary per row).
 *
 * <pre>{@code
 * WindowedResult<Row> windowed = events.apply("Window",
 *     Windowing.<Row>of(WindowSpec.parse("fixed:1h;late=every;lateness=2h;accumulating")));
 * windowed.output().apply("Count", Combine.globally(Count.<Row>combineFn()).withoutDefaults());
 * windowed.tooLate().apply("WriteLate", ...);   // Rows of Windowing.tooLateSchema(input schema)
 *
 * WindowedResult<Row> sessions = events.apply("Sessions", Sessionize.<Row>byUser("user_id"));
 * sessions.output();   // one Sessionize.SUMMARY_SCHEMA row per session and pane
 * }</pre>
 *
 * <p>One class for both transforms because their outputs mean the same thing: what the window
 * admitted, and what it refused as too late; only the element type of {@link #output()} differs.
 */
public final class WindowedResult<T> implements POutput {
  /**
   * Tag of {@link #output()} in {@link #expand()}. Typed {@code TupleTag<?>} because one constant
   * serves every {@code T}; it is the same in every application, so the graph is stable.
   */
  public static final TupleTag<?> OUTPUT = new TupleTag<>("output");

  /** Tag of {@link #tooLate()} in {@link #expand()}. */
  public static final TupleTag<Row> TOO_LATE = new TupleTag<Row>("tooLate") {};

  private final Pipeline pipeline;
  private final PCollection<T> output;
  private final PCollection<Row> tooLate;

  private WindowedResult(Pipeline pipeline, PCollection<T> output, PCollection<Row> tooLate) {
    this.pipeline = pipeline;
    this.output = output;
    this.tooLate = tooLate;
  }

  /**
   * Wraps a transform's two outputs; for implementers of transforms like {@link Windowing}, both
   * collections must belong to {@code pipeline}.
   */
  public static <T> WindowedResult<T> of(
      Pipeline pipeline, PCollection<T> output, PCollection<Row> tooLate) {
    checkArgument(
        pipeline != null && output != null && tooLate != null,
        "WindowedResult.of: pipeline, output and tooLate must not be null");
    return new WindowedResult<>(pipeline, output, tooLate);
  }

  /**
   * The admitted records, windowed and triggered by the spec (for {@code Sessionize}, the session
   * summaries computed from them); feed them to an aggregation or a sink.
   */
  public PCollection<T> output() {
    return output;
  }

  /**
   * One {@link Row} of {@link Windowing#tooLateSchema(Schema)} per record and window it missed, in
   * the global window with the record's timestamp.
   */
  public PCollection<Row> tooLate() {
    return tooLate;
  }

  @Override
  public Pipeline getPipeline() {
    return pipeline;
  }

  @Override
  public Map<TupleTag<?>, PValue> expand() {
    return ImmutableMap.of(OUTPUT, output, TOO_LATE, tooLate);
  }

  @Override
  public void finishSpecifyingOutput(
      String transformName, PInput input, PTransform<?, ?> transform) {}
}
