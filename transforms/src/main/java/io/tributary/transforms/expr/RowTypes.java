package io.tributary.transforms.expr;

import com.google.common.collect.ImmutableCollection;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.protobuf.Timestamp;
import dev.cel.common.types.CelType;
import dev.cel.common.types.CelTypeProvider;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.NullableType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.types.StructType;
import dev.cel.common.values.NullValue;
import java.math.BigDecimal;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.Schema.TypeName;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.ReadableInstant;

/**
 * The CEL view of one Beam row schema: a declared type per field, a struct type per nested row, and
 * the conversion of values both ways. The mapping is the one docs/expressions.md documents:
 *
 * <ul>
 *   <li>BYTE, INT16, INT32, INT64 are {@code int} (64-bit); FLOAT, DOUBLE are {@code double};
 *   <li>DECIMAL is {@code double}: CEL has no decimal type, so a decimal is read with double
 *       precision (about 15 significant digits), and a derived field is never DECIMAL;
 *   <li>DATETIME is {@code google.protobuf.Timestamp}, so CEL's timestamp functions and literals
 *       work on it ({@code ts > timestamp('2026-01-01T00:00:00Z')}, {@code ts.getHours()});
 *   <li>a nested ROW is a struct whose fields are type-checked ({@code user.email}); at run time it
 *       is a read-only map view of the row, so nothing is copied;
 *   <li>ARRAY and ITERABLE are {@code list(T)}, MAP is {@code map(K, V)};
 *   <li>a nullable field is a nullable type: it compares with {@code null}, and using it as its
 *       plain type when it is null is an evaluation error.
 * </ul>
 *
 * BYTES and logical types other than DATETIME are not readable: such fields are left undeclared,
 * and an expression that names one is told why.
 */
final class RowTypes {
  /** Prefix of the struct type names of nested rows, followed by the field path. */
  static final String STRUCT_PREFIX = "tributary.row.";

  private static final Set<TypeName> MAP_KEYS =
      java.util.EnumSet.of(
          TypeName.BYTE,
          TypeName.INT16,
          TypeName.INT32,
          TypeName.INT64,
          TypeName.STRING,
          TypeName.BOOLEAN);

  private final Map<String, CelType> variables = new LinkedHashMap<>();
  private final Map<String, String> unreadable = new LinkedHashMap<>();
  private final Map<String, StructType> structs = new LinkedHashMap<>();
  private final Map<String, Schema> structSchemas = new LinkedHashMap<>();
  private final Set<String> nestedFieldNames = new java.util.LinkedHashSet<>();

  private RowTypes(Schema schema) {
    for (Schema.Field f : schema.getFields()) {
      CelType t = celType(f.getType(), f.getName());
      if (t == null) {
        unreadable.put(f.getName(), describe(f.getType()));
      } else {
        variables.put(f.getName(), t);
      }
    }
  }

  /** The CEL view of {@code schema}. */
  static RowTypes of(Schema schema) {
    return new RowTypes(schema);
  }

  /** Every readable top-level field and its CEL type, in schema order. */
  Map<String, CelType> variables() {
    return variables;
  }

  /** Fields that cannot be read, with their Beam type (for the error that names one). */
  Map<String, String> unreadable() {
    return unreadable;
  }

  /** The names of every field of every nested row (for "did you mean" on a field selection). */
  Set<String> nestedFieldNames() {
    return nestedFieldNames;
  }

  /** The type provider that lets the checker see into nested rows. */
  CelTypeProvider typeProvider() {
    return new StructTypes(ImmutableMap.copyOf(structs));
  }

  /** The struct types of the nested rows, by name. */
  private static final class StructTypes implements CelTypeProvider {
    private final ImmutableMap<String, StructType> byName;

    StructTypes(ImmutableMap<String, StructType> byName) {
      this.byName = byName;
    }

