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
      int d =
          io.tributary.transforms.spec.EditDistance.between(
              word.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    return best != null && bestDistance <= Math.max(2, word.length() / 3) ? best : null;
  }
}
