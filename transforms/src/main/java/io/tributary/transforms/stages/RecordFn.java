package io.tributary.transforms.stages;

import java.io.Serializable;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn.MultiOutputReceiver;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One stage's work on one row, bound to its input schema ({@link RecordStage#recordFn}): counts the
 * row in, then passes a row on (counted out) or lets it leave (rejected to the bad-record output,
 * or by a counted exit such as a filter's). Runs inside a {@link RecordStages} step, or as the only
 * stage of the transform's own step.
 *
 * <pre>{@code
 * final class Upper extends RecordFn {
 *   Upper(Schema schema) { super(schema); }
 *   public Row apply(Row row, RecordTime time, BadRecordRouter router, MultiOutputReceiver out) {
 *     counters.in();
 *     Row upper = ...;
 *     counters.out(time.get());
 *     return upper;
 *   }
 * }
 * }</pre>
 */
public abstract class RecordFn implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Schema outputSchema;

  /** A stage whose {@link #apply} passes on rows of {@code outputSchema}. */
  protected RecordFn(Schema outputSchema) {
    this.outputSchema = outputSchema;
  }

  /** The schema of the rows {@link #apply} passes on. */
  public final Schema outputSchema() {
    return outputSchema;
  }

  /**
   * Whether {@link #apply} may move a record's timestamp ({@link RecordTime#set}), possibly earlier
   * than the element's: the step then allows any timestamp skew. False by default.
   */
  public boolean movesTimestamp() {
    return false;
  }

  /** Loads what the stage needs on a worker (keys, compiled state); once per instance. */
  public void setup() throws Exception {}

  /**
   * Runs the stage on {@code row} at {@code time}: returns the row to pass on, or null when the row
   * left the stage here (rejected through {@code router} to {@code out}'s bad-record output, or a
   * counted exit). Never outputs the row itself.
   */
  public abstract @Nullable Row apply(
      Row row, RecordTime time, BadRecordRouter router, MultiOutputReceiver out) throws Exception;
}
