package io.tributary.transforms.quality.metrics;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import io.tributary.transforms.quality.Condition;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.values.Row;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Every metric against values computed by hand on small literal datasets, including nulls, empty
 * input and all-duplicates. Pure (no pipeline): {@link MetricsFn#computeLocally} runs the same
 * CombineFn a runner runs; {@code MetricsPipelineTest} checks the runners agree.
 */
@RunWith(JUnit4.class)
public class MetricsTest {
  static final Schema SCHEMA =
      Schema.builder()
          .addNullableField("id", FieldType.STRING)
          .addNullableField("x", FieldType.DECIMAL)
          .addNullableField("y", FieldType.DOUBLE)
          .addNullableField("s", FieldType.STRING)
          .build();

  static Row row(String id, String x, Double y, String s) {
    return Row.withSchema(SCHEMA).addValues(id, x == null ? null : new BigDecimal(x), y, s).build();
  }

  /**
   * Six rows. id: a, b, b, c, null, d (non-null 5; counts a1 b2 c1 d1) x: 1, 2, 3, 4, null, 10
   * (non-null 5) y: 2, 4, 6, 8, null, 20 (y = 2x) s: "ab", "abc", null, "a", "abcd", "ab"
   */
  static final List<Row> SIX =
      List.of(
          row("a", "1", 2.0, "ab"),
          row("b", "2", 4.0, "abc"),
          row("b", "3", 6.0, null),
          row("c", "4", 8.0, "a"),
          row(null, null, null, "abcd"),
          row("d", "10", 20.0, "ab"));

  static Map<String, Row> compute(List<Row> rows, Metric... metrics) {
    List<Row> out = MetricsFn.of(Arrays.asList(metrics), "t", "run", null).computeLocally(rows);
    Map<String, Row> byName = new LinkedHashMap<>();
    for (Row r : out) {
      byName.put(r.getString("name"), r);
    }
    return byName;
  }

  static Double value(List<Row> rows, Metric m) {
    return compute(rows, m).get(m.name()).getDouble("value");
  }

  static String undefined(List<Row> rows, Metric m) {
    Row r = compute(rows, m).get(m.name());
    assertNull(m.name() + " should be undefined", r.getDouble("value"));
    return r.getString("undefined_reason");
  }

  @Test
  public void sizeAndCompleteness() {
    assertEquals(6.0, value(SIX, Metric.size()), 0);
    // id: 5 non-null of 6 rows = 0.8333...
    assertEquals(5.0 / 6, value(SIX, Metric.completeness("id")), 0);
    // where x >= 3: rows x=3,4,10 -> 3 rows, id non-null in all -> 1.0; size 3
    assertEquals(1.0, value(SIX, Metric.completeness("id").where("x >= 3")), 0);
    assertEquals(3.0, value(SIX, Metric.size().where("x >= 3")), 0);
  }

  @Test
  public void frequencyMetricsFollowDeequ() {
    // id non-null values: a, b, b, c, d -> N = 5, distinct = 4, occurring once = 3 (a, c, d)
    assertEquals(3.0 / 5, value(SIX, Metric.uniqueness("id")), 0); // 0.6
    assertEquals(4.0 / 5, value(SIX, Metric.distinctness("id")), 0); // 0.8
    assertEquals(3.0 / 4, value(SIX, Metric.uniqueValueRatio("id")), 0); // 0.75
    assertEquals(4.0, value(SIX, Metric.countDistinct("id")), 0);
    assertEquals(4.0, value(SIX, Metric.approxCountDistinct("id")), 0); // HLL is exact at 4 values
    // entropy: p = 1/5, 2/5, 1/5, 1/5 -> -(3 * 0.2 ln 0.2 + 0.4 ln 0.4) = 0.9656 + 0.3665 = 1.3322
    double entropy = -(3 * 0.2 * Math.log(0.2) + 0.4 * Math.log(0.4));
    assertThat(value(SIX, Metric.entropy("id")), closeTo(entropy, 1e-12));
    assertThat(value(SIX, Metric.entropy("id")), closeTo(1.3321790402101223, 1e-12));
  }

  @Test
  public void allDuplicates() {
    List<Row> dup =
        List.of(row("z", "5", 1.0, "q"), row("z", "5", 1.0, "q"), row("z", "5", 1.0, "q"));
    assertEquals(0.0, value(dup, Metric.uniqueness("id")), 0); // no value occurs once
    assertEquals(1.0 / 3, value(dup, Metric.distinctness("id")), 0); // 1 distinct / 3
    assertEquals(0.0, value(dup, Metric.uniqueValueRatio("id")), 0); // 0 once / 1 distinct
    assertEquals(1.0, value(dup, Metric.countDistinct("id")), 0);
    assertEquals(0.0, value(dup, Metric.entropy("id")), 0); // -(1 ln 1) = 0
    assertEquals(0.0, value(dup, Metric.standardDeviation("x")), 0);
    // correlation with a constant column: zero variance -> undefined, as Spark's corr gives NaN
    assertThat(undefined(dup, Metric.correlation("x", "y")), containsString("zero variance"));
  }

  @Test
  public void numericMetricsAreExact() {
    // x non-null: 1, 2, 3, 4, 10 -> sum 20, mean 4, min 1, max 10
    assertEquals(20.0, value(SIX, Metric.sum("x")), 0);
    assertEquals(4.0, value(SIX, Metric.mean("x")), 0);
    assertEquals(1.0, value(SIX, Metric.minimum("x")), 0);
    assertEquals(10.0, value(SIX, Metric.maximum("x")), 0);
    // population variance: ((1-4)^2 + (2-4)^2 + (3-4)^2 + 0 + (10-4)^2) / 5 = (9+4+1+0+36)/5 = 10
    assertEquals(Math.sqrt(10), value(SIX, Metric.standardDeviation("x")), 0);
    // doubles summed exactly: 0.1 + 0.2 = 0.3 exactly in decimal (0.30000000000000004 in double)
    List<Row> tenths = List.of(row("a", null, 0.1, null), row("b", null, 0.2, null));
    assertEquals(0.3, value(tenths, Metric.sum("y")), 0);
    // mean of x where s == 'ab': rows x=1 and x=10 -> 5.5
    assertEquals(5.5, value(SIX, Metric.mean("x").where("s == 'ab'")), 0);
  }

  @Test
  public void correlationOfALinearPairIsOne() {
    // y = 2x on the five rows where both are non-null: r = 1
    assertEquals(1.0, value(SIX, Metric.correlation("x", "y")), 1e-15);
    // x = 1,2,3 with y = 3,1,2: n=3, sx=6, sy=6, sxy=3+2+6=11, sxx=14, syy=14
    // r = (3*11 - 36) / sqrt((42-36)*(42-36)) = -3/6 = -0.5
    List<Row> rows =
        List.of(row("a", "1", 3.0, null), row("b", "2", 1.0, null), row("c", "3", 2.0, null));
    assertEquals(-0.5, value(rows, Metric.correlation("x", "y")), 0);
  }

  @Test
  public void complianceAndPatternMatch() {
    // x > 2: rows x=3,4,10 -> 3 of 6; the null-x row counts as not compliant, as in Deequ
    assertEquals(0.5, value(SIX, Metric.compliance(Condition.parse("x > 2"))), 0);
    // s contains "bc": "abc", "abcd" -> 2 of 6 rows (null s is no match)
    assertEquals(2.0 / 6, value(SIX, Metric.patternMatch("s", "bc")), 0);
    // anchored: s is exactly "ab": 2 of 6
    assertEquals(2.0 / 6, value(SIX, Metric.patternMatch("s", "^ab$")), 0);
  }

  @Test
  public void lengths() {
    // s non-null: "ab"(2) "abc"(3) "a"(1) "abcd"(4) "ab"(2) -> min 1, max 4
    assertEquals(1.0, value(SIX, Metric.minLength("s")), 0);
    assertEquals(4.0, value(SIX, Metric.maxLength("s")), 0);
    // code points, not UTF-16 units: one emoji is length 1
    assertEquals(
        1.0, value(List.of(row("a", null, null, "\uD83D\uDE00")), Metric.maxLength("s")), 0);
  }

  @Test
  public void quantilesAreTheLowerOrderStatistic() {
    List<Row> ten = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      ten.add(row("r" + i, String.valueOf(i), null, null));
    }
    Map<String, Row> q = compute(ten, Metric.approxQuantiles("x", List.of(0.0, 0.5, 0.9, 1.0)));
    // rank q: the smallest value v with (values <= v) / 10 >= q; exact below 200 values per window
    assertEquals(1.0, q.get("ApproxQuantiles(x)[0.0]").getDouble("value"), 0);
    assertEquals(5.0, q.get("ApproxQuantiles(x)[0.5]").getDouble("value"), 0);
    assertEquals(9.0, q.get("ApproxQuantiles(x)[0.9]").getDouble("value"), 0);
    assertEquals(10.0, q.get("ApproxQuantiles(x)[1.0]").getDouble("value"), 0);
  }

  @Test
  public void emptyInputIsZeroForCountsAndUndefinedForRatios() {
    List<Row> none = List.of();
    assertEquals(0.0, value(none, Metric.size()), 0);
    assertEquals(0.0, value(none, Metric.countDistinct("id")), 0);
    assertEquals(0.0, value(none, Metric.approxCountDistinct("id")), 0);
    assertEquals("empty input: no rows", undefined(none, Metric.completeness("id")));
    for (Metric m :
        List.of(
            Metric.uniqueness("id"),
            Metric.distinctness("id"),
            Metric.uniqueValueRatio("id"),
            Metric.entropy("id"),
            Metric.compliance(Condition.parse("x > 0")),
            Metric.patternMatch("s", "a"),
            Metric.minimum("x"),
            Metric.maximum("x"),
            Metric.mean("x"),
            Metric.sum("x"),
            Metric.standardDeviation("x"),
            Metric.correlation("x", "y"),
            Metric.minLength("s"),
            Metric.maxLength("s"))) {
      assertEquals(m.name(), "empty input: no rows", undefined(none, m));
    }
    Map<String, Row> q = compute(none, Metric.approxQuantiles("x", List.of(0.5)));
    assertNull(q.get("ApproxQuantiles(x)[0.5]").getDouble("value"));
  }

  @Test
  public void allNullColumn() {
    List<Row> nulls = List.of(row(null, null, null, null), row(null, null, null, null));
    assertEquals(0.0, value(nulls, Metric.completeness("id")), 0); // defined: 0 of 2 rows
    assertEquals("no non-null values", undefined(nulls, Metric.mean("x")));
    assertEquals("no non-null values", undefined(nulls, Metric.uniqueness("id")));
    assertEquals(0.0, value(nulls, Metric.countDistinct("id")), 0);
  }

  @Test
  public void mergingPartialStatesGivesTheSameValues() {
    Metric[] all = {
      Metric.size(),
      Metric.uniqueness("id"),
      Metric.entropy("id"),
      Metric.mean("x"),
      Metric.standardDeviation("x"),
      Metric.approxCountDistinct("id"),
      Metric.correlation("x", "y"),
      Metric.approxQuantiles("x", List.of(0.5))
    };
    MetricsFn fn = MetricsFn.of(Arrays.asList(all), "t", "run", null);
    List<MetricState> a = fn.createAccumulator();
    List<MetricState> b = fn.createAccumulator();
    for (int i = 0; i < SIX.size(); i++) {
      fn.addInput(i % 2 == 0 ? a : b, SIX.get(i));
    }
    assertEquals(fn.computeLocally(SIX), fn.extractOutput(fn.mergeAccumulators(List.of(b, a))));
  }

  @Test
  public void parsesTheTextFormAndRejectsBadOnes() {
    assertEquals("Mean(x) where s == 'ab'", Metric.parse("mean(x where s == 'ab')").name());
    assertEquals("Size(*)", Metric.parse("size").name());
    assertEquals("Compliance(x > 0)", Metric.parse("compliance(x > 0)").name());
    assertEquals("PatternMatch(s, '^a,b$')", Metric.parse("pattern_match(s, '^a,b$')").name());
    assertEquals(List.of(0.5, 0.9), Metric.parse("approx_quantiles(x, 0.9, 0.5)").quantiles());
    assertEquals(
        Metric.parse("mean(x where s == 'ab')"),
        Metric.parse(Metric.parse("mean(x where s == 'ab')").text()));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Metric.parse("median(x)"));
    assertThat(e.getMessage(), containsString("unknown metric 'median'"));
    e = assertThrows(IllegalArgumentException.class, () -> Metric.mean("s").checkIn(SCHEMA));
    assertThat(
        e.getMessage(),
        containsString("metric Mean(s): field 's' is STRING; expected a numeric field"));
    e =
        assertThrows(
            IllegalArgumentException.class, () -> Metric.completeness("nope").checkIn(SCHEMA));
    assertThat(e.getMessage(), containsString("field 'nope'"));
  }
}
