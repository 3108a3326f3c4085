package io.tributary.io.formats;

import io.tributary.transforms.errors.RecordRejectedException;
import java.io.Serializable;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.logicaltypes.EnumerationType;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.joda.time.ReadableInstant;

/**
 * Converts CSV cells to and from the flat fields of a Beam schema.
 *
 * <p>An empty cell is null (CSV has no other way to say it): allowed for nullable fields, {@code
 * missing_field} otherwise. Numbers, booleans and ISO-8601 timestamps with an offset are parsed
 * strictly; a cell that does not parse is {@code wrong_type} (or {@code bad_timestamp}), and the
 * message names the field, the expected type and what the cell looks like, never its value.
 */
final class CsvCodec implements Serializable {
  private static final long serialVersionUID = 1L;
  private final Schema schema;
  private final String stage;

  CsvCodec(Schema schema, String stage) {
    for (Field f : schema.getFields()) {
      if (!supported(f.getType())) {
        throw new IllegalArgumentException(
            "CSV: field '"
                + f.getName()
                + "' has type "
                + f.getType()
                + ", which a CSV cell cannot hold; use JSON lines, Avro or Parquet");
      }
    }
    this.schema = schema;
    this.stage = stage;
  }

  private static boolean supported(FieldType type) {
    switch (type.getTypeName()) {
      case ROW:
      case ARRAY:
      case ITERABLE:
      case MAP:
        return false;
      case LOGICAL_TYPE:
        return type.getLogicalType() instanceof EnumerationType
            || supported(type.getLogicalType().getBaseType());
      default:
        return true;
    }
  }

  List<Field> schemaFields() {
    return schema.getFields();
  }

  /** The header a writer puts first: the schema's field names. */
  List<String> header() {
    return schema.getFieldNames();
  }

  /** Decodes one record; {@code columns} maps header names to cell positions. */
  Row decode(List<String> cells, Map<String, Integer> columns, String where)
      throws RecordRejectedException {
    List<Object> values = new ArrayList<>(schema.getFieldCount());
    for (Field f : schema.getFields()) {
      Integer index = columns.get(f.getName());
      String cell = index == null || index >= cells.size() ? "" : cells.get(index);
      if (cell.isEmpty()) {
        if (!f.getType().getNullable()) {
          throw new RecordRejectedException(
              stage,
              "missing_field",
              where + ": required field '" + f.getName() + "' is empty or absent");
        }
        values.add(null);
      } else {
        values.add(parse(f.getName(), f.getType(), cell, where));
      }
    }
    return Row.withSchema(schema).addValues(values).build();
  }

