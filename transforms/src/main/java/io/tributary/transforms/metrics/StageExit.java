package io.tributary.transforms.metrics;

/**
 * Ways a record leaves a stage other than its main output and a rejection (rejections are counted
 * by reason, see {@code DeadLetters}). Each is a term of the run's accounting line.
 *
 * <pre>{@code
 * counters.exit(StageExit.DEDUPLICATED);   // inside the stage's DoFn
 * }</pre>
 */
public enum StageExit {
  /** Held back by quality rules (and written to the quarantine output). */
  QUARANTINED("quarantined"),
  /** Dropped on purpose by a predicate the user configured. */
  FILTERED("filtered"),
  /** A repeat of a record already seen. */
  DEDUPLICATED("deduplicated"),
  /** Later than the allowed lateness (and written to the too-late output). */
  TOO_LATE("too_late"),
  /** Carried no record at all (a blank line), counted but not dead-lettered. */
  SKIPPED("skipped"),
  /**
   * Found no partner in an inner join (or on a side an outer join does not keep) before it could no
   * longer match; see {@code IntervalJoin}.
   */
  UNMATCHED("unmatched");

  private final String counterSuffix;

  StageExit(String counterSuffix) {
    this.counterSuffix = counterSuffix;
  }

  /** The last part of the counter name, e.g. {@code too_late}. */
  public String counterSuffix() {
    return counterSuffix;
  }

  /** The exit whose counter suffix is {@code suffix}, or null. */
  static StageExit bySuffix(String suffix) {
    for (StageExit e : values()) {
      if (e.counterSuffix.equals(suffix)) {
        return e;
      }
    }
    return null;
  }
}
