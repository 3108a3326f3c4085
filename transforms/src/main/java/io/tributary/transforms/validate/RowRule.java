package io.tributary.transforms.validate;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.values.FieldPath;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One row-level rule over a named field: a reason code, the field, a test, and what was expected.
 *
 * <p>Rules skip null values (nullness is the contract's business, checked when decoding) except
 * {@link #notNull}. Messages say what was expected, not what was found, because the value may be
 * personal data.
 *
 * <pre>{@code
 * RowRule.atLeast("price", BigDecimal.ZERO).withReason("negative_price");
 * RowRule.oneOf("currency", Set.of("EUR", "USD")).withReason("unknown_currency");
 * }</pre>
 */
public final class RowRule implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String reason;
  private final FieldPath field;
  private final SerializableFunction<Object, Boolean> test;
  private final String expectation;
  private final boolean checksNull;

  private RowRule(
      String reason,
      FieldPath field,
      SerializableFunction<Object, Boolean> test,
      String expectation,
      boolean checksNull) {
    checkArgument(
        reason.matches("[a-z0-9_]+"), "RowRule: reason must be lower_snake_case, got '%s'", reason);
    this.reason = reason;
    this.field = field;
    this.test = test;
    this.expectation = expectation;
    this.checksNull = checksNull;
  }

  /** A rule with a custom test; {@code expectation} completes "field 'x' must ...". */
  public static RowRule of(
      String reason, String field, SerializableFunction<Object, Boolean> test, String expectation) {
    return new RowRule(reason, FieldPath.of(field), test, expectation, false);
  }

  /** The field must be present and non-null. */
  public static RowRule notNull(String field) {
    return new RowRule("null_value", FieldPath.of(field), v -> v != null, "not be null", true);
  }

  /** A numeric field must be {@code >= min}. */
  public static RowRule atLeast(String field, BigDecimal min) {
    checkArgument(min != null, "RowRule.atLeast: min must not be null");
    return new RowRule(
        "below_minimum",
        FieldPath.of(field),
        v -> toDecimal(v).compareTo(min) >= 0,
        "be >= " + min.toPlainString(),
        false);
  }

  /** A numeric field must be {@code <= max}. */
  public static RowRule atMost(String field, BigDecimal max) {
    checkArgument(max != null, "RowRule.atMost: max must not be null");
    return new RowRule(
        "above_maximum",
        FieldPath.of(field),
        v -> toDecimal(v).compareTo(max) <= 0,
        "be <= " + max.toPlainString(),
        false);
  }

  /** A field's string form must be one of {@code allowed}. */
  public static RowRule oneOf(String field, Collection<String> allowed) {
    checkArgument(
        allowed != null && !allowed.isEmpty(), "RowRule.oneOf: allowed values must not be empty");
    Set<String> values = new TreeSet<>(allowed);
    return new RowRule(
        "not_allowed",
        FieldPath.of(field),
        v -> values.contains(v.toString()),
        "be one of " + values,
        false);
  }

  /** The same rule with another reason code (what dead letters and counters are keyed by). */
  public RowRule withReason(String newReason) {
    return new RowRule(newReason, field, test, expectation, checksNull);
  }

  /** The reason code. */
  public String reason() {
    return reason;
  }

  /** The field this rule reads. */
  public FieldPath field() {
    return field;
  }

  /** Checks the field exists; called when the pipeline is built. */
  void checkIn(Schema schema) {
    field.checkIn(schema);
  }

  /** Null when the row passes; otherwise the human-readable violation. */
  @Nullable String violation(Row row) {
    Object value = field.get(row);
    if (value == null && !checksNull) {
      return null;
    }
    return Boolean.TRUE.equals(test.apply(value))
        ? null
        : "field '" + field + "' must " + expectation;
  }

  private static BigDecimal toDecimal(Object v) {
    if (v instanceof BigDecimal d) {
      return d;
    }
    if (v instanceof Number) {
      return new BigDecimal(v.toString());
    }
    throw new IllegalArgumentException(
        "RowRule.atLeast/atMost apply to numeric fields, got " + v.getClass().getSimpleName());
  }

  @Override
  public String toString() {
    return reason + "(" + field + " must " + expectation + ")";
  }
}
