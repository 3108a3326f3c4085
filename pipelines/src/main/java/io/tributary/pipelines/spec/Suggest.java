package io.tributary.pipelines.spec;

import java.util.Collection;
import java.util.Locale;
import java.util.TreeSet;
import org.checkerframework.checker.nullness.qual.Nullable;

/** "Did you mean" suggestions by edit distance. */
final class Suggest {
  private Suggest() {}

  /**
   * {@code " (did you mean 'x'?)"} for the closest candidate within a third of the word's length,
   * else, with {@code listAll}, {@code "; expected one of [a, b]"}; else empty.
   */
  static String didYouMean(String word, Collection<String> candidates, boolean listAll) {
    String best = nearest(word, candidates);
    if (best != null) {
      return " (did you mean '" + best + "'?)";
    }
    return listAll && !candidates.isEmpty() ? "; expected one of " + new TreeSet<>(candidates) : "";
  }

  /**
   * The candidate nearest to {@code word} when it is within a third of the word's length (at least
   * two edits), else null; ties go to the first in sorted order, so the answer is stable.
   */
  static @Nullable String nearest(String word, Collection<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : new TreeSet<>(candidates)) {
      int d = distance(word.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    return best != null && bestDistance <= Math.max(2, word.length() / 3) ? best : null;
  }

  /** Levenshtein distance with transpositions counted as one edit. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
