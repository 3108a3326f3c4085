package io.tributary.benchmarks;

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * (e): one thread, the same parser, a HashSet of ids and a HashMap of (minute, type) aggregates:
 * the limit of one core.
 */
final class PlainLoop {
  private PlainLoop() {}

  record Key(long minute, String type) {}

  static void run(String input) throws Exception {
    Set<String> seen = new HashSet<>();
    Map<Key, BeamStages.CountSum> aggregates = new HashMap<>();
    ClickParser parser = new ClickParser();
    try (BufferedReader in = Files.newBufferedReader(Path.of(input), StandardCharsets.UTF_8)) {
      String line = in.readLine();
      Marks.first();
      for (; line != null; line = in.readLine()) {
        Click c = parser.parse(line);
        if (c == null) {
          Marks.REJECTED.increment();
          continue;
        }
        if (!seen.add(c.eventId)) {
          continue;
        }
        BeamStages.CountSum acc =
            aggregates.computeIfAbsent(
                new Key(Math.floorDiv(c.eventTime, 60_000L), c.eventType),
                k -> new BeamStages.CountSum());
        acc.count++;
        acc.sum = acc.sum.add(c.price);
      }
    }
    for (BeamStages.CountSum acc : aggregates.values()) {
      Marks.aggregate(acc.count, ClickParser.cents(acc.sum));
    }
  }
}
