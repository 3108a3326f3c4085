package io.tributary.transforms.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.Collection;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.values.Row;
import org.joda.time.ReadableInstant;

/**
 * Renders a schema'd {@link Row} as one line of JSON, fields in schema order.
 *
 * <p>The inverse of {@link DecodeJson} for the types it reads: decimals keep their scale, {@code
 * DATETIME} becomes an ISO-8601 UTC string. Used for dead-letter payloads of records that were
 * already decoded, and by sinks that write JSON lines.
 *
 * <pre>{@code
 * String line = RowJsonText.render(row); // {"event_id":"e-1","price":19.99,...}
 * }</pre>
 */
public final class RowJsonText {
  private static final JsonFactory FACTORY = new JsonFactory();

  private RowJsonText() {}

  /** One line of JSON for {@code row}; decimals are JSON numbers. */
  public static String render(Row row) {
    return render(row, false);
  }

  /**
   * One line of JSON for {@code row}; with {@code decimalsAsStrings}, decimals are JSON strings of
   * their plain form ({@code "12.30"}), so a reader that parses numbers as doubles cannot lose
   * cents. Map entries are written sorted by key, so the same row always gives the same bytes.
   */
  public static String render(Row row, boolean decimalsAsStrings) {
    StringWriter out = new StringWriter();
    try (JsonGenerator gen = FACTORY.createGenerator(out)) {
      writeRow(gen, row, decimalsAsStrings);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static void writeRow(JsonGenerator gen, Row row, boolean decimalsAsStrings)
      throws IOException {
    gen.writeStartObject();
    Schema schema = row.getSchema();
    for (int i = 0; i < schema.getFieldCount(); i++) {
      Field field = schema.getField(i);
      gen.writeFieldName(field.getName());
      writeValue(gen, field.getType(), row.getValue(i), decimalsAsStrings);
    }
    gen.writeEndObject();
  }

  private static void writeValue(
      JsonGenerator gen, FieldType type, Object value, boolean decimalsAsStrings)
      throws IOException {
    if (value == null) {
      gen.writeNull();
      return;
    }
    switch (type.getTypeName()) {
      case STRING:
        gen.writeString((String) value);
        break;
      case BOOLEAN:
        gen.writeBoolean((Boolean) value);
        break;
      case BYTE:
      case INT16:
      case INT32:
      case INT64:
        gen.writeNumber(((Number) value).longValue());
        break;
      case FLOAT:
      case DOUBLE:
        gen.writeNumber(((Number) value).doubleValue());
        break;
      case DECIMAL:
        if (decimalsAsStrings) {
          gen.writeString(((BigDecimal) value).toPlainString());
        } else {
          gen.writeNumber((BigDecimal) value);
        }
        break;
      case DATETIME:
        gen.writeString(((ReadableInstant) value).toInstant().toString());
        break;
      case ROW:
        writeRow(gen, (Row) value, decimalsAsStrings);
        break;
      case ARRAY:
      case ITERABLE:
        gen.writeStartArray();
        for (Object item : (Iterable<?>) value) {
          writeValue(gen, type.getCollectionElementType(), item, decimalsAsStrings);
        }
        gen.writeEndArray();
        break;
      case MAP:
        gen.writeStartObject();
        // Sorted by key: a map decoded by MapCoder iterates in hash order.
        java.util.TreeMap<String, Object> sorted = new java.util.TreeMap<>();
        ((Map<?, ?>) value).forEach((k, v) -> sorted.put(String.valueOf(k), v));
        for (Map.Entry<String, Object> e : sorted.entrySet()) {
          gen.writeFieldName(e.getKey());
          writeValue(gen, type.getMapValueType(), e.getValue(), decimalsAsStrings);
        }
        gen.writeEndObject();
        break;
      case BYTES:
        gen.writeBinary((byte[]) value);
        break;
      default:
        gen.writeString(value instanceof Collection ? value.toString() : String.valueOf(value));
    }
  }
}
