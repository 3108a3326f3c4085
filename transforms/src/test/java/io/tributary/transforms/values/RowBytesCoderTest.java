package io.tributary.transforms.values;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.schemas.Factory;
import org.apache.beam.sdk.schemas.FieldValueGetter;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.logicaltypes.SqlTypes;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.util.SerializableUtils;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.RowWithGetters;
import org.joda.time.Instant;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@link RowBytesCoder} against Beam's {@link RowCoder}: the same bytes for every field type, null
 * and not, the same rows back, and a memo that never hands one row another row's bytes.
 */
@RunWith(JUnit4.class)
public class RowBytesCoderTest {
  private static final Schema ITEM =
      Schema.builder().addStringField("sku").addNullableField("price", FieldType.DECIMAL).build();

  private static final Schema ALL =
      Schema.builder()
          .addStringField("id")
          .addByteField("b")
          .addInt16Field("s")
          .addInt32Field("i")
          .addInt64Field("l")
          .addFloatField("f")
          .addDoubleField("d")
          .addDecimalField("price")
          .addNullableField("discount", FieldType.DECIMAL)
          .addBooleanField("flag")
          .addDateTimeField("at")
          .addByteArrayField("raw")
          .addRowField("item", ITEM)
          .addArrayField("prices", FieldType.DECIMAL)
          .addNullableField("items", FieldType.array(FieldType.row(ITEM).withNullable(true)))
          .addIterableField("tags", FieldType.STRING)
          .addMapField("attrs", FieldType.STRING, FieldType.DECIMAL)
          .addLogicalTypeField("day", SqlTypes.DATE)
          .addNullableField("note", FieldType.STRING)
          .build();

  /** Only values that cannot change once the row is built: the coder remembers its last row. */
  private static final Schema FIXED =
      Schema.builder()
          .addStringField("id")
          .addDecimalField("price")
          .addNullableField("email", FieldType.STRING)
          .addDateTimeField("at")
          .addInt64Field("n")
          .build();

  private static Row fixed(Random r) {
    return Row.withSchema(FIXED)
        .addValues(
            "id-" + r.nextInt(1000),
            decimal(r),
            r.nextBoolean() ? null : "e" + r.nextInt(99),
            new Instant(r.nextLong() / 4096),
            r.nextLong())
        .build();
  }

  private static Row random(Random r) {
    List<Object> values = new ArrayList<>();
    values.add("id-" + r.nextInt(1000));
    values.add((byte) r.nextInt());
    values.add((short) r.nextInt());
    values.add(r.nextInt());
    values.add(r.nextLong());
    values.add(r.nextFloat());
    values.add(r.nextDouble());
    values.add(decimal(r));
    values.add(r.nextBoolean() ? null : decimal(r));
    values.add(r.nextBoolean());
    values.add(new Instant(r.nextLong() / 4096));
    byte[] raw = new byte[r.nextInt(40)];
    r.nextBytes(raw);
    values.add(raw);
    values.add(item(r));
    values.add(Arrays.asList(decimal(r), decimal(r)));
    values.add(r.nextBoolean() ? null : Arrays.asList(item(r), null, item(r)));
    values.add(Arrays.asList("a", "b" + r.nextInt(9)));
    Map<String, BigDecimal> attrs = new LinkedHashMap<>();
    attrs.put("x", decimal(r));
    values.add(attrs);
    values.add(java.time.LocalDate.ofEpochDay(r.nextInt(40000)));
    values.add(r.nextBoolean() ? null : "note");
    return Row.withSchema(ALL).addValues(values).build();
  }

  private static Row item(Random r) {
    return Row.withSchema(ITEM).addValues("sku" + r.nextInt(50), decimal(r)).build();
  }

  /** Decimals of every sign, scale (negative too) and size, zero and one-byte values included. */
  private static BigDecimal decimal(Random r) {
    switch (r.nextInt(5)) {
      case 0:
        return BigDecimal.ZERO;
      case 1:
        return new BigDecimal(BigInteger.valueOf(r.nextInt(256) - 128), r.nextInt(4));
      case 2:
        return new BigDecimal(new BigInteger(200, r).negate(), r.nextInt(40) - 20);
      default:
        return new BigDecimal(BigInteger.valueOf(r.nextLong()), r.nextInt(12) - 2);
    }
  }

