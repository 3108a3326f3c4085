package io.tributary.transforms.values;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.util.BitSet;
import org.apache.beam.sdk.coders.BitSetCoder;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.transforms.SerializableFunctions;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.RowWithGetters;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A {@link SchemaCoder} for rows that writes and reads exactly the bytes of Beam's {@link
 * RowCoder}, at a lower cost per row where Tributary's jobs pay most for encoding and decoding.
 *
 * <pre>{@code
 * PCollection<Row> rows = ...;
 * rows.setCoder(RowBytesCoder.of(schema)); // instead of rows.setRowSchema(schema)
 * }</pre>
 *
 * <p>Three costs of Beam's coder are avoided, and nothing else changes (the PCollection still has
 * its schema; {@code RowBytesCoderTest} holds the bytes equal to {@link RowCoder}'s and the rows
 * read equal to its rows):
 *
 * <ul>
 *   <li><b>Decoding fields nobody reads.</b> A row of a flat schema (strings, numbers, decimals,
 *       booleans, instants) is read as its bytes: the coder walks the encoding to find where each
 *       field lies and decodes a field when it is first asked for. A row that is only passed on
 *       (the valid rows a dead-letter consumer drops, the rows a keyed shuffle carries) is never
 *       decoded, and written again it is a copy of its bytes. Such a row is a {@link
 *       RowWithGetters}; it is equal to, and hashes like, the row {@link RowCoder} would have read.
 *       A row written with another number of fields (an older or newer schema) is read by {@link
 *       RowCoder}.
 *   <li><b>The same row encoded twice in a row.</b> Flink's batch translation serializes each
 *       output of a step once per consumer, and every step with a dead-letter output has two: the
 *       same {@code Row} object is encoded for one channel and then for the other. This coder keeps
 *       the last row it encoded with its bytes, and writes the bytes again when the next row is the
 *       same object. Only for rows whose values cannot change once the row is built: flat rows of
 *       strings, numbers, decimals, booleans and instants, not read through getters. A byte array,
 *       list, map or nested row could be mutated between two encodes.
 *   <li><b>Decimals.</b> Beam 2.62's {@code BigDecimalCoder} and {@code BigIntegerCoder} format
 *       their null-check message with {@code String.format} on every call, twice per decimal value
 *       (docs/performance.md). A top-level {@code DECIMAL} field is written here with the same
 *       bytes (scale as a var-int, then the unscaled value's two's-complement bytes with a var-int
 *       length) without it.
 * </ul>
 *
 * <p>A schema whose encoding positions are overridden is encoded by {@link RowCoder} itself (only
 * the first saving applies).
 */
public final class RowBytesCoder extends SchemaCoder<Row> {
  private static final long serialVersionUID = 1L;

  private transient @Nullable Coder<Row> rowCoder;
  private transient @Nullable Coder<Object>[] fieldCoders;
  private transient volatile @Nullable Encoded last;
  private transient volatile EncodedRow.@Nullable Layout layout;

  /**
   * A schema object found equal to this coder's (another copy of the coder, deserialized in another
   * task, read the row): remembered so that the next row of that reader costs a reference compare.
   */
  private transient volatile @Nullable Schema sameSchema;

  /** The last schema object found different: its rows are encoded field by field, no compare. */
  private transient volatile @Nullable Schema otherSchema;

  /** No null field: the bit set {@code RowCoder} writes then, only ever read here. */
  private static final BitSet NO_NULLS = new BitSet();

  /**
   * Whether the last encoding may be written again: only when no field can change after the row was
   * built (no bytes, lists, maps, logical-type values or nested rows, which a caller could still
   * mutate or read through getters). Otherwise a mutation between two encodes would be hidden, and
   * Beam's Direct runner, which finds mutated outputs by encoding them again, would miss it.
   */
  private final boolean remembers;

  /** Whether rows are read lazily ({@link EncodedRow.Layout#supports}). */
  private final boolean reads;

  private RowBytesCoder(Schema schema) {
    super(
        schema,
        TypeDescriptor.of(Row.class),
        SerializableFunctions.identity(),
        SerializableFunctions.identity());
    this.remembers = allFixedValues(schema);
    this.reads = EncodedRow.Layout.supports(schema);
  }

  /** The coder for rows of {@code schema}. */
  public static RowBytesCoder of(Schema schema) {
    return new RowBytesCoder(schema);
  }

  /** One row and its encoding; published whole, so a reader never pairs a row with other bytes. */
  private static final class Encoded {
    final Row row;
    final byte[] bytes;

    Encoded(Row row, byte[] bytes) {
      this.row = row;
      this.bytes = bytes;
    }
  }

