package io.tributary.testing;

import static org.junit.Assert.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.values.PCollection;

/**
 * Pane assertions that allow one documented runner difference: a session window created by a late
 * merge ends behind the watermark, so Beam may emit its first pane through the late trigger (Direct
 * runner: {@code LATE}) or through the end-of-window timer (Flink: {@code ON_TIME}). Write such a
 * timing as {@code ON_TIME|LATE}; everything else must match exactly.
 *
 * <pre>{@code
 * Panes.assertExactly(described, "00:00-00:15 ON_TIME#0 3", "00:00-00:30 ON_TIME|LATE#0 10");
 * }</pre>
 */
public final class Panes {
  private Panes() {}

  /** Asserts that {@code actual} is exactly {@code expected}, as a multiset. */
  public static void assertExactly(PCollection<String> actual, String... expected) {
    List<String> want = List.of(expected);
    PAssert.that(actual)
        .satisfies(
            lines -> {
              List<String> got = new ArrayList<>();
              lines.forEach(l -> got.add(normalise(l, want)));
              List<String> sortedWant = new ArrayList<>(want);
              Collections.sort(got);
              Collections.sort(sortedWant);
              assertEquals(sortedWant, got);
              return null;
            });
  }

  private static String normalise(String line, List<String> expected) {
    for (String timing : new String[] {"ON_TIME", "LATE"}) {
      String alt = line.replace(" " + timing + "#", " ON_TIME|LATE#");
      if (!alt.equals(line) && expected.contains(alt)) {
        return alt;
      }
    }
    return line;
  }
}
