package io.tributary.transforms.quality;

import java.util.Locale;

/**
 * How much a failed rule or check matters: {@code error} quarantines the row (rules) or fails the
 * check (constraints); {@code warn} lets the row pass and counts it, or reports a warning.
 *
 * <pre>{@code
 * QualityRule.notNull("email").withSeverity(Severity.WARN);
 * Severity s = Severity.parse("warn", "rule 'email_shape'");
 * }</pre>
 */
public enum Severity {
  /** Quarantine the row; the check's status is Error. */
  ERROR,
  /** Let the row pass, count it; the check's status is Warning. */
  WARN;

  /**
   * Parses {@code error} or {@code warn} ({@code warning} too); {@code what} names the owner in
   * errors.
   */
  public static Severity parse(String text, String what) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    switch (t) {
      case "error":
        return ERROR;
      case "warn":
      case "warning":
        return WARN;
      default:
        throw new IllegalArgumentException(
            what + ": severity must be 'error' or 'warn', got '" + text + "'");
    }
  }

  /** The lower-case name used in files and counters. */
  public String label() {
    return this == ERROR ? "error" : "warn";
  }
}
