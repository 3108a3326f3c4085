package io.tributary.transforms.stages;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.values.Durations;
import java.io.Serializable;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn.MultiOutputReceiver;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The per-row work of several stages ({@link RecordFn}s bound to their input schemas, from {@link
 * RecordStages#recordFns}), run one after another on each row by the {@code DoFn} that holds it:
 * {@link RecordStages}' own step, or a source that runs the stages in its decoding step. The holder
 * calls {@link #setup} from its {@code @Setup} and returns {@link #allowedTimestampSkew} from
 * {@code getAllowedTimestampSkew}.
 *
 * <pre>{@code
 * RecordFnChain chain = RecordFnChain.of(stages.recordFns(decodedSchema));
 * ...
 * chain.run(row, timestamp, router, out, ROWS); // in @ProcessElement, for each decoded row
 * }</pre>
 */
public final class RecordFnChain implements Serializable {
  private static final long serialVersionUID = 1L;

  private final RecordFn[] fns;
  private final boolean movesTimestamp;

  private RecordFnChain(List<RecordFn> fns) {
    this.fns = fns.toArray(new RecordFn[0]);
    boolean moves = false;
    for (RecordFn fn : fns) {
      moves |= fn.movesTimestamp();
    }
    this.movesTimestamp = moves;
  }

  /** {@code fns}, in the order each row passes them; at least one. */
  public static RecordFnChain of(List<RecordFn> fns) {
    checkArgument(fns != null && !fns.isEmpty(), "RecordFnChain.of: give at least one RecordFn");
    return new RecordFnChain(fns);
  }

  /** The schema of the rows the last stage passes on. */
  public Schema outputSchema() {
    return fns[fns.length - 1].outputSchema();
  }

  /** Whether a stage may move a row's timestamp (then any timestamp skew must be allowed). */
  public boolean movesTimestamp() {
    return movesTimestamp;
  }

  /** The holder's allowed timestamp skew: any when a stage moves timestamps, else none. */
  public Duration allowedTimestampSkew() {
    return movesTimestamp ? Durations.ANY_TIMESTAMP_SKEW : Duration.ZERO;
  }

  /** Sets every stage up on a worker (keys, compiled state); from the holder's {@code @Setup}. */
  public void setup() throws Exception {
    for (RecordFn fn : fns) {
      fn.setup();
    }
  }

  /**
   * Runs the stages on {@code row}, which came with {@code timestamp}: the row the last stage
   * passes on goes to {@code out}'s {@code tag} (with the timestamp a stage set, if one did); a row
   * a stage lets go is rejected or counted there. Returns whether a row was output.
   */
  public boolean run(
      Row row,
      Instant timestamp,
      BadRecordRouter router,
      MultiOutputReceiver out,
      TupleTag<Row> tag)
      throws Exception {
    RecordTime time = new RecordTime(timestamp);
    Row r = row;
    for (RecordFn fn : fns) {
      r = fn.apply(r, time, router, out);
      if (r == null) {
        return false;
      }
    }
    if (time.get() == timestamp) {
      out.get(tag).output(r);
    } else {
      out.get(tag).outputWithTimestamp(r, time.get());
    }
    return true;
  }
}
