package io.tributary.transforms.quality;

import java.math.BigDecimal;
import org.apache.beam.sdk.schemas.Schema;
import org.joda.time.ReadableInstant;

/**
 * Value conversions shared by rules, conditions and metrics, so that every part of the quality
 * stage reads a number or a distinct value the same way.
 *
 * <pre>{@code
 * BigDecimal d = Values.toDecimal(row.getValue("price"));
 * String k = Values.key(row.getValue("price")); // "19.9" for 19.90: the distinct-value key
 * }</pre>
 */
public final class Values {
  private Values() {}

  /**
   * A number as an exact decimal. Floats and doubles go through their shortest decimal form ({@code
   * 0.1} stays {@code 0.1}), which is what a person computing by hand writes down.
   */
  public static BigDecimal toDecimal(Object v) {
    if (v instanceof BigDecimal) {
      return (BigDecimal) v;
    }
    if (v instanceof Double) {
      return BigDecimal.valueOf((Double) v);
    }
    if (v instanceof Float) {
      return new BigDecimal(Float.toString((Float) v));
    }
    if (v instanceof Number) {
      return BigDecimal.valueOf(((Number) v).longValue());
    }
    throw new IllegalArgumentException("expected a number, got " + v.getClass().getSimpleName());
  }

  /**
   * The key under which a value counts as distinct: numbers by numeric value (so {@code 1.0} and
   * {@code 1.00} are one value), instants by their ISO form, anything else by {@code toString}.
   */
  public static String key(Object v) {
    if (v instanceof Number) {
      BigDecimal d = toDecimal(v);
      return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
    }
    if (v instanceof ReadableInstant) {
      return ((ReadableInstant) v).toInstant().toString();
    }
    return v.toString();
  }

  /** Whether a field type holds numbers. */
  public static boolean isNumeric(Schema.FieldType type) {
    return type.getTypeName().isNumericType();
  }

  /** Whether a field type holds strings. */
  public static boolean isString(Schema.FieldType type) {
    return type.getTypeName() == Schema.TypeName.STRING;
  }
}