  @Test
  public void writesRowCodersBytesForEveryFieldTypeAndReadsTheRowBack() throws Exception {
    RowCoder beam = RowCoder.of(ALL);
    RowBytesCoder ours = RowBytesCoder.of(ALL);
    Random r = new Random(19);
    for (int n = 0; n < 5_000; n++) {
      Row row = random(r);
      byte[] expected = CoderUtils.encodeToByteArray(beam, row);
      assertArrayEquals(row.toString(), expected, CoderUtils.encodeToByteArray(ours, row));
      // The same object again: the remembered bytes.
      assertArrayEquals(row.toString(), expected, CoderUtils.encodeToByteArray(ours, row));
      assertEquals(row, CoderUtils.decodeFromByteArray(ours, expected));
    }
  }

  /** Every field type a row can be read lazily with, nullable and not. */
  private static final Schema FLAT =
      Schema.builder()
          .addStringField("id")
          .addByteField("b")
          .addInt16Field("s")
          .addInt32Field("i")
          .addInt64Field("l")
          .addFloatField("f")
          .addDoubleField("d")
          .addDecimalField("price")
          .addBooleanField("flag")
          .addDateTimeField("at")
          .addNullableField("note", FieldType.STRING)
          .addNullableField("discount", FieldType.DECIMAL)
          .addNullableField("count", FieldType.INT32)
          .addNullableField("seen", FieldType.DATETIME)
          .build();

  private static Row flat(Random r) {
    String[] texts = {"", "a", "é–漢字", "\uD83D\uDE00 smile", "x".repeat(300)};
    return Row.withSchema(FLAT)
        .addValues(
            texts[r.nextInt(texts.length)] + r.nextInt(1000),
            (byte) r.nextInt(),
            (short) r.nextInt(),
            r.nextInt(),
            r.nextLong(),
            r.nextFloat() - 0.5f,
            r.nextBoolean() ? Double.NaN : r.nextGaussian() * 1e300,
            decimal(r),
            r.nextBoolean(),
            new Instant(r.nextLong() / 4096),
            r.nextBoolean() ? null : texts[r.nextInt(texts.length)],
            r.nextBoolean() ? null : decimal(r),
            r.nextBoolean() ? null : r.nextInt(),
            r.nextBoolean() ? null : new Instant(r.nextLong() / 4096))
        .build();
  }

  @Test
  public void readsAFlatRowLazilyWithRowCodersValuesEqualityAndHash() throws Exception {
    RowCoder beam = RowCoder.of(FLAT);
    RowBytesCoder ours = RowBytesCoder.of(FLAT);
    Random r = new Random(23);
    for (int n = 0; n < 5_000; n++) {
      Row stored = flat(r);
      byte[] bytes = CoderUtils.encodeToByteArray(beam, stored);
      Row read = CoderUtils.decodeFromByteArray(ours, bytes);
      assertTrue(read instanceof RowWithGetters); // read lazily, not decoded
      // Written again: its bytes, whichever coder writes it.
      assertArrayEquals(bytes, CoderUtils.encodeToByteArray(ours, read));
      assertArrayEquals(bytes, CoderUtils.encodeToByteArray(beam, read));
      for (int i = 0; i < FLAT.getFieldCount(); i++) {
        assertEquals(FLAT.getField(i).getName(), (Object) stored.getValue(i), read.getValue(i));
      }
      assertEquals(stored, read);
      assertEquals(read, stored);
      assertEquals(stored.hashCode(), read.hashCode());
      assertEquals(read, CoderUtils.decodeFromByteArray(ours, bytes));
      assertEquals(stored.toString(), read.toString());
    }
    Row a = CoderUtils.decodeFromByteArray(ours, CoderUtils.encodeToByteArray(beam, flat(r)));
    Row b = CoderUtils.decodeFromByteArray(ours, CoderUtils.encodeToByteArray(beam, flat(r)));
    assertNotEquals(a, b);
    assertEquals(1, new java.util.HashSet<>(Arrays.asList(a, Row.fromRow(a).build())).size());
  }

