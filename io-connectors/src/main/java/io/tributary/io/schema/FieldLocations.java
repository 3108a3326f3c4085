package io.tributary.io.schema;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility.Incompatibility;

/** Turns Avro's JSON-pointer locations ({@code /fields/2/type}) into field paths a person reads. */
final class FieldLocations {
  private FieldLocations() {}

  static String describe(Schema reader, Incompatibility i) {
    String path = fieldPath(reader, i.getLocation());
    // The top of a schema that is not a record (a bare string, an array, a map) has no field name.
    String subject =
        path.isEmpty() && reader.getType() != Schema.Type.RECORD
            ? "the " + reader.getType().getName() + " schema"
            : "field '" + orRoot(path) + "'";
    switch (i.getType()) {
      case READER_FIELD_MISSING_DEFAULT_VALUE:
        // The location already points at the reader's field; the message repeats its name.
        String field = path.isEmpty() ? i.getMessage() : path;
        return "field '"
            + field
            + "' is absent from the writer's data and has no default in the reader";
      case TYPE_MISMATCH:
        return subject + ": " + i.getMessage();
      case MISSING_ENUM_SYMBOLS:
        return subject + ": reader enum lacks symbols " + i.getMessage();
      default:
        return subject + ": " + i.getMessage();
    }
  }

  private static String orRoot(String path) {
    return path.isEmpty() ? "<record>" : path;
  }

  /** The dotted field path of a location in {@code schema}; "" for the record itself. */
  static String fieldPath(Schema schema, String location) {
    StringBuilder path = new StringBuilder();
    Schema current = schema;
    // limit 0: trailing empty strings are dropped (String.split's default): a trailing "fields/"
    // is then the last part and is not followed by an index.
    String[] parts = location.split("/", 0);
    for (int k = 0; k < parts.length; k++) {
      String part = parts[k];
      if (part.isEmpty() || current == null) {
        continue;
      }
      if (part.equals("fields")
          && k + 1 < parts.length
          && current.getType() == Schema.Type.RECORD) {
        int index = Integer.parseInt(parts[++k]);
        Schema.Field f = current.getFields().get(index);
        if (path.length() > 0) {
          path.append('.');
        }
        path.append(f.name());
        current = f.schema();
      } else if (part.equals("items") && current.getType() == Schema.Type.ARRAY) {
        path.append("[]");
        current = current.getElementType();
      } else if (part.equals("values") && current.getType() == Schema.Type.MAP) {
        path.append("{}");
        current = current.getValueType();
      } else if (part.matches("\\d+") && current.getType() == Schema.Type.UNION) {
        current = current.getTypes().get(Integer.parseInt(part));
      }
      // "type", "name", "symbols", "size": stay on the current schema
    }
    return path.toString();
  }
}
