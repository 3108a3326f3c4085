package io.tributary.transforms.quality;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import io.tributary.transforms.quality.constraints.Check;
import io.tributary.transforms.quality.constraints.Constraint;
import io.tributary.transforms.quality.rules.QualityRule;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** The checks file, the condition syntax, constraints and every rule kind, without a pipeline. */
@RunWith(JUnit4.class)
public class ChecksFileTest {
  static final String GOOD =
      "{\n"
          + "  \"dataset\": \"orders\",\n"
          + "  \"rules\": [\n"
          + "    {\"rule\": \"not_null\", \"field\": \"email\", \"severity\": \"warn\"},\n"
          + "    {\"rule\": \"pattern\", \"field\": \"id\", \"regex\": \"e-[0-9]+\", \"name\": \"id_shape\"},\n"
          + "    {\"rule\": \"range\", \"field\": \"price\", \"min\": 0, \"max\": 100},\n"
          + "    {\"rule\": \"custom\", \"name\": \"cheap_eur\", \"condition\": \"currency != 'EUR' or price < 50\"}\n"
          + "  ],\n"
          + "  \"metrics\": [\"completeness(email)\", \"approx_quantiles(price, 0.9)\"],\n"
          + "  \"checks\": [{\"name\": \"volume\", \"level\": \"warn\", \"constraints\": [\"size between 1 and 5\","
          + " \"approx_quantile(price, 0.5) <= 10\"]}],\n"
          + "  \"anomalies\": [{\"metric\": \"size\", \"strategy\": \"k_sigma\", \"k\": 3}]\n"
          + "}";

  @Test
  public void readsAFullChecksFile() {
    Checks c = Checks.fromJson(GOOD, "orders.json");
    assertEquals("orders", c.dataset());
    assertEquals(4, c.rules().size());
    assertEquals("id_shape", c.rules().get(1).name());
    assertEquals(Severity.WARN, c.rules().get(0).severity());
    assertEquals(Severity.WARN, c.checks().get(0).level());
    // the quantiles of price (0.9 declared, 0.5 from a constraint) are merged into one sketch
    assertEquals(
        "[Completeness(email), ApproxQuantiles(price), Size(*)]", c.allMetrics().toString());
    assertEquals(List.of(0.5, 0.9), c.allMetrics().get(1).quantiles());
  }