  @Test
  public void readsEachRowOfAStreamToItsLastByteAndNoFurther() throws Exception {
    RowCoder beam = RowCoder.of(FLAT);
    RowBytesCoder ours = RowBytesCoder.of(FLAT);
    Random r = new Random(5);
    List<Row> rows = new ArrayList<>();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int n = 0; n < 500; n++) {
      Row row = flat(r);
      rows.add(row);
      beam.encode(row, out);
      VarIntCoder.of().encode(n, out); // what a stream holds after a row: the next value
    }
    java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream(out.toByteArray());
    for (int n = 0; n < 500; n++) {
      assertEquals(rows.get(n), ours.decode(in));
      assertEquals(n, (int) VarIntCoder.of().decode(in));
    }
    assertEquals(0, in.available());
  }

  /** Two fields and a nullable third: the schema of the evolution and renaming tests. */
  private static final Schema ID_N_NOTE =
      Schema.builder()
          .addStringField("id")
          .addInt64Field("n")
          .addNullableField("note", FieldType.STRING)
          .build();

  @Test
  public void aRowWrittenWithAnotherFieldCountIsReadAsRowCoderReadsIt() throws Exception {
    Schema before = Schema.builder().addStringField("id").addInt64Field("n").build();
    byte[] old =
        CoderUtils.encodeToByteArray(
            RowCoder.of(before), Row.withSchema(before).addValues("a", 7L).build());
    assertEquals(
        CoderUtils.decodeFromByteArray(RowCoder.of(ID_N_NOTE), old),
        CoderUtils.decodeFromByteArray(RowBytesCoder.of(ID_N_NOTE), old));
  }

  @Test
  public void aRowReadWithOneSchemaIsWrittenRightByACoderOfAnother() throws Exception {
    // Same field types, other names: not the same schema, so not the same row; the bytes agree
    // only because RowCoder's layout does not carry names.
    Schema renamed =
        Schema.builder()
            .addStringField("key")
            .addInt64Field("count")
            .addNullableField("text", FieldType.STRING)
            .build();
    Schema original = ID_N_NOTE;
    RowBytesCoder reader = RowBytesCoder.of(original);
    RowBytesCoder writer = RowBytesCoder.of(renamed);
    for (int k = 0; k < 3; k++) { // the second and third time: the remembered verdict
      Row stored =
          Row.withSchema(original).addValues("a" + k, (long) k, k == 1 ? null : "t").build();
      byte[] bytes = CoderUtils.encodeToByteArray(RowCoder.of(original), stored);
      Row read = CoderUtils.decodeFromByteArray(reader, bytes);
      assertArrayEquals(bytes, CoderUtils.encodeToByteArray(writer, read));
      assertArrayEquals(bytes, CoderUtils.encodeToByteArray(SerializableUtils.clone(reader), read));
    }
  }

  @Test
  public void aTruncatedRowFailsAsAnIoError() throws Exception {
    byte[] bytes = CoderUtils.encodeToByteArray(RowCoder.of(FLAT), flat(new Random(1)));
    for (int cut = 0; cut < bytes.length; cut++) {
      byte[] part = Arrays.copyOf(bytes, cut);
      assertThrows(
          java.io.IOException.class,
          () -> RowBytesCoder.of(FLAT).decode(new java.io.ByteArrayInputStream(part)));
    }
  }

  @Test
  public void aLazyRowSurvivesJavaSerializationAndThreadsReadingItAtOnce() throws Exception {
    RowBytesCoder ours = RowBytesCoder.of(FLAT);
    RowBytesCoder copy = SerializableUtils.clone(ours);
    Random r = new Random(11);
    List<Row> stored = new ArrayList<>();
    List<Row> read = new ArrayList<>();
    for (int n = 0; n < 1_000; n++) {
      Row row = flat(r);
      stored.add(row);
      read.add(
          CoderUtils.decodeFromByteArray(
              ours, CoderUtils.encodeToByteArray(RowCoder.of(FLAT), row)));
    }
    Row one = read.get(0);
    assertEquals(stored.get(0), SerializableUtils.clone(one));
    // Another copy of the coder (another task's) writes the bytes of a row this one read.
    assertArrayEquals(
        CoderUtils.encodeToByteArray(RowCoder.of(FLAT), stored.get(1)),
        CoderUtils.encodeToByteArray(copy, read.get(1)));
    List<Integer> done =
        onFourThreads(
            offset -> {
              for (int n = 0; n < read.size(); n++) {
                int k = (n * 7 + offset * 131) % read.size();
                for (int i = FLAT.getFieldCount() - 1; i >= 0; i--) {
                  assertEquals((Object) stored.get(k).getValue(i), read.get(k).getValue(i));
                }
              }
              return read.size();
            });
    assertEquals(List.of(1_000, 1_000, 1_000, 1_000), done);
  }

  /** What one of {@link #onFourThreads}'s threads does, given its number (0-3). */
  private interface ThreadWork {
    int run(int thread) throws Exception;
  }

  /** Runs {@code work} on four threads at once; their results, or the first failure of one. */
  private static List<Integer> onFourThreads(ThreadWork work) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> running = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        running.add(pool.submit(() -> work.run(thread)));
      }
      List<Integer> results = new ArrayList<>();
      for (Future<Integer> f : running) {
        results.add(f.get());
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  public void remembersTheLastRowOfAnImmutableSchema() throws Exception {
    RowBytesCoder ours = RowBytesCoder.of(FIXED);
    Random r = new Random(7);
    for (int n = 0; n < 2_000; n++) {
      Row row = fixed(r);
      byte[] expected = CoderUtils.encodeToByteArray(RowCoder.of(FIXED), row);
      assertArrayEquals(expected, CoderUtils.encodeToByteArray(ours, row));
      assertArrayEquals(expected, CoderUtils.encodeToByteArray(ours, row));
      assertEquals(row, CoderUtils.decodeFromByteArray(ours, expected));
    }
  }

  @Test
  public void aMutatedByteArrayIsEncodedAgainNotRemembered() throws Exception {
    // A row holds the caller's array: Beam's Direct runner finds such a mutation by encoding the
    // output again, which a remembered encoding would hide.
    Schema schema = Schema.builder().addStringField("id").addByteArrayField("raw").build();
    byte[] raw = {1, 2, 3};
    Row row = Row.withSchema(schema).attachValues("a", raw);
    RowBytesCoder coder = RowBytesCoder.of(schema);
    byte[] before = CoderUtils.encodeToByteArray(coder, row);
    raw[0] = 9;
    byte[] after = CoderUtils.encodeToByteArray(coder, row);
    assertNotEquals(Arrays.toString(before), Arrays.toString(after));
    assertArrayEquals(CoderUtils.encodeToByteArray(RowCoder.of(schema), row), after);
  }

  @Test
  public void aRowReadThroughGettersIsEncodedAgainNotRemembered() throws Exception {
    // A POJO seen as a row: the row shows the object's current values.
    Schema schema = Schema.builder().addStringField("id").addInt64Field("n").build();
    long[] counter = {1};
    Factory<List<FieldValueGetter<long[], Object>>> getters =
        (type, s) -> Arrays.asList(getter("id", target -> "c"), getter("n", target -> target[0]));
    Row row = Row.withSchema(schema).withFieldValueGetters(getters, counter);
    RowBytesCoder coder = RowBytesCoder.of(schema);
    byte[] before = CoderUtils.encodeToByteArray(coder, row);
    counter[0] = 1_000_000;
    byte[] after = CoderUtils.encodeToByteArray(coder, row);
    assertNotEquals(Arrays.toString(before), Arrays.toString(after));
    assertArrayEquals(CoderUtils.encodeToByteArray(RowCoder.of(schema), row), after);
  }

  private interface Read extends java.io.Serializable {
    Object read(long[] target);
  }

  private static FieldValueGetter<long[], Object> getter(String name, Read read) {
    return new FieldValueGetter<long[], Object>() {
      @Override
      public Object get(long[] target) {
        return read.read(target);
      }

      @Override
      public String name() {
        return name;
      }
    };
  }

  @Test
  public void anEqualRowThatIsAnotherObjectIsEncodedAfresh() throws Exception {
    Schema schema = Schema.builder().addStringField("id").addDecimalField("price").build();
    RowBytesCoder coder = RowBytesCoder.of(schema);
    Row first = Row.withSchema(schema).addValues("a", new BigDecimal("1.50")).build();
    Row second = Row.withSchema(schema).addValues("b", new BigDecimal("-7")).build();
    byte[] a = CoderUtils.encodeToByteArray(coder, first);
    byte[] b = CoderUtils.encodeToByteArray(coder, second);
    assertNotEquals(Arrays.toString(a), Arrays.toString(b));
    assertArrayEquals(CoderUtils.encodeToByteArray(RowCoder.of(schema), second), b);
    assertArrayEquals(CoderUtils.encodeToByteArray(RowCoder.of(schema), first), a);
  }

  @Test
  public void threadsSharingOneCoderEachGetTheirOwnRowsBytes() throws Exception {
    RowBytesCoder shared = RowBytesCoder.of(FIXED);
    RowCoder beam = RowCoder.of(FIXED);
    List<Integer> done =
        onFourThreads(
            seed -> {
              Random r = new Random(seed);
              for (int n = 0; n < 2_000; n++) {
                Row row = fixed(r);
                byte[] expected = CoderUtils.encodeToByteArray(beam, row);
                for (int twice = 0; twice < 2; twice++) {
                  assertArrayEquals(expected, CoderUtils.encodeToByteArray(shared, row));
                }
              }
              return 2_000;
            });
    assertEquals(List.of(2_000, 2_000, 2_000, 2_000), done);
  }

  @Test
  public void aSchemaWithEncodingPositionsIsEncodedByRowCoder() throws Exception {
    Schema schema =
        Schema.builder().addStringField("a").addDecimalField("b").addInt32Field("c").build();
    schema.setUUID(UUID.randomUUID());
    Map<String, Integer> positions = new LinkedHashMap<>();
    positions.put("a", 2);
    positions.put("b", 0);
    positions.put("c", 1);
    schema.setEncodingPositions(positions);
    Row row = Row.withSchema(schema).addValues("x", new BigDecimal("3.25"), 7).build();
    byte[] expected = CoderUtils.encodeToByteArray(RowCoder.of(schema), row);
    assertArrayEquals(expected, CoderUtils.encodeToByteArray(RowBytesCoder.of(schema), row));
    assertEquals(row, CoderUtils.decodeFromByteArray(RowBytesCoder.of(schema), expected));
  }

  @Test
  public void isASchemaCoderThatSurvivesJavaSerialization() throws Exception {
    RowBytesCoder coder = RowBytesCoder.of(ALL);
    assertEquals(ALL, coder.getSchema());
    RowBytesCoder copy = SerializableUtils.clone(coder);
    assertEquals(coder, copy);
    assertEquals(coder.hashCode(), copy.hashCode());
    Row row = random(new Random(3));
    assertArrayEquals(
        CoderUtils.encodeToByteArray(RowCoder.of(ALL), row),
        CoderUtils.encodeToByteArray(copy, row));
    CoderProperties.coderDecodeEncodeEqual(coder, row);
    CoderProperties.coderSerializable(coder);
    assertTrue(coder.consistentWithEquals() == RowCoder.of(ALL).consistentWithEquals());
  }

  @Test
  public void refusesNullAndARowOfAnotherShape() {
    RowBytesCoder coder = RowBytesCoder.of(ITEM);
    CoderException isNull =
        assertThrows(CoderException.class, () -> CoderUtils.encodeToByteArray(coder, null));
    assertThat(isNull.getMessage(), containsString("null"));
    Row other =
        Row.withSchema(Schema.builder().addStringField("only").build()).addValue("x").build();
    CoderException shape =
        assertThrows(CoderException.class, () -> CoderUtils.encodeToByteArray(coder, other));
    assertThat(shape.getMessage(), containsString("1 fields"));
  }
}