    @Override
    public ImmutableCollection<CelType> types() {
      return ImmutableList.copyOf(byName.values());
    }

    @Override
    public Optional<CelType> findType(String typeName) {
      return Optional.ofNullable(byName.get(typeName));
    }
  }

  private @Nullable CelType celType(FieldType type, String path) {
    CelType t = plainType(type, path);
    if (t == null) {
      return null;
    }
    return Boolean.TRUE.equals(type.getNullable()) ? NullableType.create(t) : t;
  }

  private @Nullable CelType plainType(FieldType type, String path) {
    switch (type.getTypeName()) {
      case BYTE:
      case INT16:
      case INT32:
      case INT64:
        return SimpleType.INT;
      case FLOAT:
      case DOUBLE:
      case DECIMAL:
        return SimpleType.DOUBLE;
      case STRING:
        return SimpleType.STRING;
      case BOOLEAN:
        return SimpleType.BOOL;
      case DATETIME:
        return SimpleType.TIMESTAMP;
      case ARRAY:
      case ITERABLE:
        {
          CelType element = celType(type.getCollectionElementType(), path + "[]");
          return element == null ? null : ListType.create(element);
        }
      case MAP:
        {
          TypeName keyName = type.getMapKeyType().getTypeName();
          if (!MAP_KEYS.contains(keyName)) {
            return null; // CEL map keys are int, string or bool
          }
          CelType key = plainType(type.getMapKeyType(), path + "{}");
          CelType value = celType(type.getMapValueType(), path + "{}");
          return key == null || value == null ? null : MapType.create(key, value);
        }
      case ROW:
        return struct(type.getRowSchema(), path);
      default:
        return null;
    }
  }

  private StructType struct(Schema schema, String path) {
    String name = STRUCT_PREFIX + path;
    StructType existing = structs.get(name);
    if (existing != null) {
      return existing;
    }
    Map<String, CelType> fields = new LinkedHashMap<>();
    for (Schema.Field f : schema.getFields()) {
      CelType t = celType(f.getType(), path + "." + f.getName());
      if (t != null) {
        fields.put(f.getName(), t);
        nestedFieldNames.add(f.getName());
      }
    }
    ImmutableMap<String, CelType> fieldTypes = ImmutableMap.copyOf(fields);
    StructType struct =
        StructType.create(name, fieldTypes.keySet(), f -> Optional.ofNullable(fieldTypes.get(f)));
    structs.put(name, struct);
    structSchemas.put(name, schema);
    return struct;
  }

  /**
   * The Beam type of a value of CEL type {@code type}, or null when no Beam field can hold it (dyn,
   * null, bytes, durations, types, a struct that is not a nested row).
   */
  @Nullable FieldType beamType(CelType type) {
    if (type instanceof NullableType n) {
      FieldType target = beamType(n.targetType());
      return target == null ? null : target.withNullable(true);
    }
    switch (type.kind()) {
      case BOOL:
        return FieldType.BOOLEAN;
      case INT:
        return FieldType.INT64;
      case DOUBLE:
        return FieldType.DOUBLE;
      case STRING:
        return FieldType.STRING;
      case TIMESTAMP:
        return FieldType.DATETIME;
      case LIST:
        {
          FieldType element = beamType(type.parameters().get(0));
          return element == null ? null : FieldType.array(element);
        }
      case MAP:
        {
          FieldType key = beamType(type.parameters().get(0));
          FieldType value = beamType(type.parameters().get(1));
          return key == null || value == null ? null : FieldType.map(key, value);
        }
      case STRUCT:
        {
          Schema nested = structSchemas.get(type.name());
          return nested == null ? null : FieldType.row(nested);
        }
      default:
        return null;
    }
  }

  private static String describe(FieldType type) {
    return type.getTypeName() == TypeName.LOGICAL_TYPE
        ? "logical type " + type.getLogicalType().getIdentifier()
        : type.getTypeName().toString();
  }