  static void assertFails(String json, String expected) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Checks.fromJson(json, "f.json"));
    assertEquals("one line: " + e.getMessage(), 1, e.getMessage().lines().count());
    assertThat(e.getMessage(), containsString(expected));
  }

  @Test
  public void badFilesFailWithOneLineNamingTheEntry() {
    assertFails("{", "checks file f.json: not valid JSON at line 1");
    assertFails("{\"rules\": []}", "checks file f.json: 'dataset' is required");
    assertFails("{\"dataset\": \"d\", \"rulez\": []}", "checks file f.json: unknown key 'rulez'");
    assertFails(
        "{\"dataset\": \"d\", \"rules\": [{\"rule\": \"pattern\", \"field\": \"id\"}]}",
        "checks file f.json: rules[0]: 'regex' is required and must be a non-empty string");
    assertFails(
        "{\"dataset\": \"d\", \"rules\": [{\"rule\": \"range\", \"field\": \"p\", \"min\": \"0\"}]}",
        "rules[0]: 'min' must be a number");
    assertFails(
        "{\"dataset\": \"d\", \"rules\": [{\"rule\": \"nope\", \"field\": \"p\"}]}",
        "rules[0]: unknown rule 'nope'; expected one of not_null");
    assertFails(
        "{\"dataset\": \"d\", \"rules\": [{\"rule\": \"not_null\", \"field\": \"p\", \"severity\": \"fatal\"}]}",
        "rules[0]: 'severity': severity must be 'error' or 'warn', got 'fatal'");
    assertFails(
        "{\"dataset\": \"d\", \"metrics\": [\"completness(email)\"]}",
        "metrics[0]: metric 'completness(email)': unknown metric 'completness'");
    assertFails(
        "{\"dataset\": \"d\", \"checks\": [{\"name\": \"c\", \"constraints\": [\"size > ten\"]}]}",
        "checks[0] (c): constraint 'size > ten': 'ten' is not a number");
    assertFails(
        "{\"dataset\": \"d\", \"anomalies\": [{\"metric\": \"size\", \"strategy\": \"prophet\"}]}",
        "anomalies[0] (size): unknown strategy 'prophet'");
    assertFails(
        "{\"dataset\": \"d\", \"rules\": [{\"rule\": \"custom\", \"name\": \"c\", \"condition\": \"price >\"}]}",
        "rules[0] (c): condition 'price >': clause 'price >' is incomplete");
  }

  static final Schema SCHEMA =
      Schema.builder()
          .addStringField("id")
          .addNullableField("email", FieldType.STRING)
          .addNullableField("price", FieldType.DECIMAL)
          .addNullableField("url", FieldType.STRING)
          .addNullableField("code", FieldType.STRING)
          .addNullableField("event_time", FieldType.DATETIME)
          .addNullableField("ingest_time", FieldType.DATETIME)
          .build();

  static Row row(Object... values) {
    return Row.withSchema(SCHEMA).addValues(values).build();
  }

  static String violation(QualityRule r, Row row) {
    r.checkIn(SCHEMA);
    return r.violation(
        row, Map.of("codes", Set.of("A", "B")), Instant.parse("2026-11-25T12:00:00Z"));
  }

  @Test
  public void everyRuleKind() {
    Instant t = Instant.parse("2026-11-25T00:00:00Z");
    Row good =
        row(
            "e-1",
            "a.b@example.com",
            new java.math.BigDecimal("12.50"),
            "https://example.com/x?q=1",
            "A",
            t,
            t.plus(Duration.standardMinutes(5)));
    Row bad =
        row(
            "x",
            "a.b@",
            new java.math.BigDecimal("-1"),
            "example.com",
            "Z",
            t.minus(Duration.standardDays(2)),
            t.plus(Duration.standardHours(7)));
    Row nulls = row("y", null, null, null, null, null, null);
    List<QualityRule> rules =
        List.of(
            QualityRule.email("email"),
            QualityRule.url("url"),
            QualityRule.range("price", java.math.BigDecimal.ZERO, null),
            QualityRule.allowedValues("code", List.of("A", "B")),
            QualityRule.pattern("id", "e-[0-9]+"),
            QualityRule.length("email", 5, 100),
            QualityRule.referential("code", "codes"),
            QualityRule.freshness("event_time", Duration.standardHours(6), "ingest_time"),
            QualityRule.freshness("event_time", Duration.standardDays(1)),
            QualityRule.type("code", "string"),
            QualityRule.custom("positive", Condition.parse("price > 0")));
    for (QualityRule r : rules) {
      assertNull(r.name() + " passes a good row", violation(r, good));
      if (!r.kind().equals("type")) {
        assertThat(r.name() + " fails a bad row", violation(r, bad), containsString("must"));
      }
    }
    assertEquals(
        "row must satisfy price > 0",
        violation(QualityRule.custom("positive", Condition.parse("price > 0")), nulls));
    assertNull(
        "a null passes every rule but not_null", violation(QualityRule.email("email"), nulls));
    assertEquals("field 'email' must not be null", violation(QualityRule.notNull("email"), nulls));
    assertEquals(
        "field 'event_time' must be at most 6h behind 'ingest_time'",
        violation(
            QualityRule.freshness("event_time", Duration.standardHours(6), "ingest_time"), bad));
    Schema typed = Schema.builder().addStringField("s").build();
    QualityRule integer = QualityRule.type("s", "integer");
    assertNull(
        integer.violation(Row.withSchema(typed).addValue("12").build(), Map.of(), Instant.now()));
    assertEquals(
        "field 's' must be of type integer",
        integer.violation(Row.withSchema(typed).addValue("1.5").build(), Map.of(), Instant.now()));
    assertNull(
        QualityRule.type("s", "timestamp")
            .violation(
                Row.withSchema(typed).addValue("2026-11-01T10:00:00+01:00").build(),
                Map.of(),
                Instant.now()));
  }

  @Test
  public void conditions() {
    Row r =
        row(
            "e-1",
            "x@example.com",
            new java.math.BigDecimal("12.50"),
            null,
            "A",
            Instant.parse("2026-11-01T10:00:00Z"),
            null);
    assertEquals(true, Condition.parse("price >= 12.5 and code in ('A', 'B')").test(r));
    assertEquals(true, Condition.parse("price > 100 or id == 'e-1'").test(r));
    assertEquals(false, Condition.parse("url != 'x'").test(r)); // null compares false, as in SQL
    assertEquals(true, Condition.parse("url is null and email is not null").test(r));
    assertEquals(true, Condition.parse("event_time < '2026-11-01T11:00:00Z'").test(r));
    assertEquals(
        true,
        Condition.parse("id == 'it''s'").test(row("it's", null, null, null, null, null, null)));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> Condition.parse("price ~ 1"))
            .getMessage(),
        containsString("cannot read clause 'price ~ 1'"));
  }

  @Test
  public void constraintsParseAndPrint() {
    assertEquals(
        "size between 1000 and 5000", Constraint.parse("size between 1000 and 5000").toString());
    assertEquals(
        "completeness(email) >= 0.95", Constraint.parse("completeness(email) >= 0.95").toString());
    assertEquals(
        "Uniqueness(event_id)", Constraint.parse("uniqueness(event_id) == 1.0").metricName());
    assertEquals(
        "ApproxQuantiles(price)[0.5]",
        Constraint.parse("approx_quantile(price, 0.5) <= 100").metricName());
    assertEquals(
        "Mean(price) where currency == 'EUR'",
        Constraint.parse("mean(price where currency == 'EUR') > 1").metricName());
    Constraint between = Constraint.parse("size between 1 and 3");
    assertEquals(true, between.holds(1) && between.holds(3) && !between.holds(3.5));
    Check check =
        Check.of("c", Severity.ERROR, List.of(Constraint.parse("completeness(email) >= 0.5")));
    Row undefined =
        Row.withSchema(QualitySchemas.METRIC)
            .withFieldValue("dataset", "d")
            .withFieldValue("run_id", "r")
            .withFieldValue("name", "Completeness(email)")
            .withFieldValue("metric", "Completeness")
            .withFieldValue("instance", "email")
            .withFieldValue("undefined_reason", "empty input: no rows")
            .build();
    Row v = check.verify(Map.of("Completeness(email)", undefined), "d", "r").get(0);
    assertEquals("Failure", v.getString("status"));
    assertEquals(
        "metric Completeness(email) is undefined (empty input: no rows), so the requirement >= 0.5 cannot be met",
        v.getString("message"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> Constraint.parse("approx_quantiles(price, 0.5, 0.9) < 1"))
            .getMessage(),
        containsString("name exactly one quantile"));
  }

  @Test
  public void metricRecordsRoundTripThroughJson() {
    Row m =
        Row.withSchema(QualitySchemas.METRIC)
            .withFieldValue("dataset", "d")
            .withFieldValue("run_id", "r")
            .withFieldValue("window_start", Instant.parse("2026-11-01T10:00:00Z"))
            .withFieldValue("window_end", Instant.parse("2026-11-01T11:00:00Z"))
            .withFieldValue("name", "Mean(x)")
            .withFieldValue("metric", "Mean")
            .withFieldValue("instance", "x")
            .withFieldValue("value", 0.1 + 0.2)
            .build();
    assertEquals(m, QualitySchemas.fromJson(QualitySchemas.METRIC, QualitySchemas.toJson(m)));
  }
}
