package io.tributary.transforms.json;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.limits.RecordLimits;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.values.Row;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** The hardened decoder as a plain function: one test per reason code of hostile input. */
@RunWith(JUnit4.class)
public class HardenedJsonTest {
  private static final Schema ITEM = Schema.builder().addStringField("sku").build();

  static final Schema SCHEMA =
      Schema.builder()
          .addStringField("id")
          .addNullableField("price", FieldType.DECIMAL)
          .addNullableField("ratio", FieldType.DOUBLE)
          .addNullableField("weight", FieldType.FLOAT)
          .addNullableField("n64", FieldType.INT64)
          .addNullableField("n32", FieldType.INT32)
          .addNullableField("n16", FieldType.INT16)
          .addNullableField("n8", FieldType.BYTE)
          .addNullableField("at", FieldType.DATETIME)
          .addNullableField("item", FieldType.row(ITEM))
          .addNullableField("items", FieldType.array(FieldType.row(ITEM)))
          .build();

  private static final Map<String, DecimalBound> PRICE_12_2 =
      Map.of("price", DecimalBound.of(12, 2));

  private static JsonRowDecoder decoder() {
    return JsonRowDecoder.of(SCHEMA, "decode").withDecimalBounds(PRICE_12_2);
  }

  private static RecordRejectedException rejected(JsonRowDecoder decoder, String line) {
    return assertThrows(RecordRejectedException.class, () -> decoder.decode(line));
  }

  private static void assertRejected(String line, String reason, String messagePart) {
    assertRejected(decoder(), line, reason, messagePart);
  }

  private static void assertRejected(
      JsonRowDecoder decoder, String line, String reason, String messagePart) {
    RecordRejectedException e = rejected(decoder, line);
    assertEquals(e.description(), reason, e.reason());
    assertThat(e.getMessage(), containsString(messagePart));
  }

  private static String obj(String fields) {
    return "{\"id\":\"a\"" + (fields.isEmpty() ? "" : "," + fields) + "}";
  }

  @Test
  public void nestingOf1001LevelsIsTooDeepNotANullPointer() {
    // Jackson's constraint failure carries no location; the old code dereferenced it (NPE).
    assertRejected("[".repeat(1001) + "]".repeat(1001), "too_deep", "maxNestingDepth 64");
    assertRejected(
        obj("\"item\":" + "{\"x\":".repeat(1001) + "1" + "}".repeat(1001)),
        "too_deep",
        "maxNestingDepth");
    JsonRowDecoder shallow = decoder().withLimits(RecordLimits.defaults().withMaxNestingDepth(2));
    assertRejected(shallow, obj("\"item\":{\"sku\":[[1]]}"), "too_deep", "maxNestingDepth 2");
  }

  @Test
  public void longNumberIsNumberTooLong() {
    assertRejected(obj("\"n64\":1" + "0".repeat(100)), "number_too_long", "'n64'");
    assertRejected(obj("\"price\":0." + "1".repeat(120)), "number_too_long", "maxNumberLength 100");
  }

  @Test
  public void duplicateKeyIsRejectedWithItsPath() {
    assertRejected(
        obj("\"price\":1,\"price\":2"), "duplicate_key", "key 'price' appears twice in the object");
    assertRejected(
        obj("\"items\":[{\"sku\":\"x\"},{\"sku\":\"y\",\"sku\":\"z\"}]"),
        "duplicate_key",
        "key 'items[1].sku' appears twice in the object");
  }

  @Test
  public void duplicateKeyUnderCountKeepsTheLastValueAndIsNotedOnce() throws Exception {
    HardenedJson json =
        HardenedJson.of(
            RecordLimits.defaults().withDuplicateKeys(RecordLimits.Rule.COUNT), "decode");
    HardenedJson.Notes notes = json.newNotes();
    Row row =
        json.toRow(
            SCHEMA,
            json.parse(
                obj("\"price\":1,\"price\":2,\"item\":{\"sku\":\"p\",\"sku\":\"q\"}"), notes),
            "",
            notes);
    assertEquals(new BigDecimal("2"), row.getDecimal("price"));
    assertEquals("q", row.getRow("item").getString("sku"));
    assertEquals(List.of("duplicate_key"), notes.reasons());
  }

