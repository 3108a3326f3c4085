package io.tributary.transforms.values;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;

import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class DurationsTest {
  @Test
  public void parsesEveryUnitAndPrintsTheShortestForm() {
    assertEquals(Duration.millis(500), Durations.parse("500ms", "x"));
    assertEquals(Duration.standardSeconds(30), Durations.parse("30s", "x"));
    assertEquals(Duration.standardMinutes(15), Durations.parse("15m", "x"));
    assertEquals(Duration.standardHours(1), Durations.parse("1h", "x"));
    assertEquals(Duration.standardDays(2), Durations.parse("2d", "x"));
    assertEquals("1h", Durations.format(Durations.parse("60m", "x")));
    assertEquals("90s", Durations.format(Duration.standardSeconds(90)));
    assertEquals("1500ms", Durations.format(Duration.millis(1500)));
  }

  @Test
  public void errorNamesTheOptionAndTheSyntax() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Durations.parse("1 hour", "--windowSize"));
    assertThat(
        e.getMessage(),
        containsString(
            "--windowSize: expected a duration like 500ms, 30s, 15m, 1h or 2d, got '1 hour'"));
  }

  /**
   * Beam's runner subtracts a DoFn's allowed skew from the input's timestamp before every output
   * with a timestamp; the skew must neither overflow there (an exception per element) nor refuse a
   * valid output timestamp.
   */
  @Test
  public void anyTimestampSkewNeverOverflowsAndAdmitsEveryValidTimestamp() {
    assertThrows(
        ArithmeticException.class,
        () -> BoundedWindow.TIMESTAMP_MIN_VALUE.minus(Duration.millis(Long.MAX_VALUE)));
    for (Instant input :
        new Instant[] {
          BoundedWindow.TIMESTAMP_MIN_VALUE,
          new Instant(-1),
          new Instant(0),
          new Instant(1_796_000_000_000L),
          BoundedWindow.TIMESTAMP_MAX_VALUE
        }) {
      Instant lowerBound = input.minus(Durations.ANY_TIMESTAMP_SKEW);
      assertFalse(input.toString(), lowerBound.isAfter(BoundedWindow.TIMESTAMP_MIN_VALUE));
    }
  }
}
