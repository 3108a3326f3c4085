package io.tributary.transforms.values;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.logicaltypes.SqlTypes;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.Row;
import org.joda.time.DateTime;
import org.joda.time.DateTimeZone;
import org.joda.time.Instant;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@link Rows#build} against Beam's own builder: the same row, the same bytes, the same refusals.
 */
@RunWith(JUnit4.class)
public class RowsTest {
  private static final Schema ITEM =
      Schema.builder().addStringField("sku").addNullableField("at", FieldType.DATETIME).build();

  private static final Schema PLAIN =
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
          .addByteArrayField("raw")
          .addRowField("item", ITEM)
          .addArrayField("times", FieldType.DATETIME)
          .addNullableField("items", FieldType.array(FieldType.row(ITEM).withNullable(true)))
          .addIterableField("tags", FieldType.STRING)
          .addNullableField("note", FieldType.STRING)
          .build();

  private static List<Object> plainValues() {
    DateTime local = new DateTime(2026, 11, 1, 10, 15, 30, 250, DateTimeZone.forOffsetHours(1));
    Row item = Row.withSchema(ITEM).addValues("sku-1", new Instant(5L)).build();
    return new ArrayList<>(
        Arrays.asList(
            "e-1",
            (byte) 7,
            (short) -3,
            42,
            1L << 40,
            1.5f,
            -2.25d,
            new BigDecimal("19.990"),
            true,
            local, // a DateTime, which both builders turn into an Instant
            ByteBuffer.wrap("raw".getBytes(StandardCharsets.UTF_8)),
            item,
            Arrays.asList(local, new Instant(0L)),
            Arrays.asList(item, null),
            Arrays.asList("a", "b"),
            null));
  }

  @Test
  public void plainSchemaGivesBeamsRowAndBytes() throws Exception {
    Row beam = Row.withSchema(PLAIN).addValues(plainValues()).build();
    Row ours = Rows.build(PLAIN, plainValues());

    assertEquals(beam, ours);
    for (int i = 0; i < PLAIN.getFieldCount(); i++) {
      Object b = beam.getValue(i);
      Object o = ours.getValue(i);
      assertEquals(
          PLAIN.getField(i).getName(),
          b == null ? null : b.getClass(),
          o == null ? null : o.getClass());
    }
    assertEquals(Instant.class, ours.getValue("at").getClass());
    assertEquals(Instant.class, ((List<?>) ours.getValue("times")).get(0).getClass());
    assertArrayEquals("raw".getBytes(StandardCharsets.UTF_8), ours.getBytes("raw"));
    RowCoder coder = RowCoder.of(PLAIN);
    assertArrayEquals(
        CoderUtils.encodeToByteArray(coder, beam), CoderUtils.encodeToByteArray(coder, ours));
  }

  @Test
  public void mapsAndLogicalTypesAreBuiltByBeam() throws Exception {
    Schema schema =
        Schema.builder()
            .addStringField("id")
            .addMapField("attrs", FieldType.STRING, FieldType.INT32)
            .addLogicalTypeField("day", SqlTypes.DATE)
            .build();
    Map<String, Integer> attrs = new LinkedHashMap<>();
    for (int i = 0; i < 20; i++) {
      attrs.put("k" + (19 - i), i);
    }
    List<Object> values = Arrays.asList("e-1", attrs, java.time.LocalDate.of(2026, 12, 7));
    Row beam = Row.withSchema(schema).addValues(values).build();
    Row ours = Rows.build(schema, values);

    assertEquals(beam, ours);
    RowCoder coder = RowCoder.of(schema);
    assertArrayEquals(
        CoderUtils.encodeToByteArray(coder, beam), CoderUtils.encodeToByteArray(coder, ours));
  }

  @Test
  public void nullInARequiredFieldNamesIt() {
    List<Object> values = plainValues();
    values.set(0, null);
    assertThrows(
        IllegalArgumentException.class, () -> Row.withSchema(PLAIN).addValues(values).build());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Rows.build(PLAIN, values));
    assertThat(e.getMessage(), containsString("field 'id'"));
    assertThat(e.getMessage(), containsString("not nullable"));
  }

  @Test
  public void nullElementOfARequiredArrayNamesIt() {
    List<Object> values = plainValues();
    values.set(12, Collections.singletonList(null));
    assertThrows(
        IllegalArgumentException.class, () -> Row.withSchema(PLAIN).addValues(values).build());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Rows.build(PLAIN, values));
    assertThat(e.getMessage(), containsString("field 'times[]'"));
  }

  @Test
  public void valueOfTheWrongClassNamesFieldAndClasses() {
    List<Object> values = plainValues();
    values.set(3, 42L); // INT32 given a Long
    assertThrows(RuntimeException.class, () -> Row.withSchema(PLAIN).addValues(values).build());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Rows.build(PLAIN, values));
    assertThat(e.getMessage(), containsString("field 'i'"));
    assertThat(e.getMessage(), containsString("needs a Integer, got a Long"));
  }

  @Test
  public void arrayFieldNeedsACollection() {
    List<Object> values = plainValues();
    Iterable<Object> notACollection =
        () -> Collections.<Object>singletonList(new Instant(0)).iterator();
    values.set(12, notACollection);
    assertThrows(RuntimeException.class, () -> Row.withSchema(PLAIN).addValues(values).build());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Rows.build(PLAIN, values));
    assertThat(e.getMessage(), containsString("field 'times'"));
  }

  @Test
  public void wrongNumberOfValuesIsRefused() {
    List<Object> values = plainValues();
    values.remove(values.size() - 1);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Rows.build(PLAIN, values));
    assertThat(e.getMessage(), containsString("15 values for the 16 fields"));
  }
}
