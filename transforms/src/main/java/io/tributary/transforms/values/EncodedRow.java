package io.tributary.transforms.values;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.schemas.Factory;
import org.apache.beam.sdk.schemas.FieldValueGetter;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.RowWithGetters;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A row read by {@link RowBytesCoder}: its {@code RowCoder} bytes, with each field decoded on first
 * access. Seen from outside it is a Beam {@link Row} (a {@link RowWithGetters} over this object);
 * written again by {@link RowBytesCoder}, it is its bytes.
 *
 * <p>Only for flat schemas whose values cannot change once read (strings, numbers, decimals,
 * booleans, instants; {@link Layout#supports}): a field decoded twice gives equal values, so the
 * cache of decoded values may be filled by racing threads (each value is immutable and safely
 * published through its final fields; a slot seen empty is decoded again).
 *
 * <p>Equality and hash agree with Beam's stored rows: {@code RowWithGetters} compares two such rows
 * by their targets (here: the bytes, which {@code RowCoder} writes canonically for these types) and
 * hashes {@code Objects.hash(schema, target)}, so {@link #hashCode()} returns the value that makes
 * the row's hash equal to {@link Row#hashCode()} of a stored row with the same values ({@code
 * RowBytesCoderTest} holds both to Beam's rows).
 */
final class EncodedRow implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Layout layout;
  private final byte[] bytes;

  /** Field i's bytes are {@code [bounds[i], bounds[i + 1])}; an empty range is a null field. */
  private final int[] bounds;

  /** Decoded values, filled on access; a null slot is not yet decoded (nulls are never cached). */
  private transient @Nullable Object @Nullable [] values;

  private EncodedRow(Layout layout, byte[] bytes, int[] bounds) {
    this.layout = layout;
    this.bytes = bytes;
    this.bounds = bounds;
  }

  /** The encoded row behind {@code row}, if a {@link RowBytesCoder} read it; otherwise null. */
  static @Nullable EncodedRow behind(Row row) {
    if (row instanceof RowWithGetters) {
      Object target = ((RowWithGetters<?>) row).getGetterTarget();
      if (target instanceof EncodedRow) {
        return (EncodedRow) target;
      }
    }
    return null;
  }

  /** The schema of the coder that read this row. */
  Schema schema() {
    return layout.schema;
  }

  /** Exactly the bytes {@code RowCoder} wrote for this row. Not to be modified. */
  byte[] bytes() {
    return bytes;
  }

  Object value(int i) {
    int start = bounds[i];
    int end = bounds[i + 1];
    if (start == end) {
      return null;
    }
    Object[] cache = values;
    if (cache == null) {
      cache = new Object[bounds.length - 1];
      values = cache;
    }
    Object value = cache[i];
    if (value == null) {
      value = layout.decode(i, bytes, start, end);
      cache[i] = value;
    }
    return value;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof EncodedRow)) {
      return false;
    }
    EncodedRow other = (EncodedRow) o;
    return (layout == other.layout || layout.schema.equals(other.layout.schema))
        && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    // RowWithGetters hashes Objects.hash(schema, target) = 961 + 31 * schema + target.
    int h = 1;
    List<Schema.Field> fields = layout.schema.getFields();
    for (int i = 0; i < fields.size(); i++) {
      h = 31 * h + Row.Equals.deepHashCode(value(i), fields.get(i).getType());
    }
    return h - 961 - 31 * layout.schema.hashCode();
  }

  /**
   * What a coder knows about its schema's fields, shared by every row it reads: how to find each
   * field's end in the bytes, and how to decode it.
   */
  static final class Layout implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final int VAR_INT = 0; // INT32, INT64: a var-int
    private static final int STRING = 1; // a var-int length, then UTF-8
    private static final int DECIMAL = 2; // a var-int scale, a var-int length, then the bytes
    private static final int FIXED = 3; // BYTE, BOOLEAN, INT16, FLOAT, DOUBLE, DATETIME

    final Schema schema;
    private final int[] kinds;
    private final int[] widths;
    private final Coder<?>[] coders;
    private final List<FieldValueGetter<EncodedRow, Object>> getters;
    private final Factory<List<FieldValueGetter<EncodedRow, Object>>> factory;

    /** The length of the last row read: the first guess at the next one's buffer. */
    private transient volatile int lastLength;

    Layout(Schema schema) {
      this.schema = schema;
      int n = schema.getFieldCount();
      kinds = new int[n];
      widths = new int[n];
      coders = new Coder<?>[n];
      List<FieldValueGetter<EncodedRow, Object>> list = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        Schema.FieldType type = schema.getField(i).getType();
        coders[i] = SchemaCoder.coderForFieldType(type.withNullable(false));
        switch (type.getTypeName()) {
          case INT32:
          case INT64:
            kinds[i] = VAR_INT;
            break;
          case STRING:
            kinds[i] = STRING;
            break;
          case DECIMAL:
            kinds[i] = DECIMAL;
            break;
          case BYTE:
          case BOOLEAN:
            kinds[i] = FIXED;
            widths[i] = 1;
            break;
          case INT16:
            kinds[i] = FIXED;
            widths[i] = 2;
            break;
          case FLOAT:
            kinds[i] = FIXED;
            widths[i] = 4;
            break;
          case DOUBLE:
          case DATETIME:
            kinds[i] = FIXED;
            widths[i] = 8;
            break;
          default:
            throw new IllegalArgumentException("not a flat field of fixed values: " + type);
        }
        list.add(new Getter(i, schema.getField(i).getName()));
      }
      this.getters = Collections.unmodifiableList(list);
      this.factory = new Getters(getters);
    }

    /** Whether rows of {@code schema} can be read lazily: flat, of values that cannot change. */
    static boolean supports(Schema schema) {
      return !schema.isEncodingPositionsOverridden() && RowBytesCoder.allFixedValues(schema);
    }

    /**
     * Reads one row's bytes from {@code in} without decoding its values: exactly the bytes {@code
     * RowCoder} would consume. A row written with another number of fields (an older or newer
     * schema) is handed to {@code RowCoder}, which knows how to read it.
     */
    Row read(InputStream in, Coder<Row> rowCoder) throws IOException {
      int n = kinds.length;
      Buffer b = new Buffer(Math.max(64, lastLength + 16));
      long count = b.varInt(in);
      if (count != n) {
        return rowCoder.decode(
            new SequenceInputStream(new ByteArrayInputStream(b.bytes, 0, b.length), in));
      }
      int nullBytes = b.length(in);
      int nullStart = b.length;
      b.copy(in, nullBytes);
      int[] bounds = new int[n + 1];
      for (int i = 0; i < n; i++) {
        bounds[i] = b.length;
        int at = i >>> 3;
        if (at < nullBytes && (b.bytes[nullStart + at] & (1 << (i & 7))) != 0) {
          continue;
        }
        switch (kinds[i]) {
          case VAR_INT:
            b.varInt(in);
            break;
          case STRING:
            b.copy(in, b.length(in));
            break;
          case DECIMAL:
            b.varInt(in);
            b.copy(in, b.length(in));
            break;
          default:
            b.copy(in, widths[i]);
        }
      }
      bounds[n] = b.length;
      lastLength = b.length;
      byte[] bytes = b.length == b.bytes.length ? b.bytes : Arrays.copyOf(b.bytes, b.length);
      return Row.withSchema(schema)
          .withFieldValueGetters(factory, new EncodedRow(this, bytes, bounds));
    }

    /** Field i's value from its bytes, as Beam's coder for its type would read it. */
    Object decode(int i, byte[] bytes, int start, int end) {
      try {
        switch (kinds[i]) {
          case STRING:
            {
              int[] at = {start};
              int length = (int) readVarInt(bytes, at, end);
              return new String(bytes, at[0], length, StandardCharsets.UTF_8);
            }
          case DECIMAL:
            {
              int[] at = {start};
              int scale = (int) readVarInt(bytes, at, end);
              int length = (int) readVarInt(bytes, at, end);
              return new BigDecimal(new BigInteger(bytes, at[0], length), scale);
            }
          default:
            return coders[i].decode(new ByteArrayInputStream(bytes, start, end - start));
        }
      } catch (IOException | RuntimeException e) {
        throw new IllegalStateException(
            "cannot read field " + schema.getField(i).getName() + " of an encoded row", e);
      }
    }

    private static long readVarInt(byte[] bytes, int[] at, int end) throws CoderException {
      long result = 0;
      int shift = 0;
      int p = at[0];
      while (p < end && shift < 64) {
        int b = bytes[p++];
        result |= (long) (b & 0x7f) << shift;
        shift += 7;
        if (b >= 0) {
          at[0] = p;
          return result;
        }
      }
      throw new CoderException("malformed var-int in an encoded row");
    }
  }

  /** The bytes of one row as they are read, growing as needed. */
  private static final class Buffer {
    byte[] bytes;
    int length;

    Buffer(int capacity) {
      bytes = new byte[capacity];
    }

    /** Copies one var-int (at most 10 bytes) and returns its value. */
    long varInt(InputStream in) throws IOException {
      long result = 0;
      for (int shift = 0; shift < 70; shift += 7) {
        int b = in.read();
        if (b < 0) {
          throw new EOFException("end of stream inside an encoded row");
        }
        ensure(1);
        bytes[length++] = (byte) b;
        result |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return result;
        }
      }
      throw new CoderException("var-int longer than 10 bytes in an encoded row");
    }

    /** Copies a var-int length and returns it, refusing what no writer of rows produces. */
    int length(InputStream in) throws IOException {
      long n = varInt(in);
      if (n < 0 || n > Integer.MAX_VALUE - 16) {
        throw new CoderException("impossible length " + n + " in an encoded row");
      }
      return (int) n;
    }

    void copy(InputStream in, int n) throws IOException {
      ensure(n);
      int end = length + n;
      while (length < end) {
        int read = in.read(bytes, length, end - length);
        if (read < 0) {
          throw new EOFException("end of stream inside an encoded row");
        }
        length += read;
      }
    }

    private void ensure(int more) {
      if (length + more > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
      }
    }
  }

  private static final class Getter implements FieldValueGetter<EncodedRow, Object> {
    private static final long serialVersionUID = 1L;
    private final int index;
    private final String name;

    Getter(int index, String name) {
      this.index = index;
      this.name = name;
    }

    @Override
    public @Nullable Object get(EncodedRow row) {
      return row.value(index);
    }

    @Override
    public String name() {
      return name;
    }
  }

  /** Hands every row of one layout the same getters. */
  private static final class Getters
      implements Factory<List<FieldValueGetter<EncodedRow, Object>>> {
    private static final long serialVersionUID = 1L;
    private final List<FieldValueGetter<EncodedRow, Object>> getters;

    Getters(List<FieldValueGetter<EncodedRow, Object>> getters) {
      this.getters = getters;
    }

    @Override
    public List<FieldValueGetter<EncodedRow, Object>> create(
        TypeDescriptor<?> type, Schema schema) {
      return getters;
    }
  }
}
