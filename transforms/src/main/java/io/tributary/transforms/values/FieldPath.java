package io.tributary.transforms.values;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A dotted path to a (possibly nested) field of a schema'd row, such as {@code user.email}.
 *
 * <pre>{@code
 * FieldPath email = FieldPath.of("user.email");
 * email.checkIn(schema);              // at construction: fails naming the missing part
 * Object value = email.get(row);      // null when any part along the way is null
 * }</pre>
 */
public final class FieldPath implements Serializable {
  private static final long serialVersionUID = 1L;
  private final String path;
  private final String[] parts;

  private FieldPath(String path) {
    this.path = path;
    this.parts = path.split("\\.");
  }

  /** Parses {@code a.b.c}. */
  public static FieldPath of(String path) {
    checkArgument(path != null && !path.isBlank(), "field path must not be empty");
    checkArgument(
        !path.startsWith(".") && !path.endsWith(".") && !path.contains(".."),
        "field path '%s' is malformed; expected names separated by single dots",
        path);
    return new FieldPath(path);
  }

  /**
   * Throws {@link IllegalArgumentException} naming the first part of the path not in {@code
   * schema}.
   */
  public Schema.FieldType checkIn(Schema schema) {
    Schema current = schema;
    Schema.FieldType type = null;
    for (int i = 0; i < parts.length; i++) {
      checkArgument(
          current != null && current.hasField(parts[i]),
          "field '%s' (in path '%s') is not in the schema; known fields: %s",
          parts[i],
          path,
          current == null ? "[]" : current.getFieldNames());
      type = current.getField(parts[i]).getType();
      current = type.getTypeName() == Schema.TypeName.ROW ? type.getRowSchema() : null;
    }
    return type;
  }

  /** The value at this path, or null if it or any enclosing row is null. */
  public @Nullable Object get(Row row) {
    Object current = row;
    for (String part : parts) {
      if (current == null) {
        return null;
      }
      current = ((Row) current).getValue(part);
    }
    return current;
  }

  @Override
  public String toString() {
    return path;
  }
}
