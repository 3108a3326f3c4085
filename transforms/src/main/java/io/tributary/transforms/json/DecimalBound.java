package io.tributary.transforms.json;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import java.io.Serializable;

/**
 * The precision and scale a contract allows for one {@code DECIMAL} field, which Beam's {@code
 * DECIMAL} type does not carry: a JSON number with more decimals than {@link #scale()}, or more
 * integer digits than {@code precision - scale}, is rejected as {@code out_of_range}, never
 * rounded.
 *
 * <p>A value with fewer decimals than the scale fits (19.9 into scale 2); trailing zeros beyond the
 * scale are dropped only when that changes no digit (19.990 becomes 19.99, 19.999 is rejected).
 *
 * <pre>{@code
 * DecodeJson.toRows(schema)
 *     .withDecimalBounds(Map.of("price", DecimalBound.of(12, 2)));  // like SQL DECIMAL(12,2)
 * }</pre>
 */
@AutoValue
public abstract class DecimalBound implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Total number of significant digits allowed. */
  public abstract int precision();

  /** Digits allowed after the decimal point. */
  public abstract int scale();

  /** A bound like SQL's {@code DECIMAL(precision, scale)}. */
  public static DecimalBound of(int precision, int scale) {
    checkArgument(precision > 0, "DecimalBound.of: precision must be > 0, got %s", precision);
    checkArgument(
        scale >= 0 && scale <= precision,
        "DecimalBound.of: scale must be in [0, precision=%s], got %s",
        precision,
        scale);
    return new AutoValue_DecimalBound(precision, scale);
  }

  /** Digits allowed before the decimal point: {@code precision - scale}. */
  public int integerDigits() {
    return precision() - scale();
  }

  /** {@code DECIMAL(precision,scale)}, as in messages. */
  @Override
  public final String toString() {
    return "DECIMAL(" + precision() + "," + scale() + ")";
  }
}