  @Test
  public void unknownFieldIsRejectedAtAnyLevelWhenTheRuleSaysSo() {
    JsonRowDecoder strict =
        decoder().withLimits(RecordLimits.defaults().withUnknownFields(RecordLimits.Rule.REJECT));
    assertRejected(strict, obj("\"extra\":1"), "unknown_field", "field 'extra' is not in");
    assertRejected(
        strict,
        obj("\"item\":{\"sku\":\"x\",\"color\":\"red\"}"),
        "unknown_field",
        "field 'item.color' is not in the contract schema");
    assertRejected(
        strict,
        obj("\"items\":[{\"sku\":\"x\"},{\"sku\":\"y\",\"size\":3}]"),
        "unknown_field",
        "field 'items[1].size'");
  }

  @Test
  public void unknownFieldUnderCountIsAcceptedAndNoted() throws Exception {
    HardenedJson json = HardenedJson.of(RecordLimits.defaults(), "decode");
    HardenedJson.Notes notes = json.newNotes();
    json.toRow(
        SCHEMA, json.parse(obj("\"extra\":1,\"item\":{\"sku\":\"x\",\"c\":1}"), notes), "", notes);
    assertEquals(List.of("unknown_field"), notes.reasons());
  }

  @Test
  public void truncatedAndNotJsonKeepTheirReasonsAndNeverNeedALocation() {
    assertRejected(obj("").substring(0, 6), "truncated_json", "JSON ends before");
    assertRejected("{\"id\":\"a\",\"item\":{\"sku\":\"x\"", "truncated_json", "JSON ends");
    assertRejected("<html>", "not_json", "line is not valid JSON at column 2");
    assertRejected(obj("") + " trailing", "not_json", "line is not valid JSON");
    assertRejected(obj("") + " {}", "not_json", "unexpected content after the JSON value");
    assertRejected("[1,2]", "not_json", "not an object");
  }

  @Test
  public void price1e400IsOutOfRangeForABoundedDecimalAndForADouble() {
    // Before: Jackson's tree made 1e400 a DoubleNode(Infinity); decimalValue() then threw
    // NumberFormatException and failed the run, and a DOUBLE field silently became Infinity.
    assertRejected(obj("\"price\":1e400"), "out_of_range", "field 'price' must be a DECIMAL(12,2)");
    assertRejected(obj("\"ratio\":1e400"), "out_of_range", "field 'ratio' must be a DOUBLE");
    assertRejected(obj("\"ratio\":-1e400"), "out_of_range", "field 'ratio' must be a DOUBLE");
    assertRejected(obj("\"weight\":1e39"), "out_of_range", "field 'weight' must be a FLOAT");
    // Without a bound a decimal may not expand beyond maxNumberLength digits either.
    JsonRowDecoder unbounded = JsonRowDecoder.of(SCHEMA, "decode");
    assertRejected(unbounded, obj("\"price\":1e400"), "out_of_range", "maxNumberLength");
    assertRejected(unbounded, obj("\"price\":1e9999999999"), "out_of_range", "'price'");
  }

