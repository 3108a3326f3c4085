package io.tributary.transforms.stages;

import org.joda.time.Instant;

/**
 * The timestamp of the record a {@link RecordFn} is working on: read by every stage, set by a stage
 * that stamps event time; the step outputs the row with the timestamp the last stage left here.
 *
 * <pre>{@code
 * time.set(eventTimeOf(row)); // in a RecordFn that stamps
 * }</pre>
 */
public final class RecordTime {
  private Instant time;

  /** Starts at {@code time}, the element's timestamp. */
  public RecordTime(Instant time) {
    this.time = time;
  }

  /** The record's timestamp now. */
  public Instant get() {
    return time;
  }

  /** Moves the record's timestamp (only a stage whose {@link RecordFn#movesTimestamp} is true). */
  public void set(Instant time) {
    this.time = time;
  }
}
