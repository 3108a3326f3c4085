package io.tributary.transforms.values;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.joda.time.Duration;

/**
 * Parses and prints the short duration syntax used in options and specs: {@code 500ms}, {@code
 * 30s}, {@code 15m}, {@code 1h}, {@code 2d}.
 *
 * <pre>{@code
 * Duration window = Durations.parse("1h", "--windowSize");
 * String text = Durations.format(window); // "1h"
 * }</pre>
 *
 * <p>{@link #ANY_TIMESTAMP_SKEW} is the allowed timestamp skew of a {@code DoFn} that may move an
 * element's timestamp anywhere Beam allows.
 */
public final class Durations {
  private static final Pattern SYNTAX = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  /**
   * The allowed timestamp skew of a {@code DoFn} that outputs at any valid timestamp, whatever its
   * input's: the whole span of Beam's timestamps, {@code TIMESTAMP_MAX_VALUE -
   * TIMESTAMP_MIN_VALUE}.
   *
   * <p>Not {@code Duration.millis(Long.MAX_VALUE)}: before each output with a timestamp, Beam's
   * {@code SimpleDoFnRunner} subtracts the skew from the input's timestamp, and for an input at
   * {@code TIMESTAMP_MIN_VALUE} (every element of a bounded source without timestamps, such as a
   * file) {@code Long.MAX_VALUE} overflows: Joda throws an {@code ArithmeticException}, with its
   * message and stack trace, which the runner catches, once per element. This span never overflows
   * for a valid timestamp and admits every valid output timestamp, as the overflow did.
   *
   * <pre>{@code
   * @Override
   * public Duration getAllowedTimestampSkew() {
   *   return Durations.ANY_TIMESTAMP_SKEW;
   * }
   * }</pre>
   */
  public static final Duration ANY_TIMESTAMP_SKEW =
      Duration.millis(
          BoundedWindow.TIMESTAMP_MAX_VALUE.getMillis()
              - BoundedWindow.TIMESTAMP_MIN_VALUE.getMillis());

  private Durations() {}

  /**
   * Parses {@code text}; {@code what} names the option or spec part in the error message.
   *
   * @throws IllegalArgumentException naming {@code what} and the expected syntax
   */
  public static Duration parse(String text, String what) {
    Matcher m = text == null ? null : SYNTAX.matcher(text.trim());
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException(
          what + ": expected a duration like 500ms, 30s, 15m, 1h or 2d, got '" + text + "'");
    }
    long n = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "ms":
        return Duration.millis(n);
      case "s":
        return Duration.standardSeconds(n);
      case "m":
        return Duration.standardMinutes(n);
      case "h":
        return Duration.standardHours(n);
      default:
        return Duration.standardDays(n);
    }
  }

  /** The shortest exact form of {@code d} in this syntax. */
  public static String format(Duration d) {
    long ms = d.getMillis();
    if (ms != 0 && ms % 86_400_000L == 0) {
      return ms / 86_400_000L + "d";
    }
    if (ms != 0 && ms % 3_600_000L == 0) {
      return ms / 3_600_000L + "h";
    }
    if (ms != 0 && ms % 60_000L == 0) {
      return ms / 60_000L + "m";
    }
    if (ms != 0 && ms % 1000L == 0) {
      return ms / 1000L + "s";
    }
    return ms + "ms";
  }
}
