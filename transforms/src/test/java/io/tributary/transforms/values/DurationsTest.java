package io.tributary.transforms.values;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import org.joda.time.Duration;
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
}
