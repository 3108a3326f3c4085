package io.tributary.transforms.lookup;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.Schema.TypeName;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Adds fields of a small table to each row whose key field matches the table's key: a side-input
 * join, the table held in memory by every worker (a dimension: products, countries, devices).
 *
 * <p>The table must have at most one row per key (a current state, such as {@code
 * Cdc.Result#currentState()}); a key held twice fails the run, naming it, rather than picking one
 * row by chance. A row without a match (or with a null key) gets each field's default, or null when
 * the field has none; every input row is output once, so a lookup is not a stage of the accounting.
 * The added fields keep the table's types, nullable unless a default is given; the table is read in
 * the global window, so it applies to main input rows of any window.
 *
 * <p>Why a side input and not Beam's {@code Join} (a CoGroupByKey on both sides): the table is
 * small and the main input keeps its windows, order and timestamps, with no shuffle of it.
 *
 * <pre>{@code
 * PCollection<Row> withCategory = orders.apply("CategoryOfProduct",
 *     Lookup.from(products).by("product_id").withField("category").withDefault("category", "unknown"));
 * }</pre>
 */
public final class Lookup extends PTransform<PCollection<Row>, PCollection<Row>> {
  private final PCollection<Row> table;
  private final @Nullable String key;
  private final @Nullable String tableKey;
  private final List<String> fields;
  private final Map<String, String> defaults;

  private Lookup(
      PCollection<Row> table,
      @Nullable String key,
      @Nullable String tableKey,
      List<String> fields,
      Map<String, String> defaults) {
    this.table = table;
    this.key = key;
    this.tableKey = tableKey;
    this.fields = List.copyOf(fields);
    this.defaults = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(defaults));
  }

  /** Looks rows up in {@code table}, a collection with a schema; set the key with {@link #by}. */
  public static Lookup from(PCollection<Row> table) {
    checkArgument(table != null, "Lookup.from: table must not be null");
    checkArgument(table.hasSchema(), "Lookup.from: the table %s has no schema", table);
    return new Lookup(table, null, null, List.of(), Map.of());
  }

  /** The key: field {@code field} of the input and of the table. Required. */
  public Lookup by(String field) {
    return by(field, field);
  }

  /** The key: field {@code field} of the input, {@code tableField} of the table. */
  public Lookup by(String field, String tableField) {
    checkArgument(field != null && !field.isEmpty(), "Lookup.by: field must not be empty");
    checkArgument(
        tableField != null && !tableField.isEmpty(), "Lookup.by: tableField must not be empty");
    return new Lookup(table, field, tableField, fields, defaults);
  }

  /** Adds the table's field {@code field} to each row, after the input's fields. */
  public Lookup withField(String field) {
    checkArgument(field != null && !field.isEmpty(), "Lookup.withField: field must not be empty");
    checkArgument(!fields.contains(field), "Lookup.withField: field '%s' is added twice", field);
    List<String> all = new ArrayList<>(fields);
    all.add(field);
    return new Lookup(table, key, tableKey, all, defaults);
  }

  /**
   * The value of added field {@code field} when no table row matches, written as text ({@code
   * unknown}, {@code 0}, {@code 0.00}, {@code false}) and parsed as the field's type.
   */
  public Lookup withDefault(String field, String value) {
    checkArgument(
        fields.contains(field),
        "Lookup.withDefault: '%s' is not an added field (withField)",
        field);
    checkArgument(value != null, "Lookup.withDefault: value must not be null");
    Map<String, String> all = new LinkedHashMap<>(defaults);
    all.put(field, value);
    return new Lookup(table, key, tableKey, fields, all);
  }

  /** The schema of the output for rows of {@code input}: its fields, then the added ones. */
  public Schema outputSchema(Schema input) {
    checkArgument(key != null, "Lookup: by() is required");
    checkArgument(!fields.isEmpty(), "Lookup: withField() is required");
    Schema t = table.getSchema();
    checkArgument(
        input.hasField(key),
        "Lookup.by: the input has no field '%s'; its fields are %s",
        key,
        input.getFieldNames());
    checkArgument(
        t.hasField(tableKey),
        "Lookup.by: the table has no field '%s'; its fields are %s",
        tableKey,
        t.getFieldNames());
    TypeName in = input.getField(key).getType().getTypeName();
    TypeName tk = t.getField(tableKey).getType().getTypeName();
    checkArgument(
        in == tk && KEY_TYPES.contains(in),
        "Lookup.by: the keys must be of one type among %s; the input's '%s' is %s, the table's"
            + " '%s' is %s",
        KEY_TYPES,
        key,
        in,
        tableKey,
        tk);
    Schema.Builder b = Schema.builder().addFields(input.getFields());
    for (String f : fields) {
      checkArgument(
          t.hasField(f),
          "Lookup.withField: the table has no field '%s'; its fields are %s",
          f,
          t.getFieldNames());
      checkArgument(
          !input.hasField(f),
          "Lookup.withField: the input already has a field '%s'; rename one of them first",
          f);
      FieldType type = t.getField(f).getType();
      String d = defaults.get(f);
      if (d == null) {
        type = type.withNullable(true);
      } else {
        parse(d, type, f);
      }
      b.addField(Field.of(f, type));
    }
    return b.build();
  }

  private static final Set<TypeName> KEY_TYPES =
      Set.of(TypeName.STRING, TypeName.INT32, TypeName.INT64, TypeName.BOOLEAN);

  @Override
  public PCollection<Row> expand(PCollection<Row> input) {
    Schema out = outputSchema(input.getSchema());
    Schema.Builder vb = Schema.builder();
    for (String f : fields) {
      vb.addField(Field.of(f, table.getSchema().getField(f).getType()));
    }
    Schema valueSchema = vb.build();
    String tk = tableKey;
    List<String> added = fields;
    PCollectionView<Map<String, Iterable<Row>>> view =
        table
            .apply("TableGlobalWindow", Window.<Row>into(new GlobalWindows()))
            .apply("KeyTable", ParDo.of(new KeyTableFn(tk, added, valueSchema)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), RowCoder.of(valueSchema)))
            .apply("TableView", View.asMultimap());
    List<Object> fallback = new ArrayList<>();
    for (String f : fields) {
      String d = defaults.get(f);
      fallback.add(d == null ? null : parse(d, out.getField(f).getType(), f));
    }
    return input
        .apply("Lookup", ParDo.of(new LookupFn(key, out, view, fallback)).withSideInputs(view))
        .setRowSchema(out);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .addIfNotNull(DisplayData.item("key", key).withLabel("Input key field"))
        .addIfNotNull(DisplayData.item("tableKey", tableKey).withLabel("Table key field"))
        .add(DisplayData.item("fields", String.join(",", fields)).withLabel("Added fields"))
        .add(DisplayData.item("defaults", defaults.toString()).withLabel("Defaults when no match"));
  }

  /** A default's text as a value of {@code type}. */
  static Object parse(String text, FieldType type, String field) {
    try {
      switch (type.getTypeName()) {
        case STRING:
          return text;
        case INT32:
          return Integer.parseInt(text);
        case INT64:
          return Long.parseLong(text);
        case DOUBLE:
          return Double.parseDouble(text);
        case BOOLEAN:
          checkArgument(text.equals("true") || text.equals("false"), "expected true or false");
          return Boolean.parseBoolean(text);
        case DECIMAL:
          return new BigDecimal(text);
        default:
          throw new IllegalArgumentException("defaults are for strings, numbers and booleans");
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Lookup.withDefault: '"
              + text
              + "' is no value of field '"
              + field
              + "' ("
              + type.getTypeName()
              + "): "
              + e.getMessage(),
          e);
    }
  }

  static final class KeyTableFn extends DoFn<Row, KV<String, Row>> {
    private final String key;
    private final List<String> fields;
    private final Schema values;

    KeyTableFn(String key, List<String> fields, Schema values) {
      this.key = key;
      this.fields = fields;
      this.values = values;
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<KV<String, Row>> out) {
      Object k = row.getValue(key);
      if (k == null) {
        return; // no input row has a null key that could match it
      }
      Row.Builder v = Row.withSchema(values);
      for (String f : fields) {
        v.addValue(row.getValue(f));
      }
      out.output(KV.of(String.valueOf(k), v.build()));
    }
  }

  static final class LookupFn extends DoFn<Row, Row> {
    private final String key;
    private final Schema out;
    private final PCollectionView<Map<String, Iterable<Row>>> table;
    private final List<Object> fallback;

    LookupFn(
        String key,
        Schema out,
        PCollectionView<Map<String, Iterable<Row>>> table,
        List<Object> fallback) {
      this.key = key;
      this.out = out;
      this.table = table;
      this.fallback = new ArrayList<>(fallback);
    }

    @ProcessElement
    public void process(@Element Row row, ProcessContext c) {
      Object k = row.getValue(key);
      Iterable<Row> matches = k == null ? null : c.sideInput(table).get(String.valueOf(k));
      Row.Builder b = Row.withSchema(out).addValues(row.getValues());
      Iterator<Row> it = matches == null ? null : matches.iterator();
      if (it == null || !it.hasNext()) {
        b.addValues(fallback);
      } else {
        Row match = it.next();
        if (it.hasNext()) {
          throw new IllegalStateException(
              "Lookup: the table has more than one row with key '"
                  + k
                  + "'; a lookup table needs one row per key");
        }
        b.addValues(match.getValues());
      }
      c.output(b.build());
    }
  }
}
