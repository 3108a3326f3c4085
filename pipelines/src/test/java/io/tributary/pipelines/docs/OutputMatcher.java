package io.tributary.pipelines.docs;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Compares the output a page documents with the output a command printed, line by line, after
 * normalising only what differs between two correct runs.
 *
 * <pre>{@code
 * Optional<String> problem = OutputMatcher.firstMismatch(documentedLines, actualOutput);
 * }</pre>
 *
 * <p>The rules, kept narrow so that counts, names and messages are compared exactly:
 *
 * <ul>
 *   <li>Blank lines and lines that are only {@code ...} in the documentation are not compared; the
 *       others must appear in the actual output in the documented order (other lines may come
 *       between).
 *   <li>Leading and trailing blanks are ignored and runs of blanks count as one (column alignment
 *       depends on the widths of the numbers).
 *   <li>{@code ...} or {@code …} inside a documented line matches any text.
 *   <li>On both sides: the number of a timing ({@code 14.0 s}, {@code 850 ms}) becomes {@code
 *       <time>} (its unit stays), a clock ({@code 0:00:48}) {@code <clock>}, an ISO-8601 instant
 *       {@code <instant>}, a UUID {@code <uuid>}, a hexadecimal hash of 6 or more digits that mixes
 *       letters and digits, or six hex digits ending a name after a dash ({@code
 *       small.jsonl-411352}, which hashes the input's absolute path), {@code <hex>}. Plain numbers
 *       are never normalised: {@code read=1000} must be {@code read=1000}.
 * </ul>
 */
final class OutputMatcher {
  private static final Pattern INSTANT =
      Pattern.compile(
          "\\b\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})");
  private static final Pattern UUID =
      Pattern.compile("\\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\b");
  private static final Pattern TIMING = Pattern.compile("\\b\\d+(\\.\\d+)?(?= ?(s|ms|min)\\b)");
  private static final Pattern CLOCK = Pattern.compile("\\b\\d+:\\d{2}:\\d{2}\\b");
  private static final Pattern HEX =
      Pattern.compile(
          "(?<![\\w-])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{6,64}(?![\\w])"
              + "|(?<=[a-z]-)[0-9a-f]{6}(?![\\w.-])");
  private static final Pattern BLANKS = Pattern.compile("\\s+");
  private static final Pattern ELLIPSIS = Pattern.compile("\\.\\.\\.|…");

  private OutputMatcher() {}

  /** A line with its volatile parts replaced and its blanks collapsed. */
  static String normalise(String line) {
    String s = BLANKS.matcher(line.strip()).replaceAll(" ");
    s = INSTANT.matcher(s).replaceAll("<instant>");
    s = UUID.matcher(s).replaceAll("<uuid>");
    s = TIMING.matcher(s).replaceAll("<time>");
    s = CLOCK.matcher(s).replaceAll("<clock>");
    return HEX.matcher(s).replaceAll("<hex>");
  }

  /** Whether a documented line is compared at all. */
  static boolean compared(String documented) {
    String t = documented.strip();
    return !t.isEmpty() && !t.equals("...") && !t.equals("…");
  }

  /** The pattern a documented line stands for. */
  static Pattern pattern(String documented) {
    String normal = normalise(documented);
    StringBuilder regex = new StringBuilder();
    int from = 0;
    java.util.regex.Matcher m = ELLIPSIS.matcher(normal);
    while (m.find()) {
      regex.append(Pattern.quote(normal.substring(from, m.start()))).append(".*");
      from = m.end();
    }
    regex.append(Pattern.quote(normal.substring(from)));
    return Pattern.compile(regex.toString());
  }

  /**
   * The first documented line that does not appear (in order) in {@code actual}, with a hint when
   * it appears out of order; empty when every line does.
   */
  static Optional<String> firstMismatch(List<String> documented, String actual) {
    List<String> lines = new ArrayList<>();
    for (String l : actual.split("\\R", -1)) {
      lines.add(normalise(l));
    }
    int at = 0;
    for (String doc : documented) {
      if (!compared(doc)) {
        continue;
      }
      Pattern p = pattern(doc);
      int found = -1;
      for (int k = at; k < lines.size(); k++) {
        if (p.matcher(lines.get(k)).matches()) {
          found = k;
          break;
        }
      }
      if (found < 0) {
        boolean earlier = lines.subList(0, at).stream().anyMatch(l -> p.matcher(l).matches());
        return Optional.of(
            doc.strip()
                + (earlier ? "\n  (it appears, but before the documented line above it)" : "")
                + "\n  normalised: "
                + normalise(doc));
      }
      at = found + 1;
    }
    return Optional.empty();
  }
}
