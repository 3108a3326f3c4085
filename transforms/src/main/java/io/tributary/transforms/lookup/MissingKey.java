package io.tributary.transforms.lookup;

/**
 * What {@link Lookup} does with a row whose key has no row in the table (or is null).
 *
 * <pre>{@code
 * Lookup.fromTable(devices).by("device_id").withField("site").withMissingKey(MissingKey.DEAD_LETTER);
 * Lookup.fromTable(devices).by("device_id").withField("site")
 *     .withRefresh(Duration.standardMinutes(1))
 *     .withMissingKey(MissingKey.WAIT).withMaxWait(Duration.standardMinutes(5));
 * }</pre>
 */
public enum MissingKey {
  /**
   * The row goes out with each added field's default ({@link Lookup#withDefault}), or null when it
   * has none. Nothing leaves, so the lookup is no stage of the accounting unless it is named.
   */
  FILL_NULLS,
  /**
   * The row is rejected with reason {@value Lookup#NO_MATCH} (the row as payload) to the bad-record
   * handler; the lookup is then an accounted stage: {@code in = out +
   * dead_letter.<stage>.no_match}.
   */
  DEAD_LETTER,
  /**
   * The row waits, held in keyed state, for its key to appear in a refreshed table ({@link
   * Lookup#withRefresh}), at most {@link Lookup#withMaxWait}; a row whose key appears goes out
   * enriched, in order with the other rows of its key, and one still without a match when the bound
   * passes (or at the end of input) follows {@link Lookup#withAfterWait}: a dead letter with reason
   * {@value Lookup#NO_MATCH_AFTER_WAIT} (the default) or filled nulls. A null key cannot appear and
   * follows that rule at once (reason {@value Lookup#NO_MATCH}). The lookup is then an accounted
   * stage; a held row is counted in, and out or dead-lettered only when it is released.
   */
  WAIT;

  /**
   * The rule named {@code text} ({@code dead_letter}, {@code fill_nulls}, {@code wait}; any case).
   */
  public static MissingKey parse(String text) {
    for (MissingKey k : values()) {
      if (k.name().equalsIgnoreCase(text)) {
        return k;
      }
    }
    throw new IllegalArgumentException(
        "expected one of dead_letter, fill_nulls, wait, got '" + text + "'");
  }
}
