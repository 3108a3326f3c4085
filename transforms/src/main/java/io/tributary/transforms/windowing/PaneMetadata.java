package io.tributary.transforms.windowing;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.metrics.LiveMetrics;
import java.io.Serializable;
import java.util.Objects;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * Where a windowed result sits in time: its window and its pane (timing, index, whether final, and
 * when known how many elements it holds), so a sink can upsert by window and keep the highest pane
 * instead of appending duplicates.
 *
 * <p>Timing is {@code EARLY} (before the watermark passed the window end), {@code ON_TIME} or
 * {@code LATE} (within the allowed lateness), or {@code UNKNOWN} (not triggered, e.g. a bounded run
 * on some runners). In accumulating mode each pane replaces the previous one; in discarding mode
 * panes add up. {@link #attach()} appends these fields to every row of an aggregate: {@code
 * window_start}, {@code window_end} (null in the global window), {@code pane_timing}, {@code
 * pane_index}, {@code pane_on_time_index}, {@code pane_final}; and counts panes in {@code
 * tributary/pane.early}, {@code pane.on_time}, {@code pane.late}.
 *
 * <p>The sink rule ({@link #replaces(PaneMetadata)}): upsert by window; an empty pane ({@link
 * #elementCount()} 0) never replaces anything, and a stored empty pane counts as none; otherwise a
 * pane replaces the stored one only if it has a higher index and the stored one is not final. A
 * non-empty pane with {@link #isFinal()} true is the window's result. Windows built by {@link
 * WindowSpec#toWindow()} emit no empty on-time or final panes, but a window may end without a final
 * pane (nothing arrived after its last pane), so the highest pane stored is the result. The element
 * count is the sink's guard against empty panes from other windowing strategies or runners: give it
 * with {@link #of(BoundedWindow, PaneInfo, long)} where the aggregation still knows it.
 *
 * <pre>{@code
 * // inside a DoFn over windowed aggregates
 * PaneMetadata meta = PaneMetadata.of(window, paneInfo);
 * // or on a schema'd aggregate collection
 * PCollection<Row> withPanes = aggregates.apply("PaneMetadata", PaneMetadata.attach());
 * }</pre>
 */
@AutoValue
public abstract class PaneMetadata implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Field: start of the window, inclusive. */
  public static final String WINDOW_START = "window_start";

  /** Field: end of the window, exclusive. */
  public static final String WINDOW_END = "window_end";

  /** Field: EARLY, ON_TIME, LATE or UNKNOWN. */
  public static final String PANE_TIMING = "pane_timing";

  /** Field: 0 for the first pane of a window, then 1, 2, ... */
  public static final String PANE_INDEX = "pane_index";

  /** Field: index among non-early panes; -1 for early panes. */
  public static final String PANE_ON_TIME_INDEX = "pane_on_time_index";

  /** Field: whether no further pane will follow for this window. */
  public static final String PANE_FINAL = "pane_final";

  /** Counter prefix of the per-timing pane counters, e.g. {@code pane.early}. */
  public static final String PANE_COUNTER_PREFIX = "pane.";

  /** The schema of the pane fields alone. */
  public static final Schema SCHEMA =
      Schema.builder()
          .addNullableField(WINDOW_START, FieldType.DATETIME)
          .addNullableField(WINDOW_END, FieldType.DATETIME)
          .addStringField(PANE_TIMING)
          .addInt64Field(PANE_INDEX)
          .addInt64Field(PANE_ON_TIME_INDEX)
          .addBooleanField(PANE_FINAL)
          .build();

  /** Window start; null for the global window. */
  public abstract @Nullable Instant windowStart();

  /** Window end; null for the global window. */
  public abstract @Nullable Instant windowEnd();

  /** EARLY, ON_TIME, LATE or UNKNOWN. */
  public abstract String timing();

  /** Pane index within the window. */
  public abstract long index();

  /** Index among non-early panes, -1 for early panes. */
  public abstract long onTimeIndex();

  /** Whether this is the last pane of its window. */
  public abstract boolean isFinal();

  /**
   * How many input elements the pane holds (in accumulating mode: all of the window's so far), or
   * null when the caller did not say ({@link #of(BoundedWindow, PaneInfo)}). Not a pane field of
   * {@link #SCHEMA}.
   */
  public abstract @Nullable Long elementCount();

  /** Whether the pane is known to hold no element ({@link #elementCount()} is 0). */
  public boolean isEmpty() {
    Long n = elementCount();
    return n != null && n == 0;
  }

  /**
   * Whether a sink holding {@code current} for this pane's window should replace it with this pane:
   * same window, this pane not known to be empty, and either {@code current} is known to be empty
   * (whatever the indices: an empty pane is as good as none) or this pane has a higher index and
   * {@code current} is not final. Never true for an empty pane, nor after a real final one.
   */
  public boolean replaces(PaneMetadata current) {
    return Objects.equals(windowStart(), current.windowStart())
        && Objects.equals(windowEnd(), current.windowEnd())
        && !isEmpty()
        && (current.isEmpty() || (index() > current.index() && !current.isFinal()));
  }

  /**
   * The pane's timing, with one runner difference normalised. Beam's Flink runner translates a
   * bounded pipeline to Flink's batch API, which does not track panes: every window's single result
   * carries {@code PaneInfo.NO_FIRING} (timing UNKNOWN, first and last). In a bounded run a window
   * fires exactly once, after all of its input, which is what the Direct runner reports as the
   * ON_TIME pane; report it the same way so that outputs are identical on every runner.
   */
  public static PaneInfo.Timing timingOf(PaneInfo pane) {
    if (pane.getTiming() == PaneInfo.Timing.UNKNOWN && pane.isFirst() && pane.isLast()) {
      return PaneInfo.Timing.ON_TIME;
    }
    return pane.getTiming();
  }

  /** The metadata of {@code pane} of {@code window}, element count unknown. */
  public static PaneMetadata of(BoundedWindow window, PaneInfo pane) {
    return create(window, pane, null);
  }

  /** The metadata of {@code pane} of {@code window}, which holds {@code elementCount} elements. */
  public static PaneMetadata of(BoundedWindow window, PaneInfo pane, long elementCount) {
    checkArgument(
        elementCount >= 0, "PaneMetadata.of: elementCount must be >= 0, got %s", elementCount);
    return create(window, pane, elementCount);
  }

  private static PaneMetadata create(BoundedWindow window, PaneInfo pane, @Nullable Long count) {
    Instant start = null;
    Instant end = null;
    if (window instanceof IntervalWindow w) {
      start = w.start();
      end = w.end();
    }
    return new AutoValue_PaneMetadata(
        start,
        end,
        timingOf(pane).name(),
        pane.getIndex(),
        pane.getNonSpeculativeIndex(),
        pane.isLast(),
        count);
  }

  /** The schema of {@code input} with the pane fields appended. */
  public static Schema schemaWithPanes(Schema input) {
    for (Schema.Field f : SCHEMA.getFields()) {
      checkArgument(
          !input.hasField(f.getName()),
          "PaneMetadata.attach: input field '%s' clashes with a pane field; rename it",
          f.getName());
    }
    return Schema.builder().addFields(input.getFields()).addFields(SCHEMA.getFields()).build();
  }

  /** The pane fields' values, in {@link #SCHEMA} order. */
  public Object[] values() {
    return new Object[] {windowStart(), windowEnd(), timing(), index(), onTimeIndex(), isFinal()};
  }

  /** Appends the pane fields to every element of a schema'd windowed collection. */
  public static <T> Attach<T> attach() {
    return new Attach<>();
  }

  /** The transform returned by {@link #attach()}. */
  public static final class Attach<T> extends PTransform<PCollection<T>, PCollection<Row>> {
    private Attach() {}

    @Override
    public PCollection<Row> expand(PCollection<T> input) {
      checkArgument(
          input.hasSchema(), "PaneMetadata.attach: input %s has no schema", input.getName());
      Schema out = schemaWithPanes(input.getSchema());
      return input
          .apply("AttachPanes", ParDo.of(new AttachFn<T>(input.getToRowFunction(), out)))
          .setRowSchema(out);
    }
  }

  static final class AttachFn<T> extends DoFn<T, Row> {
    private final SerializableFunction<T, Row> toRow;
    private final Schema schema;
    private final Counter early = paneCounter(PaneInfo.Timing.EARLY);
    private final Counter onTime = paneCounter(PaneInfo.Timing.ON_TIME);
    private final Counter late = paneCounter(PaneInfo.Timing.LATE);

    AttachFn(SerializableFunction<T, Row> toRow, Schema schema) {
      this.toRow = toRow;
      this.schema = schema;
    }

    @ProcessElement
    public void process(
        @Element T element, BoundedWindow window, PaneInfo pane, OutputReceiver<Row> out) {
      count(pane, early, onTime, late);
      out.output(
          Row.withSchema(schema)
              .addValues(toRow.apply(element).getValues())
              .addValues(of(window, pane).values())
              .build());
    }
  }

  /** The counter {@code tributary/pane.<timing>}. */
  public static Counter paneCounter(PaneInfo.Timing timing) {
    return LiveMetrics.counter(
        DeadLetters.NAMESPACE,
        PANE_COUNTER_PREFIX + timing.name().toLowerCase(java.util.Locale.ROOT));
  }

  /** Counts one pane in the counter of its timing. */
  public static void count(PaneInfo pane, Counter early, Counter onTime, Counter late) {
    switch (pane.getTiming()) {
      case EARLY:
        early.inc();
        break;
      case ON_TIME:
        onTime.inc();
        break;
      case LATE:
        late.inc();
        break;
      default:
        break;
    }
  }
}
