package io.tributary.io.files;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * How far a watched directory lets the watermark advance while it keeps polling, i.e. what it
 * promises about the event time of records in files that have not appeared yet.
 *
 * <ul>
 *   <li>{@link #arrivalTime()}: new files hold only events from about now (Beam's {@code
 *       FileIO.match().continuously} behaves like this). Replaying old files with it makes every
 *       record late.
 *   <li>{@link #arrivalTimeMinus(Duration)}: events may be up to {@code lag} older than the moment
 *       their file appears.
 *   <li>{@link #heldUntilStopped()}: no promise; the watermark stays at the beginning of time until
 *       the watch stops, so windows fire at the end (backfills, tests, replays of old data).
 * </ul>
 *
 * <pre>{@code
 * FileSource.watch("/data/in/*.jsonl").withWatermarkPolicy(WatermarkPolicy.arrivalTimeMinus(Duration.standardMinutes(10)));
 * }</pre>
 */
public final class WatermarkPolicy implements Serializable {
  private static final long serialVersionUID = 1L;
  private final long lagMillis; // < 0: held until stopped

  private WatermarkPolicy(long lagMillis) {
    this.lagMillis = lagMillis;
  }

  /** Watermark = poll time. */
  public static WatermarkPolicy arrivalTime() {
    return new WatermarkPolicy(0);
  }

  /** Watermark = poll time minus {@code lag}. */
  public static WatermarkPolicy arrivalTimeMinus(Duration lag) {
    checkArgument(
        lag != null && !lag.isShorterThan(Duration.ZERO),
        "WatermarkPolicy.arrivalTimeMinus: lag must be >= 0, got %s",
        lag);
    return new WatermarkPolicy(lag.getMillis());
  }

  /** Watermark stays at the minimum until the watch terminates. */
  public static WatermarkPolicy heldUntilStopped() {
    return new WatermarkPolicy(-1);
  }

  /** The watermark (and the timestamp of newly seen files) for a poll at {@code pollTime}. */
  public Instant watermarkAt(Instant pollTime) {
    return lagMillis < 0
        ? BoundedWindow.TIMESTAMP_MIN_VALUE
        : pollTime.minus(Duration.millis(lagMillis));
  }

  @Override
  public String toString() {
    return lagMillis < 0
        ? "heldUntilStopped"
        : lagMillis == 0 ? "arrivalTime" : "arrivalTimeMinus(" + Duration.millis(lagMillis) + ")";
  }
}
