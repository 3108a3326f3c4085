package io.tributary.transforms.lookup;

/**
 * What {@link Lookup} does with a row whose key has no row in the table (or is null).
 *
 * <pre>{@code
 * Lookup.fromTable(devices).by("device_id").withField("site").withMissingKey(MissingKey.DEAD_LETTER);
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
  DEAD_LETTER;

  /** The rule named {@code text} ({@code dead_letter}, {@code fill_nulls}; any case). */
  public static MissingKey parse(String text) {
    for (MissingKey k : values()) {
      if (k.name().equalsIgnoreCase(text)) {
        return k;
      }
    }
    throw new IllegalArgumentException(
        "expected one of dead_letter, fill_nulls, got '" + text + "'");
  }
}
