package io.tributary.transforms.aggregate;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;
import java.util.Locale;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One output field of an {@link Aggregate}: a function of a field over the rows of a window,
 * optionally only over rows matching a condition and per value of another field (a map).
 *
 * <pre>{@code
 * Aggregation.count("events");
 * Aggregation.count("events_by_type").by("event_type");
 * Aggregation.sum("revenue_by_currency", "price").by("currency")
 *     .where("event_type == 'purchase'").withScale(2);
 * Aggregation.countDistinct("distinct_users", "user_id");
 * }</pre>
 */
public final class Aggregation implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The functions. */
  public enum Fn {
    /** Number of rows. */
    COUNT,
    /** Sum of a numeric field (nulls skipped). */
    SUM,
    /** Smallest value (nulls skipped); null for no value. */
    MIN,
    /** Largest value (nulls skipped); null for no value. */
    MAX,
    /** Arithmetic mean of a numeric field, as a double; null for no value. */
    MEAN,
    /** Number of distinct values (exact; nulls skipped). */
    COUNT_DISTINCT;

    /** {@code count}, {@code sum}, ... as written in a spec. */
    public static Fn parse(String text) {
      for (Fn f : values()) {
        if (f.name().toLowerCase(Locale.ROOT).equals(text)) {
          return f;
        }
      }
      throw new IllegalArgumentException(
          "expected count, sum, min, max, mean or count_distinct, got '" + text + "'");
    }
  }

  private final String name;
  private final Fn fn;
  private final @Nullable String field;
  private final @Nullable String by;
  private final @Nullable String where;
  private final @Nullable Integer scale;

  private Aggregation(
      String name,
      Fn fn,
      @Nullable String field,
      @Nullable String by,
      @Nullable String where,
      @Nullable Integer scale) {
    checkArgument(
        name != null && name.matches("[a-z][a-z0-9_]*"),
        "Aggregation: name must be lower_snake_case, got '%s'",
        name);
    checkArgument(
        fn == Fn.COUNT || (field != null && !field.isEmpty()),
        "Aggregation %s: %s needs a field",
        name,
        fn);
    this.name = name;
    this.fn = fn;
    this.field = field;
    this.by = by;
    this.where = where;
    this.scale = scale;
  }

  /** {@code fn} of {@code field} (null for count) named {@code name}. */
  public static Aggregation of(String name, Fn fn, @Nullable String field) {
    return new Aggregation(name, fn, field, null, null, null);
  }

  /** Rows counted. */
  public static Aggregation count(String name) {
    return of(name, Fn.COUNT, null);
  }

  /** Sum of {@code field}. */
  public static Aggregation sum(String name, String field) {
    return of(name, Fn.SUM, field);
  }

  /** Smallest {@code field}. */
  public static Aggregation min(String name, String field) {
    return of(name, Fn.MIN, field);
  }

  /** Largest {@code field}. */
  public static Aggregation max(String name, String field) {
    return of(name, Fn.MAX, field);
  }

  /** Mean of {@code field}. */
  public static Aggregation mean(String name, String field) {
    return of(name, Fn.MEAN, field);
  }

  /** Distinct values of {@code field}. */
  public static Aggregation countDistinct(String name, String field) {
    return of(name, Fn.COUNT_DISTINCT, field);
  }

  /** Per value of {@code byField}: the output is a map from its string form to the result. */
  public Aggregation by(String byField) {
    checkArgument(byField != null && !byField.isEmpty(), "Aggregation.by: field is required");
    return new Aggregation(name, fn, field, byField, where, scale);
  }

  /** Only over rows where the CEL {@code condition} is true. */
  public Aggregation where(String condition) {
    checkArgument(
        condition != null && !condition.isBlank(), "Aggregation.where: condition is required");
    return new Aggregation(name, fn, field, by, condition, scale);
  }

  /** Decimal results (sum, min, max of a DECIMAL field) rounded half-even to {@code digits}. */
  public Aggregation withScale(int digits) {
    checkArgument(digits >= 0, "Aggregation.withScale: digits must be >= 0, got %s", digits);
    return new Aggregation(name, fn, field, by, where, digits);
  }

  /** The output field's name. */
  public String name() {
    return name;
  }

  /** The function. */
  public Fn fn() {
    return fn;
  }

  /** The field read, or null for count. */
  public @Nullable String field() {
    return field;
  }

  /** The field results are split by, or null. */
  public @Nullable String byField() {
    return by;
  }

  /** The condition rows must meet, or null. */
  public @Nullable String condition() {
    return where;
  }

  /** The scale of decimal results, or null. */
  public @Nullable Integer scale() {
    return scale;
  }

  @Override
  public String toString() {
    return name
        + " = "
        + fn.name().toLowerCase(Locale.ROOT)
        + "("
        + (field == null ? "" : field)
        + ")"
        + (by == null ? "" : " by " + by)
        + (where == null ? "" : " where " + where);
  }
}