  /** The CEL value of a Beam value of {@code type} (null becomes CEL's {@code null}). */
  static Object toCel(FieldType type, @Nullable Object value) {
    if (value == null) {
      return NullValue.NULL_VALUE;
    }
    switch (type.getTypeName()) {
      case BYTE:
      case INT16:
      case INT32:
        return ((Number) value).longValue();
      case FLOAT:
        return ((Float) value).doubleValue();
      case DECIMAL:
        return ((BigDecimal) value).doubleValue();
      case DATETIME:
        {
          long millis = ((ReadableInstant) value).getMillis();
          return Timestamp.newBuilder()
              .setSeconds(Math.floorDiv(millis, 1000L))
              .setNanos((int) Math.floorMod(millis, 1000L) * 1_000_000)
              .build();
        }
      case ROW:
        return new RowView((Row) value);
      case ARRAY:
      case ITERABLE:
        {
          FieldType element = type.getCollectionElementType();
          List<Object> out = new ArrayList<>();
          for (Object o : (Iterable<?>) value) {
            out.add(toCel(element, o));
          }
          return out;
        }
      case MAP:
        {
          Map<Object, Object> out = new LinkedHashMap<>();
          for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
            out.put(
                toCel(type.getMapKeyType(), e.getKey()),
                toCel(type.getMapValueType(), e.getValue()));
          }
          return out;
        }
      default:
        return value;
    }
  }

  /** The Beam value of type {@code type} of a CEL result (CEL's {@code null} becomes null). */
  static @Nullable Object fromCel(FieldType type, @Nullable Object value) {
    if (value == null || value instanceof NullValue) {
      return null;
    }
    switch (type.getTypeName()) {
      case DATETIME:
        if (value instanceof java.time.Instant i) {
          return org.joda.time.Instant.ofEpochMilli(i.toEpochMilli());
        }
        if (value instanceof Timestamp t) {
          return org.joda.time.Instant.ofEpochMilli(
              t.getSeconds() * 1000L + t.getNanos() / 1_000_000);
        }
        return value;
      case ROW:
        return value instanceof RowView v ? v.row : value;
      case ARRAY:
      case ITERABLE:
        {
          List<Object> out = new ArrayList<>();
          for (Object o : (Iterable<?>) value) {
            out.add(fromCel(type.getCollectionElementType(), o));
          }
          return out;
        }
      case MAP:
        {
          Map<Object, Object> out = new LinkedHashMap<>();
          for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
            out.put(
                fromCel(type.getMapKeyType(), e.getKey()),
                fromCel(type.getMapValueType(), e.getValue()));
          }
          return out;
        }
      default:
        return value;
    }
  }

  /**
   * A nested row as CEL sees it: a read-only map from field name to CEL value, converted when read.
   * Every readable field is present, null ones included (their value is CEL's {@code null}), so
   * {@code user.email == null} works; CEL's {@code has()} on a map asks for presence, and is
   * therefore true for every field of the schema (docs/expressions.md, "Null handling").
   */
  static final class RowView extends AbstractMap<String, Object> {
    private final Row row;

    RowView(Row row) {
      this.row = row;
    }

    Row row() {
      return row;
    }

    @Override
    public boolean containsKey(@Nullable Object key) {
      return key instanceof String k && row.getSchema().hasField(k);
    }

    @Override
    public @Nullable Object get(@Nullable Object key) {
      if (!containsKey(key)) {
        return null;
      }
      Schema.Field f = row.getSchema().getField((String) key);
      return toCel(f.getType(), row.getValue(f.getName()));
    }

    @Override
    public Set<Map.Entry<String, Object>> entrySet() {
      Map<String, Object> all = new LinkedHashMap<>();
      for (Schema.Field f : row.getSchema().getFields()) {
        all.put(f.getName(), toCel(f.getType(), row.getValue(f.getName())));
      }
      return all.entrySet();
    }
  }
}
