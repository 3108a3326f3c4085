package io.tributary.transforms.quality;

import static io.tributary.transforms.quality.ChecksFileTest.SCHEMA;
import static io.tributary.transforms.quality.ChecksFileTest.row;
import static io.tributary.transforms.quality.ChecksFileTest.violation;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import io.tributary.transforms.expr.ExpressionException;
import io.tributary.transforms.quality.constraints.Constraint;
import io.tributary.transforms.quality.metrics.Metric;
import io.tributary.transforms.quality.rules.QualityRule;
import java.math.BigDecimal;
import org.apache.beam.sdk.util.SerializableUtils;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Conditions written in CEL ({@code cel: ...}) beside the clause grammar, without a pipeline. */
@RunWith(JUnit4.class)
public class CelConditionTest {
  private static final Row ROW =
      row(
          "e-1",
          "x@example.com",
          new BigDecimal("12.50"),
          null,
          "A",
          Instant.parse("2026-11-01T10:00:00Z"),
          null);

  @Test
  public void celConditionsTestRows() {
    Condition c = Condition.parse("cel: (price > 10.0 || code == 'B') && email.endsWith('.com')");
    c.checkIn(SCHEMA);
    assertEquals(true, c.test(ROW));
    assertEquals(
        false, Condition.parse("cel: event_time > timestamp('2026-11-02T00:00:00Z')").test(ROW));
    assertEquals("cel: price > 1.0", Condition.parse("  cel: price > 1.0 ").toString());
    assertEquals(true, Condition.parse("CEL: url == null").test(ROW));
  }

  @Test
  public void nullOrFailingEvaluationDoesNotSatisfyIt() {
    // url is null: using it as a string fails, which counts as not satisfied (as in the grammar).
    assertEquals(false, Condition.parse("cel: url.startsWith('http')").test(ROW));
    assertEquals(
        "row must satisfy cel: url.startsWith('http')",
        violation(QualityRule.custom("web", Condition.parse("cel: url.startsWith('http')")), ROW));
    assertNull(
        violation(
            QualityRule.custom("web", Condition.parse("cel: url == null || url != ''")), ROW));
  }

  @Test
  public void checkInTypeChecksAgainstTheSchema() {
    ExpressionException e =
        assertThrows(
            ExpressionException.class, () -> Condition.parse("cel: prise > 1.0").checkIn(SCHEMA));
    assertEquals(
        "condition 'cel: prise > 1.0': undeclared reference to 'prise' (did you mean 'price'?) at"
            + " column 1",
        e.getMessage());
    e = assertThrows(ExpressionException.class, () -> Condition.parse("cel: code").checkIn(SCHEMA));
    assertThat(e.getMessage(), containsString("expected bool"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> Condition.parse("cel:  ")).getMessage(),
        containsString("has no CEL expression after 'cel:'"));
  }

  @Test
  public void checksFilesMetricsAndConstraintsAcceptCel() {
    Checks checks =
        Checks.fromJson(
            "{\"dataset\": \"orders\", \"rules\": [{\"rule\": \"custom\", \"name\": \"cheap\","
                + " \"condition\": \"cel: price < 50.0 || code != 'A'\"}],"
                + " \"metrics\": [\"compliance(cel: price * 2.0 > 20.0)\","
                + " \"mean(price where cel: code in ['A', 'B'])\"]}",
            "orders.json");
    checks.checkIn(SCHEMA);
    assertNull(violation(checks.rules().get(0), ROW));
    assertEquals(
        "Mean(price) where cel: code in ['A', 'B']",
        Metric.parse("mean(price where cel: code in ['A', 'B'])").name());
    assertEquals(
        "Mean(price) where cel: code == 'A'",
        Constraint.parse("mean(price where cel: code == 'A') > 1").metricName());
  }

  @Test
  public void survivesSerialization() {
    Condition c = Condition.parse("cel: price > 10.0");
    c.checkIn(SCHEMA);
    Condition copy = SerializableUtils.ensureSerializable(c);
    assertEquals(c, copy);
    assertEquals(true, copy.test(ROW));
  }

  @Test
  public void theClauseGrammarIsUnchanged() {
    assertEquals(true, Condition.parse("price >= 12.5 and code in ('A', 'B')").test(ROW));
    assertEquals(false, Condition.parse("url != 'x'").test(ROW));
  }
}
