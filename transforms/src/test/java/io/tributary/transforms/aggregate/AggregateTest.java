package io.tributary.transforms.aggregate;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import io.tributary.transforms.json.RowJsonText;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Per-window aggregates: every function, groups, splits, conditions, exact sums, the pane. */
@RunWith(JUnit4.class)
public class AggregateTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Schema READING =
      Schema.builder()
          .addStringField("device")
          .addStringField("kind")
          .addDoubleField("temp")
          .addDecimalField("price")
          .addNullableField("note", Schema.FieldType.STRING)
          .build();

  private static TimestampedValue<Row> at(
      long minute, String device, String kind, double temp, String price, String note) {
    return TimestampedValue.of(
        Row.withSchema(READING).addValues(device, kind, temp, new BigDecimal(price), note).build(),
        new Instant(Duration.standardMinutes(minute).getMillis()));
  }

  private PCollection<Row> input() {
    List<TimestampedValue<Row>> rows = new ArrayList<>();
    rows.add(at(1, "d1", "a", 0.1, "1.10", "x"));
    rows.add(at(2, "d1", "b", 0.2, "2.205", null));
    rows.add(at(3, "d1", "a", 0.7, "3.00", "x"));
    rows.add(at(4, "d2", "a", 10.0, "5.00", "y"));
    rows.add(at(61, "d1", "b", 1.0, "7.00", "z"));
    return p.apply(
            Create.timestamped(rows).withCoder(org.apache.beam.sdk.coders.RowCoder.of(READING)))
        .setRowSchema(READING)
        .apply(Window.into(FixedWindows.of(Duration.standardHours(1))));
  }

  @Test
  public void everyFunctionPerGroupAndWindow() {
    Aggregate agg =
        Aggregate.perWindow()
            .withGroupBy(List.of("device"))
            .withAggregation(Aggregation.count("n"))
            .withAggregation(Aggregation.count("by_kind").by("kind"))
            .withAggregation(
                Aggregation.sum("revenue_a", "price").where("kind == 'a'").withScale(2))
            .withAggregation(Aggregation.mean("temp_avg", "temp"))
            .withAggregation(Aggregation.min("temp_min", "temp"))
            .withAggregation(Aggregation.max("price_max", "price"))
            .withAggregation(Aggregation.countDistinct("notes", "note"))
            .withPane(true);
    PCollection<String> json =
        input()
            .apply(agg)
            .apply(
                MapElements.into(TypeDescriptors.strings()).via((Row r) -> RowJsonText.render(r)));
    PAssert.that(json)
        .containsInAnyOrder(
            // 0.1 + 0.2 + 0.7 is not 1.0 in doubles; the exact sum makes the mean 1/3 exactly.
            "{\"device\":\"d1\",\"window_start\":\"1970-01-01T00:00:00Z\","
                + "\"window_end\":\"1970-01-01T01:00:00Z\",\"n\":3,\"by_kind\":{\"a\":2,\"b\":1},"
                + "\"revenue_a\":4.10,\"temp_avg\":0.3333333333333333,\"temp_min\":0.1,"
                + "\"price_max\":3.00,\"notes\":1,"
                + "\"pane\":{\"timing\":\"ON_TIME\",\"index\":0,\"final\":true}}",
            "{\"device\":\"d2\",\"window_start\":\"1970-01-01T00:00:00Z\","
                + "\"window_end\":\"1970-01-01T01:00:00Z\",\"n\":1,\"by_kind\":{\"a\":1},"
                + "\"revenue_a\":5.00,\"temp_avg\":10.0,\"temp_min\":10.0,"
                + "\"price_max\":5.00,\"notes\":1,"
                + "\"pane\":{\"timing\":\"ON_TIME\",\"index\":0,\"final\":true}}",
            "{\"device\":\"d1\",\"window_start\":\"1970-01-01T01:00:00Z\","
                + "\"window_end\":\"1970-01-01T02:00:00Z\",\"n\":1,\"by_kind\":{\"b\":1},"
                + "\"revenue_a\":0.00,\"temp_avg\":1.0,\"temp_min\":1.0,"
                + "\"price_max\":7.00,\"notes\":1,"
                + "\"pane\":{\"timing\":\"ON_TIME\",\"index\":0,\"final\":true}}");
    p.run();
  }

  @Test
  public void outputSchemaIsKnownBeforeTheRun() {
    Schema out =
        Aggregate.perWindow()
            .withGroupBy(List.of("device"))
            .withAggregation(Aggregation.count("by_kind").by("kind"))
            .withAggregation(Aggregation.max("last_note", "note"))
            .outputSchema(READING);
    assertThat(
        out.getFieldNames(),
        equalTo(List.of("device", "window_start", "window_end", "by_kind", "last_note")));
    assertThat(out.getField("last_note").getType().getNullable(), equalTo(true));
  }

  @Test
  public void wrongFieldsAreNamed() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Aggregate.perWindow()
                    .withAggregation(Aggregation.sum("s", "kind"))
                    .outputSchema(READING));
    assertThat(e.getMessage(), containsString("sum needs a numeric field, 'kind' is STRING"));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Aggregate.perWindow()
                    .withAggregation(Aggregation.mean("m", "tmp"))
                    .outputSchema(READING));
    assertThat(e.getMessage(), containsString("the input has no field 'tmp'"));
  }

  @Test
  public void accumulatorCoderRoundTripsDeterministically() throws CoderException {
    List<Aggregation> aggs =
        List.of(
            Aggregation.count("n").by("kind"),
            Aggregation.max("m", "price"),
            Aggregation.countDistinct("d", "note"));
    Accumulator acc = new Accumulator(aggs);
    acc.cell(0, "b").count = 2;
    acc.cell(0, "a").count = 1;
    acc.cell(1, null).offer(new BigDecimal("3.50"), Aggregation.Fn.MAX);
    acc.cell(2, null).distinct.add("x");
    Accumulator.AccumulatorCoder coder = new Accumulator.AccumulatorCoder();
    byte[] once = org.apache.beam.sdk.util.CoderUtils.encodeToByteArray(coder, acc);
    Accumulator back = org.apache.beam.sdk.util.CoderUtils.decodeFromByteArray(coder, once);
    byte[] twice = org.apache.beam.sdk.util.CoderUtils.encodeToByteArray(coder, back);
    assertThat(twice, equalTo(once));
    assertThat(back.cell(1, null).extreme, equalTo((Object) new BigDecimal("3.50")));
  }
}