  private Object parse(String field, FieldType type, String cell, String where)
      throws RecordRejectedException {
    try {
      switch (type.getTypeName()) {
        case STRING:
          return cell;
        case BYTE:
          return Byte.parseByte(cell);
        case INT16:
          return Short.parseShort(cell);
        case INT32:
          return Integer.parseInt(cell);
        case INT64:
          return Long.parseLong(cell);
        case FLOAT:
          return Float.parseFloat(cell);
        case DOUBLE:
          return Double.parseDouble(cell);
        case DECIMAL:
          return new BigDecimal(cell);
        case BOOLEAN:
          if (cell.equals("true") || cell.equals("false")) {
            return Boolean.parseBoolean(cell);
          }
          throw new NumberFormatException();
        case BYTES:
          return Base64.getDecoder().decode(cell);
        case DATETIME:
          try {
            return new Instant(
                OffsetDateTime.parse(cell, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                    .toInstant()
                    .toEpochMilli());
          } catch (DateTimeParseException e) {
            throw new RecordRejectedException(
                stage,
                "bad_timestamp",
                where
                    + ": field '"
                    + field
                    + "' must be an ISO-8601 timestamp with offset, got "
                    + shapeOf(cell));
          }
        case LOGICAL_TYPE:
          if (type.getLogicalType() instanceof EnumerationType e) {
            if (!e.getValues().contains(cell)) {
              throw new RecordRejectedException(
                  stage,
                  "wrong_type",
                  where
                      + ": field '"
                      + field
                      + "' must be one of the enum symbols "
                      + e.getValues()
                      + ", got an unknown symbol");
            }
            return e.valueOf(cell);
          }
          return toInput(
              type.getLogicalType(),
              parse(field, type.getLogicalType().getBaseType(), cell, where));
        default:
          throw new IllegalStateException("unsupported " + type);
      }
    } catch (NumberFormatException | ArithmeticException e) {
      if (isIntegral(type) && cell.matches("[+-]?\\d+")) {
        // An integer that does not fit the type is out of range, not of the wrong type.
        throw new RecordRejectedException(
            stage,
            "out_of_range",
            where
                + ": field '"
                + field
                + "' must be an integer from "
                + range(type)
                + " ("
                + type.getTypeName()
                + "), got an integer outside that range");
      }
      throw new RecordRejectedException(
          stage,
          "wrong_type",
          where + ": field '" + field + "' must be " + expected(type) + ", got " + shapeOf(cell));
    } catch (IllegalArgumentException e) {
      throw new RecordRejectedException(
          stage,
          "wrong_type",
          where + ": field '" + field + "' must be " + expected(type) + ", got " + shapeOf(cell));
    }
  }

  @SuppressWarnings("unchecked")
  private static <I, B> I toInput(Schema.LogicalType<I, B> lt, Object base) {
    return lt.toInputType((B) base);
  }

  private static boolean isIntegral(FieldType type) {
    switch (type.getTypeName()) {
      case BYTE:
      case INT16:
      case INT32:
      case INT64:
        return true;
      default:
        return false;
    }
  }

  private static String range(FieldType type) {
    switch (type.getTypeName()) {
      case BYTE:
        return Byte.MIN_VALUE + " to " + Byte.MAX_VALUE;
      case INT16:
        return Short.MIN_VALUE + " to " + Short.MAX_VALUE;
      case INT32:
        return Integer.MIN_VALUE + " to " + Integer.MAX_VALUE;
      default:
        return Long.MIN_VALUE + " to " + Long.MAX_VALUE;
    }
  }

  private static String expected(FieldType type) {
    switch (type.getTypeName()) {
      case BYTE:
      case INT16:
      case INT32:
      case INT64:
        return "an integer (" + type.getTypeName() + ")";
      case FLOAT:
      case DOUBLE:
      case DECIMAL:
        return "a number (" + type.getTypeName() + ")";
      case BOOLEAN:
        return "true or false";
      case BYTES:
        return "base64 bytes";
      default:
        return "a " + type.getTypeName();
    }
  }

  /** What a cell looks like, without its content (which may be personal data). */
  static String shapeOf(String cell) {
    if (cell.matches("[+-]?\\d+")) {
      return cell.length() > 18 ? "an integer too large for the type" : "an integer";
    }
    if (cell.matches("[+-]?(\\d+\\.\\d*|\\.\\d+)([eE][+-]?\\d+)?")) {
      return "a decimal number";
    }
    if (cell.equalsIgnoreCase("true") || cell.equalsIgnoreCase("false")) {
      return "a boolean";
    }
    if (cell.matches("\\d{4}-\\d{2}-\\d{2}.*")) {
      return "a date-like text without a valid offset";
    }
    return "text of " + cell.length() + " characters";
  }

  /** The cells of {@code row} in schema order; null becomes the empty cell. */
  List<String> encode(Row row) {
    List<String> cells = new ArrayList<>(schema.getFieldCount());
    for (int i = 0; i < schema.getFieldCount(); i++) {
      Object v = row.getValue(i);
      FieldType type = schema.getField(i).getType();
      if (v == null) {
        cells.add("");
      } else if (type.getTypeName() == Schema.TypeName.DATETIME) {
        cells.add(((ReadableInstant) v).toInstant().toString());
      } else if (type.getTypeName() == Schema.TypeName.DECIMAL) {
        cells.add(((BigDecimal) v).toPlainString());
      } else if (type.getTypeName() == Schema.TypeName.BYTES) {
        cells.add(Base64.getEncoder().encodeToString((byte[]) v));
      } else if (type.getTypeName() == Schema.TypeName.LOGICAL_TYPE
          && type.getLogicalType() instanceof EnumerationType e) {
        cells.add(e.toString((EnumerationType.Value) v));
      } else {
        cells.add(String.valueOf(v));
      }
    }
    return cells;
  }
}
