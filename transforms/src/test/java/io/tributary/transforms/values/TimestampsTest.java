package io.tributary.transforms.values;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@link Timestamps#parseOffsetDateTime} against {@code java.time}: for every input, the same
 * instant or a {@link DateTimeException} from both.
 */
@RunWith(JUnit4.class)
public class TimestampsTest {
  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss");

  private static final List<String> EDGES =
      Arrays.asList(
          "2026-11-01T10:15:30Z",
          "2026-11-01T10:15:30+01:00",
          "2026-11-01T10:15:30-05:30",
          "2026-11-01T10:15:30+18:00",
          "2026-11-01T10:15:30-18:00",
          "2026-11-01T10:15:30+18:01",
          "2026-11-01T10:15:30+19:00",
          "2026-11-01T10:15:30-00:00",
          "2026-11-01T10:15:30+00:60",
          "2026-11-01T10:15:30.1Z",
          "2026-11-01T10:15:30.12Z",
          "2026-11-01T10:15:30.123Z",
          "2026-11-01T10:15:30.123456Z",
          "2026-11-01T10:15:30.123456789Z",
          "2026-11-01T10:15:30.1234567891Z",
          "2026-11-01T10:15:30.Z",
          "2026-11-01T10:15:30.999999999-01:00",
          "2024-02-29T00:00:00Z",
          "2023-02-29T00:00:00Z",
          "1900-02-29T00:00:00Z",
          "2000-02-29T00:00:00Z",
          "2026-04-31T00:00:00Z",
          "2026-12-31T23:59:59Z",
          "0000-01-01T00:00:00Z",
          "0001-01-01T00:00:00Z",
          "1969-12-31T23:59:59.999Z",
          "9999-12-31T23:59:59.999999999Z",
          "+10000-01-01T00:00:00Z",
          "-0001-01-01T00:00:00Z",
          "2026-13-01T10:15:30Z",
          "2026-00-01T10:15:30Z",
          "2026-11-00T10:15:30Z",
          "2026-11-32T10:15:30Z",
          "2026-11-01T24:00:00Z",
          "2026-11-01T23:60:00Z",
          "2026-11-01T23:59:60Z",
          "2026-11-01t10:15:30z",
          "2026-11-01T10:15:30z",
          "2026-11-01T10:15Z",
          "2026-11-01T10:15+01:00",
          "2026-11-01T10:15:30+01:00:30",
          "2026-11-01T10:15:30+0100",
          "2026-11-01T10:15:30+01",
          "2026-11-01T10:15:30",
          "2026-11-01 10:15:30Z",
          "2026-11-01T10:15:30Z ",
          " 2026-11-01T10:15:30Z",
          "2026-11-01T10:15:30ZZ",
          "2026-1-01T10:15:30Z",
          "2026-11-01T10:15:3aZ",
          "2026-11-01T10:15:30.12a4Z",
          "2026-11-01T10:15:30+1a:00",
          "\u0662\u0660\u0662\u0666-11-01T10:15:30Z",
          "",
          "2026");

  @Test
  public void edgeCasesMatchJavaTime() {
    for (String s : EDGES) {
      assertSame(s);
    }
  }

  @Test
  public void randomInstantsAndOffsetsMatchJavaTime() {
    Random random = new Random(20261207L);
    String[] fractions = {"", ".%01d", ".%02d", ".%03d", ".%06d", ".%09d"};
    int[] fractionMax = {0, 10, 100, 1000, 1_000_000, 1_000_000_000};
    for (int n = 0; n < 20_000; n++) {
      long second = random.nextLong() % 253_402_300_799L; // within years 0000..9999
      Instant t = Instant.ofEpochSecond(Math.abs(second));
      int offsetMinutes = random.nextInt(18 * 60 * 2 + 1) - 18 * 60;
      ZoneOffset offset = ZoneOffset.ofTotalSeconds(offsetMinutes * 60);
      OffsetDateTime local = t.atOffset(offset);
      if (local.getYear() > 9999) {
        continue;
      }
      int f = random.nextInt(fractions.length);
      String text =
          SECONDS.format(local)
              + (f == 0 ? "" : String.format(fractions[f], random.nextInt(fractionMax[f])))
              + (offset.getTotalSeconds() == 0 && random.nextBoolean() ? "Z" : offset.getId());
      assertSame(text);
    }
  }

  @Test
  public void mutatedTimestampsMatchJavaTime() {
    Random random = new Random(7L);
    String alphabet = "0123456789-:T.Z+ tz9";
    String[] seeds = {
      "2026-11-01T10:15:30Z", "2024-02-29T23:59:59.999+01:00", "1999-12-31T00:00:00.5-11:30"
    };
    int accepted = 0;
    for (int n = 0; n < 20_000; n++) {
      StringBuilder s = new StringBuilder(seeds[n % seeds.length]);
      int edits = 1 + random.nextInt(2);
      for (int e = 0; e < edits; e++) {
        int at = random.nextInt(s.length());
        s.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
      }
      if (assertSame(s.toString())) {
        accepted++;
      }
    }
    // Both outcomes were exercised: some mutations stay valid, most do not.
    assertTrue("accepted " + accepted, accepted > 1000 && accepted < 19_000);
  }

  /** True if both accepted {@code text}; fails if only one did or the instants differ. */
  private static boolean assertSame(String text) {
    Instant expected;
    try {
      expected = OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeException e) {
      try {
        Instant got = Timestamps.parseOffsetDateTime(text);
        fail("java.time refuses '" + text + "' but Timestamps gave " + got);
      } catch (DateTimeException expectedToo) {
        return false;
      }
      return false;
    }
    assertEquals(text, expected, Timestamps.parseOffsetDateTime(text));
    return true;
  }
}
