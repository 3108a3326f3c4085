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
    if (v instanceof BigDecimal d) {
      return d;
    }
    if (v instanceof Double d) {
      return BigDecimal.valueOf(d);
    }
    if (v instanceof Float f) {
      return new BigDecimal(Float.toString(f));
    }
    if (v instanceof Number n) {
      return BigDecimal.valueOf(n.longValue());
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
    if (v instanceof ReadableInstant instant) {
      return instant.toInstant().toString();
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