  @Test
  public void integersThatOverflowTheirFieldAreOutOfRange() throws Exception {
    assertRejected(
        obj("\"n64\":92233720368547758070"),
        "out_of_range",
        "field 'n64' must be an INT64 in [-9223372036854775808, 9223372036854775807]");
    assertRejected(obj("\"n64\":-9223372036854775809"), "out_of_range", "INT64");
    assertRejected(obj("\"n32\":2147483648"), "out_of_range", "INT32 in [");
    assertRejected(obj("\"n16\":32768"), "out_of_range", "INT16 in [-32768, 32767]");
    assertRejected(obj("\"n8\":-129"), "out_of_range", "BYTE in [-128, 127]");
    Row row =
        decoder()
            .decode(
                obj("\"n64\":9223372036854775807,\"n32\":-2147483648,\"n16\":32767,\"n8\":-128"));
    assertEquals(Long.MAX_VALUE, (long) row.getInt64("n64"));
    assertEquals(Integer.MIN_VALUE, (int) row.getInt32("n32"));
    assertEquals(Short.MAX_VALUE, (short) row.getInt16("n16"));
    assertEquals(Byte.MIN_VALUE, (byte) row.getByte("n8"));
  }

  @Test
  public void decimalsOutsideTheirBoundAreOutOfRangeNeverRounded() throws Exception {
    assertRejected(
        obj("\"price\":19.999"),
        "out_of_range",
        "field 'price' must be a DECIMAL(12,2) with at most 2 decimal places");
    assertRejected(
        obj("\"price\":1234567890123"),
        "out_of_range",
        "field 'price' must be a DECIMAL(12,2) with at most 10 digits before the decimal point");
    assertEquals(
        new BigDecimal("19.9"), decoder().decode(obj("\"price\":19.9")).getDecimal("price"));
    assertEquals(
        new BigDecimal("19.99"), decoder().decode(obj("\"price\":19.990")).getDecimal("price"));
    assertEquals(
        new BigDecimal("1234567890.12"),
        decoder().decode(obj("\"price\":1234567890.12")).getDecimal("price"));
    assertEquals(
        new BigDecimal("5.00"), decoder().decode(obj("\"price\":5.00")).getDecimal("price"));
    assertEquals(
        new BigDecimal("0.00"),
        decoder().decode(obj("\"price\":0e-999999999")).getDecimal("price"));
    assertEquals(
        BigDecimal.ZERO,
        JsonRowDecoder.of(SCHEMA, "d").decode(obj("\"price\":0e999999999")).getDecimal("price"));
  }

