package io.tributary.transforms.json;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;

import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.limits.RecordLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.values.Row;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@link HardenedJson#flatRow}, the decoder's path without a tree, against the tree path ({@link
 * HardenedJson#parse} then {@link HardenedJson#toRow}) on the same text: whatever the flat path
 * decides, a row or a rejection, must be what the tree path decides, and what it declines (null)
 * the tree path decides alone.
 */
@RunWith(JUnit4.class)
public class FlatRowTest {
  /** HardenedJsonTest's schema (every scalar type, a nested row, an array of rows) and two more. */
  private static final Schema SCHEMA =
      Schema.builder()
          .addFields(HardenedJsonTest.SCHEMA.getFields())
          .addNullableField("ok", FieldType.BOOLEAN)
          .addNullableField("tags", FieldType.array(FieldType.STRING))
          .build();

  private static final String[] KEYS = {
    "id", "price", "ratio", "weight", "n64", "n32", "n16", "n8", "ok", "at", "item", "tags",
    "extra", "ID"
  };

  private static final String[] VALUES = {
    "\"a\"",
    "\"\"",
    "\"caf\\u00e9 \\\"q\\\"\"",
    "\"2026-11-01T10:15:30+01:00\"",
    "\"2026-11-01T10:15:30.123Z\"",
    "\"1969-12-31T23:59:59Z\"",
    "\"9999-12-31T23:59:59Z\"",
    "\"not a time\"",
    "0",
    "-0",
    "7",
    "127",
    "128",
    "-129",
    "32768",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "1.5",
    "5.00",
    "0e-999",
    "1e400",
    "-1e-400",
    "123456789012.345",
    "3.4e39",
    "1e9999999999",
    "true",
    "false",
    "null",
    "{}",
    "{\"sku\":\"x\"}",
    "[]",
    "[\"t\"]",
    "[{\"sku\":\"x\"}]",
  };

  private static final String[] JUNK = {"", " ", "}", ",", "x", "{", "]", "\"", ":", "1"};

  private static String line(Random random) {
    StringBuilder b = new StringBuilder("{");
    int fields = random.nextInt(6);
    boolean id = random.nextInt(10) > 0;
    if (id) {
      b.append("\"id\":").append(random.nextBoolean() ? "\"e1\"" : pick(random, VALUES));
    }
    for (int i = 0; i < fields; i++) {
      if (b.length() > 1) {
        b.append(',');
      }
      b.append('"').append(pick(random, KEYS)).append("\":").append(pick(random, VALUES));
    }
    b.append('}');
    String text = b.toString();
    switch (random.nextInt(8)) {
      case 0: // cut short
        return text.substring(0, random.nextInt(text.length() + 1));
      case 1: // junk inserted
        int at = random.nextInt(text.length() + 1);
        return text.substring(0, at) + pick(random, JUNK) + text.substring(at);
      case 2: // another root value
        return pick(random, VALUES);
      default:
        return text;
    }
  }

  private static String pick(Random random, String[] from) {
    return from[random.nextInt(from.length)];
  }

  /** The tree path's outcome: the row, or the rejection's reason and message. */
  private static Object tree(HardenedJson json, String text) {
    try {
      HardenedJson.Notes notes = json.newNotes();
      var node = json.parse(text, notes);
      if (!node.isObject()) {
        return "not an object";
      }
      Row row = json.toRow(SCHEMA, node, "", notes);
      return notes.reasons().isEmpty() ? row : "noted " + notes.reasons();
    } catch (RecordRejectedException e) {
      return e.description();
    }
  }

  private static void agreeOn(HardenedJson json, int lines, long seed, int[] taken) {
    Random random = new Random(seed);
    for (int i = 0; i < lines; i++) {
      String text = line(random);
      Object flat;
      try {
        flat = json.flatRow(SCHEMA, text);
      } catch (RecordRejectedException e) {
        flat = e.description();
      }
      if (flat == null) {
        continue;
      }
      taken[flat instanceof Row ? 0 : 1]++;
      assertEquals(text, tree(json, text), flat);
    }
  }

  @Test
  public void decidesEveryTextItTakesAsTheTreeDoes() {
    Map<String, DecimalBound> bounds = Map.of("price", DecimalBound.of(12, 2));
    List<HardenedJson> decoders = new ArrayList<>();
    for (RecordLimits.Rule rule : RecordLimits.Rule.values()) {
      RecordLimits limits = RecordLimits.defaults().withDuplicateKeys(rule).withUnknownFields(rule);
      decoders.add(HardenedJson.of(limits, "decode"));
      decoders.add(HardenedJson.of(limits, "decode").withDecimalBounds(bounds));
      decoders.add(HardenedJson.of(limits.withMaxNumberLength(8), "decode"));
    }
    int[] taken = new int[2];
    long seed = 1;
    for (HardenedJson json : decoders) {
      agreeOn(json, 4_000, seed++, taken);
    }
    // The flat path did take texts, both accepted ones and ones whose conversion rejects them.
    assertThat(taken[0], greaterThan(500));
    assertThat(taken[1], greaterThan(500));
  }

  @Test
  public void takesAFlatObjectAndDeclinesWhatOnlyTheTreeDecides() throws Exception {
    HardenedJson json = HardenedJson.of(RecordLimits.defaults(), "decode");
    Row row =
        json.flatRow(
            SCHEMA,
            "{\"id\":\"e1\",\"price\":5.00,\"n8\":-3,\"ok\":true,\"at\":\"2026-11-01T10:15:30Z\","
                + "\"tags\":null}");
    assertNotNull(row);
    assertEquals("e1", row.getString("id"));
    assertEquals(2, row.getDecimal("price").scale());
    assertEquals(Byte.valueOf((byte) -3), row.getByte("n8"));
    assertEquals(
        tree(
            json,
            "{\"id\":\"e1\",\"price\":5.00,\"n8\":-3,\"ok\":true,"
                + "\"at\":\"2026-11-01T10:15:30Z\",\"tags\":null}"),
        row);
    for (String declined :
        new String[] {
          "{\"id\":\"e1\",\"extra\":1}", // unknown key: rejected or noted by the tree path
          "{\"id\":\"e1\",\"id\":\"e2\"}", // repeated key
          "{\"id\":\"e1\",\"item\":{\"sku\":\"x\"}}", // a nested object
          "{\"id\":\"e1\",\"tags\":[\"t\"]}", // an array
          "{\"id\":\"e1\"} x", // trailing content
          "{\"id\":\"e1\"", // truncated
          "[{\"id\":\"e1\"}]", // another root
          "\"e1\"",
          "",
        }) {
      assertNull(declined, json.flatRow(SCHEMA, declined));
    }
    HardenedJson small = HardenedJson.of(RecordLimits.defaults().withMaxRecordBytes(16), "decode");
    assertNull(small.flatRow(SCHEMA, "{\"id\":\"0123456789abcdef\"}")); // over the size limit
  }
}
