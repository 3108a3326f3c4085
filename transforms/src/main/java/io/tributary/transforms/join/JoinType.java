package io.tributary.transforms.join;

/**
 * Which rows of an {@link IntervalJoin} are output besides the matched pairs: a row of a side that
 * is kept ("outer") and found no partner is output once, with the other side's fields null, when it
 * can no longer match.
 *
 * <pre>{@code
 * clicks.apply(IntervalJoin.of(impressions).on("ad_id")
 *     .within(Duration.standardMinutes(10), Duration.ZERO)
 *     .withJoinType(JoinType.LEFT));
 * }</pre>
 */
public enum JoinType {
  /** Only matched pairs; unmatched rows of both sides leave by the {@code unmatched} exit. */
  INNER(false, false),
  /** Matched pairs and the unmatched left rows. */
  LEFT(true, false),
  /** Matched pairs and the unmatched right rows. */
  RIGHT(false, true),
  /** Matched pairs and the unmatched rows of both sides. */
  FULL_OUTER(true, true);

  private final boolean keepsLeft;
  private final boolean keepsRight;

  JoinType(boolean keepsLeft, boolean keepsRight) {
    this.keepsLeft = keepsLeft;
    this.keepsRight = keepsRight;
  }

  /** Whether unmatched left rows are output. */
  public boolean keepsLeft() {
    return keepsLeft;
  }

  /** Whether unmatched right rows are output. */
  public boolean keepsRight() {
    return keepsRight;
  }
}
