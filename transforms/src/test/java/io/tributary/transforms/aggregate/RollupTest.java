package io.tributary.transforms.aggregate;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.logicaltypes.SqlTypes;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Rollup: the where condition, UTC dates of timestamps, and one row per group. */
@RunWith(JUnit4.class)
public class RollupTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Schema ORDER =
      Schema.builder()
          .addStringField("status")
          .addStringField("category")
          .addDecimalField("amount")
          .addDateTimeField("created_at")
          .build();

  static final Schema MART =
      Schema.builder()
          .addLogicalTypeField("dt", SqlTypes.DATE)
          .addStringField("category")
          .addInt64Field("orders")
          .addDecimalField("revenue")
          .build();

  static Rollup daily() {
    return Rollup.of(
            Aggregate.perWindow()
                .withGroupBy(List.of("dt", "category"))
                .withAggregation(Aggregation.count("orders"))
                .withAggregation(Aggregation.sum("revenue", "amount").withScale(2)))
        .where("status != 'cancelled'")
        .withDateOf("dt", "created_at");
  }

  private static Row order(String status, String category, String amount, String at) {
    return Row.withSchema(ORDER)
        .addValues(status, category, new BigDecimal(amount), Instant.parse(at))
        .build();
  }

  @Test
  public void totalsPerUtcDateAndGroupOfTheMatchingRows() {
    PCollection<Row> out =
        p.apply(
                Create.of(
                        order("paid", "books", "10.50", "2026-11-01T23:59:59.999Z"),
                        order("paid", "books", "2.25", "2026-11-01T00:00:00Z"),
                        order("paid", "books", "1", "2026-11-02T00:00:00Z"),
                        // Cancelled: in no total; its group (kitchen) has no row at all.
                        order("cancelled", "kitchen", "99.99", "2026-11-01T10:00:00Z"),
                        order("cancelled", "books", "5.00", "2026-11-01T10:00:00Z"))
                    .withRowSchema(ORDER))
            .apply(daily());
    assertEquals(MART, out.getSchema());
    PAssert.that(out)
        .containsInAnyOrder(
            Row.withSchema(MART)
                .addValues(LocalDate.parse("2026-11-01"), "books", 2L, new BigDecimal("12.75"))
                .build(),
            Row.withSchema(MART)
                .addValues(LocalDate.parse("2026-11-02"), "books", 1L, new BigDecimal("1.00"))
                .build());
    p.run();
  }

  @Test
  public void refusesADateOfAFieldThatIsNoTimestamp() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Rollup.of(Aggregate.perWindow().withAggregation(Aggregation.count("n")))
                    .withDateOf("dt", "status")
                    .outputSchema(ORDER));
    assertThat(e.getMessage(), containsString("'status' is STRING"));
  }
}
