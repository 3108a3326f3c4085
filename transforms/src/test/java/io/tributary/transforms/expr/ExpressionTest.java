package io.tributary.transforms.expr;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.Assert.assertThrows;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.util.SerializableUtils;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class ExpressionTest {
  static final Schema USER =
      Schema.builder().addStringField("email").addNullableField("phone", FieldType.STRING).build();

  static final Schema ORDER =
      Schema.builder()
          .addStringField("id")
          .addDoubleField("price")
          .addInt32Field("quantity")
          .addStringField("currency")
          .addDecimalField("discount")
          .addNullableField("note", FieldType.STRING)
          .addDateTimeField("ts")
          .addRowField("user", USER)
          .addArrayField("tags", FieldType.STRING)
          .addMapField("attrs", FieldType.STRING, FieldType.STRING)
          .addByteArrayField("blob")
          .build();

  static Row order(double price, int quantity, String currency, String note) {
    return Row.withSchema(ORDER)
        .addValues(
            "o1",
            price,
            quantity,
            currency,
            new BigDecimal("0.25"),
            note,
            Instant.parse("2026-12-05T10:15:00Z"),
            Row.withSchema(USER).addValues("ada@example.com", null).build(),
            List.of("new", "gift"),
            Map.of("channel", "web"),
            new byte[] {1})
        .build();
  }

  private static Object eval(String source, Row row) {
    return Expression.compile(source, ORDER).evaluate(row);
  }

  @Test
  public void arithmeticIsTypedAndIntegersAreInt64() {
    Row row = order(12.5, 3, "EUR", null);
    assertThat(eval("price * double(quantity)", row), equalTo(37.5));
    assertThat(eval("quantity * 2 + 1", row), equalTo(7L));
    assertThat(eval("quantity % 2", row), equalTo(1L));
    assertThat(eval("price * (1.0 - discount)", row), equalTo(9.375));
    Expression e = Expression.compile("quantity + 1", ORDER);
    assertThat(e.resultType(), equalTo(FieldType.INT64));
    assertThat(Expression.compile("price > 10", ORDER).evaluate(row), equalTo(true));
  }

  @Test
  public void ternaryAndStringFunctions() {
    Row row = order(12.5, 3, "EUR", null);
    assertThat(eval("price > 10.0 ? 'high' : 'low'", row), equalTo("high"));
    assertThat(eval("currency.lowerAscii() + '-' + id", row), equalTo("eur-o1"));
    assertThat(eval("currency.startsWith('EU') && size(currency) == 3", row), equalTo(true));
    assertThat(eval("user.email.split('@')[1]", row), equalTo("example.com"));
    assertThat(eval("string(quantity) + 'x'", row), equalTo("3x"));
  }

  @Test
  public void nestedFieldsCollectionsAndTimestamps() {
    Row row = order(12.5, 3, "EUR", null);
    assertThat(eval("user.email", row), equalTo("ada@example.com"));
    assertThat(eval("'gift' in tags", row), equalTo(true));
    assertThat(eval("tags.exists(t, t.startsWith('ne'))", row), equalTo(true));
    assertThat(eval("attrs['channel']", row), equalTo("web"));
    assertThat(eval("ts > timestamp('2026-01-01T00:00:00Z')", row), equalTo(true));
    assertThat(eval("ts.getHours()", row), equalTo(10L));
    assertThat(eval("ts", row), equalTo(Instant.parse("2026-12-05T10:15:00Z")));
    assertThat(
        Expression.compile("tags", ORDER).resultType(), equalTo(FieldType.array(FieldType.STRING)));
    assertThat(eval("user", row), equalTo(row.getRow("user")));
  }

  @Test
  public void nullHandling() {
    Row withoutNote = order(12.5, 3, "EUR", null);
    Row withNote = order(12.5, 3, "EUR", "fragile");
    Expression note = Expression.compile("note", ORDER);
    assertThat(note.resultType(), equalTo(FieldType.STRING.withNullable(true)));
    assertThat(note.evaluate(withoutNote), nullValue());
    assertThat(note.evaluate(withNote), equalTo("fragile"));
    Expression orNone = Expression.compile("note == null ? 'none' : note", ORDER);
    assertThat(orNone.resultType(), equalTo(FieldType.STRING));
    assertThat(orNone.evaluate(withoutNote), equalTo("none"));
    assertThat(orNone.evaluate(withNote), equalTo("fragile"));
    assertThat(eval("user.phone == null", withoutNote), equalTo(true));
    // A nested row is a map to CEL: has() tests that the schema has the field, not its value.
    assertThat(eval("has(user.phone)", withoutNote), equalTo(true));
    assertThat(eval("user.phone != null ? user.phone : 'none'", withoutNote), equalTo("none"));
    // A null used as a value is an evaluation error, whose message has no row value.
    ExpressionEvaluationException e =
        assertThrows(
            ExpressionEvaluationException.class,
            () -> Expression.compile("note + '!'", ORDER).evaluate(withoutNote));
    assertThat(e.getMessage(), containsString("null"));
  }

  @Test
  public void evaluationErrorsSayWhatAndWhereWithoutValues() {
    Row row = order(12.5, 0, "EUR", null);
    ExpressionEvaluationException e =
        assertThrows(
            ExpressionEvaluationException.class,
            () -> Expression.compile("10 / quantity", ORDER).evaluate(row));
    assertThat(e.getMessage(), equalTo("division by zero at column 4"));
    e =
        assertThrows(
            ExpressionEvaluationException.class,
            () -> Expression.compile("attrs[currency]", ORDER).evaluate(row));
    assertThat(e.getMessage(), equalTo("no such key or field at column 6"));
  }

  @Test
  public void typeErrorNamesTheColumn() {
    ExpressionException e =
        assertThrows(ExpressionException.class, () -> Expression.compile("price > 'ten'", ORDER));
    assertThat(
        e.getMessage(), equalTo("operator > cannot be applied to (double, string) at column 7"));
    assertThat(e.line(), equalTo(1));
    assertThat(e.column(), equalTo(7));
    e =
        assertThrows(
            ExpressionException.class,
            () -> Expression.compile("price == 1.0 &&\n  currency + 1 == 'x'", ORDER));
    assertThat(e.line(), equalTo(2));
    assertThat(e.column(), equalTo(12));
    assertThat(e.getMessage(), containsString("at line 2, column 12"));
  }

  @Test
  public void unknownFieldSuggestsTheNearestOne() {
    ExpressionException e =
        assertThrows(ExpressionException.class, () -> Expression.compile("prise * 2.0", ORDER));
    assertThat(
        e.getMessage(),
        equalTo("undeclared reference to 'prise' (did you mean 'price'?) at column 1"));
    e = assertThrows(ExpressionException.class, () -> Expression.compile("user.emial", ORDER));
    assertThat(
        e.getMessage(), equalTo("undefined field 'emial' (did you mean 'email'?) at column 5"));
    e = assertThrows(ExpressionException.class, () -> Expression.compile("totally_else", ORDER));
    assertThat(e.getMessage(), equalTo("undeclared reference to 'totally_else' at column 1"));
    e = assertThrows(ExpressionException.class, () -> Expression.compile("size(blob) > 0", ORDER));
    assertThat(
        e.getMessage(), containsString("field 'blob' is BYTES, which expressions cannot read"));
    e = assertThrows(ExpressionException.class, () -> Expression.compile("price >", ORDER));
    assertThat(e.getMessage(), equalTo("the expression ends too early at column 8"));
    e = assertThrows(ExpressionException.class, () -> Expression.compile("price > > 1", ORDER));
    assertThat(e.getMessage(), equalTo("syntax error: unexpected '>' at column 9"));
  }

  @Test
  public void referencedFieldsAreDottedForNestedRows() {
    Expression e =
        Expression.compile(
            "user.email.endsWith('.com') && price > 1.0 && tags.exists(t, t == currency) && price < 9.0",
            ORDER);
    assertThat(e.referencedFields(), contains("user.email", "price", "tags", "currency"));
    assertThat(Expression.compile("user", ORDER).referencedFields(), contains("user"));
  }

  @Test
  public void survivesSerializationAndRecompiles() {
    Expression e = Expression.compile("price * double(quantity)", ORDER);
    Expression copy = SerializableUtils.ensureSerializable(e);
    assertThat(copy, equalTo(e));
    assertThat(copy.toString(), equalTo("price * double(quantity)"));
    assertThat(copy.source(), equalTo(e.source()));
    assertThat(copy.evaluate(order(2.0, 3, "EUR", null)), equalTo(6.0));
    assertThat(copy.referencedFields(), contains("price", "quantity"));
  }

  @Test
  public void resultThatNoFieldCanHoldIsACompileError() {
    ExpressionException e =
        assertThrows(ExpressionException.class, () -> Expression.compile("dyn(price)", ORDER));
    assertThat(e.getMessage(), containsString("the result is of type dyn"));
  }
}
