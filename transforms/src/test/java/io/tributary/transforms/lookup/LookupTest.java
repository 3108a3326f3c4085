package io.tributary.transforms.lookup;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline.PipelineExecutionException;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Lookup: matches, defaults, null keys, duplicate table keys and construction errors. */
@RunWith(JUnit4.class)
public class LookupTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Schema ORDER =
      Schema.builder().addStringField("order_id").addNullableStringField("product_id").build();
  static final Schema PRODUCT =
      Schema.builder().addStringField("product_id").addStringField("category").build();
  static final Schema OUT =
      Schema.builder()
          .addStringField("order_id")
          .addNullableStringField("product_id")
          .addStringField("category")
          .build();

  private PCollection<Row> products(Row... rows) {
    return p.apply("Products", Create.of(java.util.List.of(rows)).withRowSchema(PRODUCT));
  }

  private PCollection<Row> orders() {
    return p.apply(
        "Orders",
        Create.of(
                Row.withSchema(ORDER).addValues("o1", "p1").build(),
                Row.withSchema(ORDER).addValues("o2", "p9").build(),
                Row.withSchema(ORDER).addValues("o3", null).build())
            .withRowSchema(ORDER));
  }

  @Test
  public void addsTheMatchingRowsFieldsAndTheDefaultWhereNoneMatches() {
    PCollection<Row> out =
        orders()
            .apply(
                Lookup.from(products(Row.withSchema(PRODUCT).addValues("p1", "books").build()))
                    .by("product_id")
                    .withField("category")
                    .withDefault("category", "unknown"));
    assertEquals(OUT, out.getSchema());
    PAssert.that(out)
        .containsInAnyOrder(
            Row.withSchema(OUT).addValues("o1", "p1", "books").build(),
            Row.withSchema(OUT).addValues("o2", "p9", "unknown").build(),
            Row.withSchema(OUT).addValues("o3", null, "unknown").build());
    p.run();
  }

  @Test
  public void aKeyHeldTwiceByTheTableFailsTheRunNamingIt() {
    orders()
        .apply(
            Lookup.from(
                    products(
                        Row.withSchema(PRODUCT).addValues("p1", "books").build(),
                        Row.withSchema(PRODUCT).addValues("p1", "garden").build()))
                .by("product_id")
                .withField("category"));
    PipelineExecutionException e = assertThrows(PipelineExecutionException.class, () -> p.run());
    assertThat(
        e.getMessage(),
        containsString("more than one row with key sha256:f64551fcd6f0 (field 'product_id')"));
  }

  @Test
  public void refusesFieldsTheSchemasLackAndDefaultsOfTheWrongType() {
    p.enableAbandonedNodeEnforcement(false);
    PCollection<Row> table = products();
    Schema in = ORDER;
    IllegalArgumentException noField =
        assertThrows(
            IllegalArgumentException.class,
            () -> Lookup.from(table).by("product_id").withField("colour").outputSchema(in));
    assertThat(noField.getMessage(), containsString("the table has no field 'colour'"));
    IllegalArgumentException noKey =
        assertThrows(
            IllegalArgumentException.class,
            () -> Lookup.from(table).by("sku").withField("category").outputSchema(in));
    assertThat(noKey.getMessage(), containsString("the input has no field 'sku'"));
    IllegalArgumentException taken =
        assertThrows(
            IllegalArgumentException.class,
            () -> Lookup.from(table).by("product_id").withField("product_id").outputSchema(in));
    assertThat(taken.getMessage(), containsString("already has a field 'product_id'"));
    assertThrows(
        IllegalArgumentException.class,
        () -> Lookup.from(table).by("product_id").withDefault("category", "x"));
    assertEquals(
        "product_id",
        DisplayData.from(Lookup.from(table).by("product_id").withField("category")).items().stream()
            .filter(i -> i.getKey().equals("key"))
            .findFirst()
            .get()
            .getValue());
  }

  @Test
  public void everyWithIsACopyAndNameAndDisplayDataStayTheLookups() {
    p.enableAbandonedNodeEnforcement(false);
    Lookup base = Lookup.from(products()).by("product_id");
    Lookup enriching = base.withField("category");
    Lookup filling = enriching.withDefault("category", "unknown");
    // A with-method changes its copy only.
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> base.outputSchema(ORDER)).getMessage(),
        containsString("Lookup: withField() is required"));
    assertEquals(true, enriching.outputSchema(ORDER).getField("category").getType().getNullable());
    assertEquals(Map.of(), enriching.defaults());
    assertEquals(Map.of("category", "unknown"), filling.defaults());
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> Lookup.from(products()).withField("category").outputSchema(ORDER))
            .getMessage(),
        containsString("Lookup: by() is required"));
    // Applied without a name, it is named as before it was an AutoValue class.
    assertEquals("Lookup", filling.getName());
    DisplayData d =
        DisplayData.from(
            filling.withMissingKey(MissingKey.FILL_NULLS).withStageName("category_of_product"));
    Map<String, Object> items = new TreeMap<>();
    for (DisplayData.Item i : d.items()) {
      assertEquals(Lookup.class, i.getNamespace());
      items.put(i.getKey(), i.getValue());
    }
    assertEquals(
        Map.of(
            "key", "product_id",
            "tableKey", "product_id",
            "fields", "category",
            "defaults", "{category=unknown}",
            "missingKey", "FILL_NULLS",
            "stage", "category_of_product"),
        items);
  }
}