  @Test
  public void decimalBoundsReachNestedAndPrefixedPaths() throws Exception {
    Schema line = Schema.builder().addDecimalField("price").build();
    Schema order = Schema.builder().addArrayField("lines", FieldType.row(line)).build();
    JsonRowDecoder decoder =
        JsonRowDecoder.of(order, "decode")
            .withDecimalBounds(Map.of("lines[].price", DecimalBound.of(4, 2)));
    assertRejected(
        decoder,
        "{\"lines\":[{\"price\":1.5},{\"price\":100.5}]}",
        "out_of_range",
        "field 'lines[1].price' must be a DECIMAL(4,2)");
    // The static path with a prefix, as Cdc uses it for an "after" image.
    RecordRejectedException e =
        assertThrows(
            RecordRejectedException.class,
            () ->
                DecodeJson.toRow(
                    line,
                    new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"price\":1.234}"),
                    "cdc",
                    "after.",
                    RecordLimits.defaults(),
                    Map.of("after.price", DecimalBound.of(12, 2))));
    assertEquals("out_of_range", e.reason());
    assertThat(e.getMessage(), containsString("field 'after.price'"));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            JsonRowDecoder.of(order, "d").withDecimalBounds(Map.of("nope", DecimalBound.of(4, 2))));
  }

  @Test
  public void timestampsOutsideTheEventTimeRangeAreOutOfRange() throws Exception {
    // Year +292278994 used to be accepted here and fail the run later in outputWithTimestamp;
    // year -0001 was accepted; year +999999999 threw ArithmeticException from toEpochMilli.
    for (String year :
        List.of("+292278994", "-0001", "+999999999", "-999999999", "+10000", "0000")) {
      assertRejected(
          obj("\"at\":\"" + year + "-01-01T00:00:00Z\""),
          "out_of_range",
          "field 'at' must be a time in [0001-01-01T00:00:00.000Z, 10000-01-01T00:00:00.000Z)");
    }
    assertEquals(
        RecordLimits.DEFAULT_MIN_EVENT_TIME,
        decoder().decode(obj("\"at\":\"0001-01-01T00:00:00Z\"")).getDateTime("at"));
    assertRejected(obj("\"at\":\"+1000000000-01-01T00:00:00Z\""), "bad_timestamp", "'at'");
  }

  @Test
  public void oversizedLineIsTooLargeAndKeepsABoundedPrefix() {
    RecordLimits limits = RecordLimits.defaults().withMaxRecordBytes(64).withKeptPayloadBytes(10);
    JsonRowDecoder small = decoder().withLimits(limits);
    String line = obj("\"note\":\"" + "é".repeat(40) + "\""); // 2 bytes per é
    RecordRejectedException e = rejected(small, line);
    assertEquals("too_large", e.reason());
    assertThat(
        e.getMessage(),
        containsString("record is " + (line.length() + 40) + " bytes of UTF-8, more than"));
    assertThat(e.getMessage(), containsString("sha-256 of the full record: "));
    assertEquals(line.substring(0, 10), small.keptPayload(line));
    assertEquals("ab", HardenedJson.of(limits.withKeptPayloadBytes(3), "d").keptPayload("abé"));
    assertEquals(line.length() + 40, HardenedJson.utf8Length(line));
    assertEquals(4, HardenedJson.utf8Length("\uD83D\uDE00")); // one emoji, a surrogate pair
  }

  @Test
  public void twoMegabytesOfDigitsOrBracketsFinishAndAreRejected() {
    String digits = "1".repeat(2 << 20);
    String brackets = "[".repeat(2 << 20);
    assertRejected(digits, "too_large", "maxRecordBytes 1048576");
    assertRejected(brackets, "too_large", "maxRecordBytes 1048576");
    // With room for them, the parser's own bounds reject them after linear work.
    JsonRowDecoder roomy =
        decoder().withLimits(RecordLimits.defaults().withMaxRecordBytes(8L << 20));
    assertRejected(roomy, digits, "number_too_long", "maxNumberLength 100");
    assertRejected(roomy, brackets, "too_deep", "maxNestingDepth 64");
    assertRejected(roomy, obj("\"n64\":" + digits), "number_too_long", "'n64'");
  }

  @Test
  public void messagesNeverCarryTheValue() {
    for (String line :
        List.of(
            obj("\"n64\":123456789012345678901234567"),
            obj("\"price\":987654321987.654"),
            obj("\"at\":\"+292278994-01-01T00:00:00Z\""),
            obj("\"ratio\":7e400"))) {
      RecordRejectedException e = rejected(decoder(), line);
      assertThat(e.getMessage(), not(containsString("123456789012345678901234567")));
      assertThat(e.getMessage(), not(containsString("987654321987")));
      assertThat(e.getMessage(), not(containsString("292278994")));
      assertThat(e.getMessage(), not(containsString("7e400")));
    }
  }

  @Test
  public void decimalBoundChecksItsArguments() {
    assertEquals("DECIMAL(12,2)", DecimalBound.of(12, 2).toString());
    assertEquals(10, DecimalBound.of(12, 2).integerDigits());
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> DecimalBound.of(0, 0)).getMessage(),
        containsString("DecimalBound.of: precision must be > 0"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> DecimalBound.of(2, 3)).getMessage(),
        containsString("DecimalBound.of: scale must be in [0, precision=2]"));
  }

  @Test
  public void jsonRowDecoderWithLimitsReturnsACopy() {
    JsonRowDecoder base = JsonRowDecoder.of(SCHEMA, "decode");
    JsonRowDecoder strict =
        base.withLimits(RecordLimits.defaults().withUnknownFields(RecordLimits.Rule.REJECT));
    assertEquals(RecordLimits.defaults(), base.limits());
    assertEquals(RecordLimits.Rule.REJECT, strict.limits().unknownFields());
    assertThrows(IllegalArgumentException.class, () -> base.withLimits(null));
  }
}
