package io.tributary.transforms.expr;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import io.tributary.testing.Counters;
import io.tributary.transforms.metrics.StageGraph;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class MapFieldsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Schema USER =
      Schema.builder().addStringField("email").addNullableField("name", FieldType.STRING).build();

  static final Schema ORDER =
      Schema.builder()
          .addStringField("id")
          .addDoubleField("price")
          .addInt32Field("quantity")
          .addStringField("currency")
          .addNullableField("note", FieldType.STRING)
          .addRowField("user", USER)
          .build();

  static Row order(String id, double price, int quantity, String currency, String note) {
    return Row.withSchema(ORDER)
        .addValues(
            id,
            price,
            quantity,
            currency,
            note,
            Row.withSchema(USER).addValues(id + "@example.com", null).build())
        .build();
  }

  /** The failure description of each bad record (stage/reason: message). */
  static final class Descriptions extends PTransform<PCollection<BadRecord>, PCollection<String>> {
    @Override
    public PCollection<String> expand(PCollection<BadRecord> input) {
      return input.apply(
          MapElements.into(TypeDescriptors.strings()).via(r -> r.getFailure().getDescription()));
    }
  }

  private static MapFields enrich() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("total", "price * double(quantity)");
    fields.put("currency", "currency.lowerAscii()");
    fields.put("label", "price > 10.0 ? 'high' : 'low'");
    fields.put("email_domain", "user.email.split('@')[1]");
    fields.put("note_or_none", "note == null ? 'none' : note");
    fields.put("per_unit", "price / double(10 / quantity)");
    return MapFields.of(fields);
  }

  @Test
  public void outputSchemaIsKnownBeforeTheRun() {
    Schema projected = enrich().outputSchema(ORDER);
    assertThat(
        projected,
        equalTo(
            Schema.builder()
                .addDoubleField("total")
                .addStringField("currency")
                .addStringField("label")
                .addStringField("email_domain")
                .addStringField("note_or_none")
                .addDoubleField("per_unit")
                .build()));
    Schema appended = enrich().withAppend(true).outputSchema(ORDER);
    // "currency" replaces the input field in place; the new fields follow the input ones.
    assertThat(
        appended.getFieldNames().toString(),
        equalTo(
            "[id, price, quantity, currency, note, user, total, label, email_domain,"
                + " note_or_none, per_unit]"));
    Map<String, String> typeChange = new LinkedHashMap<>();
    typeChange.put("quantity", "double(quantity) / 2.0");
    assertThat(
        MapFields.of(typeChange)
            .withAppend(true)
            .outputSchema(ORDER)
            .getField("quantity")
            .getType(),
        equalTo(FieldType.DOUBLE));
  }

  @Test
  public void derivesFieldsAndRejectsEvaluationErrorsWithBalancedCounters() {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new Descriptions());
    PCollection<Row> out =
        p.apply(
                Create.of(order("a", 12.5, 2, "EUR", null), order("b", 4.0, 0, "USD", "gift"))
                    .withRowSchema(ORDER))
            .apply(enrich().withBadRecordErrorHandler(handler));
    handler.close();
    Schema schema = enrich().outputSchema(ORDER);
    PAssert.that(out)
        .containsInAnyOrder(
            Row.withSchema(schema)
                .addValues(25.0, "eur", "high", "example.com", "none", 12.5 / 5)
                .build());
    // Row b: 10 / quantity divides by zero; the message names the field and the expression only.
    PAssert.that(handler.getOutput())
        .containsInAnyOrder(
            "map_fields/expression_error: field 'per_unit' = `price / double(10 / quantity)`:"
                + " division by zero at column 19");
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "map_fields"), 2, 1, Map.of("expression_error", 1L), Map.of());
  }

  @Test
  public void appendKeepsInputFieldsAndReplacesInPlace() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("currency", "currency.lowerAscii()");
    fields.put("big", "price > 10");
    MapFields t = MapFields.of(fields).withAppend(true).withStageName("enrich_orders");
    PCollection<Row> out =
        p.apply(Create.of(order("a", 12.5, 2, "EUR", "x")).withRowSchema(ORDER)).apply(t);
    Row in = order("a", 12.5, 2, "EUR", "x");
    PAssert.that(out)
        .containsInAnyOrder(
            Row.withSchema(t.outputSchema(ORDER))
                .addValues("a", 12.5, 2, "eur", "x", in.getRow("user"), true)
                .build());
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(Counters.stage(run, graph, "enrich_orders"), 1, 1, Map.of(), Map.of());
  }

  @Test
  public void typeErrorFailsConstructionNamingFieldAndColumn() {
    PCollection<Row> input = p.apply(Create.of(order("a", 1, 1, "EUR", null)).withRowSchema(ORDER));
    ExpressionException e =
        assertThrows(
            ExpressionException.class,
            () -> input.apply(MapFields.of(Map.of("total", "price * quantity"))));
    assertThat(
        e.getMessage(),
        equalTo(
            "MapFields: field 'total': operator * cannot be applied to (double, int) at column 7"));
    assertThat(e.column(), equalTo(7));
    e =
        assertThrows(
            ExpressionException.class,
            () -> input.apply(MapFields.of(Map.of("total", "prise * 2.0"))));
    assertThat(e.getMessage(), containsString("(did you mean 'price'?) at column 1"));
    p.enableAbandonedNodeEnforcement(false);
  }

  @Test
  public void badSettingsNameTheCall() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> MapFields.of(Map.of("a b", "1")));
    assertThat(e.getMessage(), containsString("MapFields.of: a field name must be an identifier"));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> MapFields.of(Map.of("a", "1")).withStageName("Map"));
    assertThat(e.getMessage(), containsString("MapFields.withStageName"));
  }

  @Test
  public void displayDataListsEverySetting() {
    String data = DisplayData.from(enrich().withAppend(true)).toString();
    assertThat(data, containsString("price * double(quantity)"));
    assertThat(data, containsString("append"));
    assertThat(data, containsString("map_fields"));
  }
}
