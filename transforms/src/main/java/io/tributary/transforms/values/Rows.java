package io.tributary.transforms.values;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;
import org.joda.time.base.AbstractInstant;

/**
 * Builds a {@link Row} from a list of field values with the checks of Beam's {@code
 * Row.withSchema(schema).addValues(values).build()}, without its cost.
 *
 * <p>Beam's builder verifies a row by walking the schema with a field-access descriptor resolved
 * per field, which allocates maps and streams for every field of every row; on a record path that
 * builds one row per record it is one of the largest costs after parsing (measured in
 * docs/performance.md). {@link #build} does the same checks in one loop: a non-nullable field must
 * not be null, every value must be of its field type's Java class, a {@code DATETIME} becomes a
 * Joda {@link Instant}, {@code BYTES} given as a {@link ByteBuffer} become its array, and arrays
 * and iterables are copied element by element under the same rules. The row holds exactly the
 * values Beam's builder would hold, so it is equal to Beam's row and encodes to the same bytes. A
 * schema with a {@code MAP} or a logical type anywhere in a field (including array elements) is
 * handed to Beam's builder unchanged: those are rare on record paths and their normalization is
 * Beam's own.
 *
 * <pre>{@code
 * Row row = Rows.build(schema, Arrays.asList("e-1", new BigDecimal("19.99"), Instant.now()));
 * }</pre>
 */
public final class Rows {
  private Rows() {}

  /**
   * A row of {@code schema} holding {@code values} (one per field, in schema order).
   *
   * @throws IllegalArgumentException if the number of values is not the number of fields, or a
   *     non-nullable field (or array element) is null, or a value is not of its field's type
   */
  public static Row build(Schema schema, List<@Nullable Object> values) {
    int n = schema.getFieldCount();
    if (values.size() != n) {
      throw new IllegalArgumentException(
          "Rows.build: " + values.size() + " values for the " + n + " fields of " + schema);
    }
    for (int i = 0; i < n; i++) {
      if (!plain(schema.getField(i).getType())) {
        return Row.withSchema(schema).addValues(values).build();
      }
    }
    List<@Nullable Object> checked = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Schema.Field field = schema.getField(i);
      checked.add(check(field.getType(), values.get(i), field.getName()));
    }
    return Row.withSchema(schema).attachValues(checked);
  }

  /** Whether {@code type} holds no map and no logical type, at any depth of collections. */
  private static boolean plain(FieldType type) {
    switch (type.getTypeName()) {
      case MAP:
      case LOGICAL_TYPE:
        return false;
      case ARRAY:
      case ITERABLE:
        return plain(type.getCollectionElementType());
      default:
        return true;
    }
  }

  private static @Nullable Object check(FieldType type, @Nullable Object value, String field) {
    if (value == null) {
      if (!type.getNullable()) {
        throw new IllegalArgumentException(
            "Rows.build: field '" + field + "' of type " + type + " is not nullable, got null");
      }
      return null;
    }
    switch (type.getTypeName()) {
      case BYTE:
        return expect(value, Byte.class, type, field);
      case INT16:
        return expect(value, Short.class, type, field);
      case INT32:
        return expect(value, Integer.class, type, field);
      case INT64:
        return expect(value, Long.class, type, field);
      case FLOAT:
        return expect(value, Float.class, type, field);
      case DOUBLE:
        return expect(value, Double.class, type, field);
      case DECIMAL:
        return expect(value, BigDecimal.class, type, field);
      case STRING:
        return expect(value, String.class, type, field);
      case BOOLEAN:
        return expect(value, Boolean.class, type, field);
      case DATETIME:
        if (value instanceof Instant) {
          return value;
        }
        return expect(value, AbstractInstant.class, type, field).toInstant();
      case BYTES:
        if (value instanceof ByteBuffer) {
          return ((ByteBuffer) value).array();
        }
        return expect(value, byte[].class, type, field);
      case ROW:
        return expect(value, Row.class, type, field);
      case ARRAY:
      case ITERABLE:
        {
          FieldType element = type.getCollectionElementType();
          // As Beam's builder: an ARRAY value must be a Collection, an ITERABLE any Iterable.
          Iterable<?> items =
              type.getTypeName() == Schema.TypeName.ARRAY
                  ? expect(value, Collection.class, type, field)
                  : expect(value, Iterable.class, type, field);
          List<@Nullable Object> copy =
              new ArrayList<>(items instanceof Collection ? ((Collection<?>) items).size() : 10);
          String itemField = field + "[]";
          for (Object item : items) {
            copy.add(check(element, item, itemField));
          }
          return copy;
        }
      default:
        // MAP and LOGICAL_TYPE never reach here: build() hands such schemas to Beam.
        throw new IllegalStateException("Rows.build: unexpected type " + type);
    }
  }

  private static <T> T expect(Object value, Class<T> javaType, FieldType type, String field) {
    if (!javaType.isInstance(value)) {
      throw new IllegalArgumentException(
          "Rows.build: field '"
              + field
              + "' of type "
              + type
              + " needs a "
              + javaType.getSimpleName()
              + ", got a "
              + value.getClass().getSimpleName());
    }
    return javaType.cast(value);
  }
}