  @Override
  public void encode(Row value, OutputStream out) throws IOException {
    if (value == null) {
      throw new CoderException("cannot encode a null Row");
    }
    if (reads) {
      EncodedRow encoded = EncodedRow.behind(value);
      if (encoded != null && sameSchema(encoded.schema())) {
        out.write(encoded.bytes());
        return;
      }
    }
    // A row read through getters (a POJO or bean seen as a row) shows its object's current
    // values, which its owner could still change.
    if (!remembers || value instanceof RowWithGetters) {
      encodeFields(value, out);
      return;
    }
    Encoded previous = last;
    if (previous != null && previous.row == value) {
      out.write(previous.bytes);
      return;
    }
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
    encodeFields(value, buffer);
    byte[] bytes = buffer.toByteArray();
    last = new Encoded(value, bytes);
    out.write(bytes);
  }

  @Override
  public Row decode(InputStream in) throws IOException {
    if (!reads) {
      return rowCoder().decode(in);
    }
    EncodedRow.Layout l = layout;
    if (l == null) {
      l = new EncodedRow.Layout(schema);
      layout = l;
    }
    return l.read(in, rowCoder());
  }

  private boolean sameSchema(Schema other) {
    if (other == schema || other == sameSchema) {
      return true;
    }
    if (other == otherSchema) {
      return false;
    }
    if (schema.equals(other)) {
      sameSchema = other;
      return true;
    }
    otherSchema = other;
    return false;
  }

  /**
   * Whether every field of {@code schema} holds a value that cannot change once the row is built:
   * no bytes, lists, maps, logical-type values or nested rows (maybe read through getters).
   */
  static boolean allFixedValues(Schema schema) {
    for (Schema.Field field : schema.getFields()) {
      if (!cannotChange(field.getType())) {
        return false;
      }
    }
    return true;
  }

  private static boolean cannotChange(Schema.FieldType type) {
    switch (type.getTypeName()) {
      case BYTE:
      case INT16:
      case INT32:
      case INT64:
      case FLOAT:
      case DOUBLE:
      case DECIMAL:
      case STRING:
      case BOOLEAN:
      case DATETIME:
        return true;
      default:
        return false; // bytes, lists, maps, logical types, nested rows (maybe read through getters)
    }
  }

  private Coder<Row> rowCoder() {
    Coder<Row> coder = rowCoder;
    if (coder == null) {
      coder = RowCoder.of(schema);
      rowCoder = coder;
    }
    return coder;
  }

  /** RowCoder's layout: field count, a bit set of the null fields, each non-null field. */
  private void encodeFields(Row row, OutputStream out) throws IOException {
    if (schema.isEncodingPositionsOverridden()) {
      rowCoder().encode(row, out);
      return;
    }
    Coder<Object>[] coders = fieldCoders();
    int n = coders.length;
    if (row.getFieldCount() != n) {
      throw new CoderException(
          "row has " + row.getFieldCount() + " fields, its schema " + n + ": " + schema);
    }
    VarIntCoder.of().encode(n, out);
    BitSet nulls = null;
    for (int i = 0; i < n; i++) {
      if (row.getValue(i) == null) {
        if (nulls == null) {
          nulls = new BitSet(n);
        }
        nulls.set(i);
      }
    }
    BitSetCoder.of().encode(nulls == null ? NO_NULLS : nulls, out);
    for (int i = 0; i < n; i++) {
      Object value = row.getValue(i);
      if (value != null) {
        coders[i].encode(value, out);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private Coder<Object>[] fieldCoders() {
    Coder<Object>[] coders = fieldCoders;
    if (coders == null) {
      coders = new Coder[schema.getFieldCount()];
      for (int i = 0; i < coders.length; i++) {
        // Nulls are in the bit set, so each field is written with its non-nullable coder.
        Schema.FieldType type = schema.getField(i).getType().withNullable(false);
        coders[i] =
            type.getTypeName() == Schema.TypeName.DECIMAL
                ? (Coder<Object>) (Coder<?>) DecimalCoder.INSTANCE
                : SchemaCoder.coderForFieldType(type);
      }
      fieldCoders = coders;
    }
    return coders;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof RowBytesCoder && schema.equals(((RowBytesCoder) o).schema);
  }

  @Override
  public int hashCode() {
    return schema.hashCode();
  }

  /** BigDecimalCoder's bytes, nested: var-int scale, var-int length, unscaled bytes. */
  private static final class DecimalCoder extends CustomCoder<BigDecimal> {
    static final DecimalCoder INSTANCE = new DecimalCoder();

    @Override
    public void encode(BigDecimal value, OutputStream out) throws IOException {
      VarIntCoder.of().encode(value.scale(), out);
      ByteArrayCoder.of().encode(value.unscaledValue().toByteArray(), out);
    }

    @Override
    public BigDecimal decode(InputStream in) throws IOException {
      throw new UnsupportedOperationException("decoded by RowCoder");
    }
  }
}
