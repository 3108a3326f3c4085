package io.tributary.io.schema;

import java.math.BigDecimal;
import java.math.RoundingMode;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.extensions.avro.schemas.utils.AvroUtils;
import org.apache.beam.sdk.values.Row;

/**
 * Converts Beam {@link Row}s to Avro records of a contract, fitting decimals to the contract's
 * scale.
 *
 * <p>Beam's {@code DECIMAL} carries no scale, so a price decoded from {@code "5"} has scale 0 and
 * Avro refuses to write it as {@code decimal(12,2)}. Top-level decimals are rescaled when that is
 * exact ({@code 5 -> 5.00}); a value that would need rounding ({@code 5.001}) is an error naming
 * the field, not a silent change of the number.
 *
 * <pre>{@code
 * GenericRecord record = AvroRows.toGenericRecord(row, registry.latest("clickstream-event").schema());
 * }</pre>
 */
public final class AvroRows {
  private AvroRows() {}

  /** The Avro record of {@code schema} for {@code row}. */
  public static GenericRecord toGenericRecord(Row row, Schema schema) {
    Row fitted = row;
    for (Schema.Field f : schema.getFields()) {
      Schema s = f.schema();
      if (s.getType() == Schema.Type.UNION) {
        for (Schema branch : s.getTypes()) {
          if (branch.getType() != Schema.Type.NULL) {
            s = branch;
          }
        }
      }
      if (s.getLogicalType() instanceof LogicalTypes.Decimal
          && row.getSchema().hasField(f.name())) {
        Object v = row.getValue(f.name());
        int scale = ((LogicalTypes.Decimal) s.getLogicalType()).getScale();
        if (v instanceof BigDecimal d && d.scale() != scale) {
          try {
            BigDecimal rescaled = d.setScale(scale, RoundingMode.UNNECESSARY);
            fitted = Row.fromRow(fitted).withFieldValue(f.name(), rescaled).build();
          } catch (ArithmeticException e) {
            throw new IllegalArgumentException(
                "field '"
                    + f.name()
                    + "' has more than "
                    + scale
                    + " decimal places, which "
                    + schema.getFullName()
                    + " cannot hold without rounding");
          }
        }
      }
    }
    return AvroUtils.toGenericRecord(fitted, schema);
  }
}
