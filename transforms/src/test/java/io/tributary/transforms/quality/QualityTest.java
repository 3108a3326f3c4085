package io.tributary.transforms.quality;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.tributary.testing.Counters;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageGraph;
import io.tributary.transforms.quality.anomaly.AnomalyCheck;
import io.tributary.transforms.quality.anomaly.KSigma;
import io.tributary.transforms.quality.constraints.Check;
import io.tributary.transforms.quality.constraints.Constraint;
import io.tributary.transforms.quality.metrics.Metric;
import io.tributary.transforms.quality.rules.QualityRule;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.display.DisplayData;
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

@RunWith(JUnit4.class)
public class QualityTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Schema SCHEMA =
      Schema.builder()
          .addStringField("id")
          .addDecimalField("price")
          .addNullableField("email", FieldType.STRING)
          .addStringField("product")
          .addDateTimeField("at")
          .build();
  static final Instant T0 = Instant.parse("2026-11-01T10:00:00Z");

  static Row row(String id, String price, String email, String product, Duration offset) {
    return Row.withSchema(SCHEMA)
        .addValues(id, new BigDecimal(price), email, product, T0.plus(offset))
        .build();
  }

  static Row row(String id, String price, String email, String product) {
    return row(id, price, email, product, Duration.ZERO);
  }

  static Checks rules() {
    return Checks.forDataset("orders")
        .withRule(QualityRule.pattern("id", "e-[0-9]+"))
        .withRule(QualityRule.range("price", BigDecimal.ZERO, new BigDecimal("100")))
        .withRule(QualityRule.notNull("email").warn())
        .withRule(QualityRule.email("email").warn())
        .withRule(QualityRule.referential("product", "products"));
  }

  static Map<String, Long> counters(PipelineResult result) {
    Map<String, Long> out = new TreeMap<>();
    for (MetricResult<Long> c :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.inNamespace(DeadLetters.NAMESPACE))
                    .build())
            .getCounters()) {
      out.merge(c.getName().getName(), c.getAttempted(), Long::sum);
    }
    return out;
  }

  @Test
  public void errorRulesQuarantineNamingEveryFailedRuleWarnRulesCount() {
    PCollection<Row> input =
        p.apply(
            Create.of(
                    row("e-1", "10", "a@example.com", "p1"),
                    row("e-2", "200", null, "p1"), // range (error) + not_null (warn)
                    row(
                        "x-3",
                        "-1",
                        "not-an-email",
                        "p9"), // pattern, range, referential (error) + email (warn)
                    row("e-4", "5", null, "p2")) // not_null (warn) only: passes
                .withRowSchema(SCHEMA));
    PCollection<String> products = p.apply("Products", Create.of("p1", "p2"));
    Quality.Result q =
        input.apply("Quality", Quality.check(rules()).withReferenceTable("products", products));

    PAssert.that(q.passed())
        .containsInAnyOrder(row("e-1", "10", "a@example.com", "p1"), row("e-4", "5", null, "p2"));
    PAssert.that(
            q.quarantined()
                .apply(
                    "Describe",
                    MapElements.into(TypeDescriptors.strings())
                        .via(
                            r -> {
                              List<String> failed = new ArrayList<>();
                              for (Row f : r.<Row>getArray("failed_rules")) {
                                failed.add(f.getString("rule") + "/" + f.getString("severity"));
                              }
                              return r.getString("dataset")
                                  + " "
                                  + failed
                                  + " "
                                  + r.getString("record");
                            })))
        .containsInAnyOrder(
            "orders [range_price/error, not_null_email/warn] "
                + "{\"id\":\"e-2\",\"price\":200,\"email\":null,\"product\":\"p1\",\"at\":\"2026-11-01T10:00:00.000Z\"}",
            "orders [pattern_id/error, range_price/error, email_email/warn, referential_product/error] "
                + "{\"id\":\"x-3\",\"price\":-1,\"email\":\"not-an-email\",\"product\":\"p9\",\"at\":\"2026-11-01T10:00:00.000Z\"}");
    StageGraph graph = StageGraph.of(p);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    Map<String, Long> c = counters(result);
    // e-1 and e-4 pass (a warn rule alone does not quarantine), e-2 and x-3 are quarantined.
    Counters.assertStage(
        Counters.stage(result, graph, "quality"), 4, 2, Map.of(), Map.of("quarantined", 2L));
    assertEquals(Long.valueOf(2), c.get("quality.warn.not_null_email"));
    assertEquals(Long.valueOf(1), c.get("quality.warn.email_email"));
    assertEquals(Long.valueOf(2), c.get("quality.error.range_price"));
    assertEquals(Long.valueOf(1), c.get("quality.error.referential_product"));
    RunAccounting line = Counters.accounting(result, graph);
    assertEquals(
        "read=4 = written=2 + dead-lettered=0 + quarantined=2 + deduplicated=0 + too-late=0"
            + " [balanced]",
        line.line());
  }

  @Test
  public void missingReferenceTableIsAConstructionError() {
    PCollection<Row> input = p.apply(Create.of(row("e-1", "1", null, "p1")).withRowSchema(SCHEMA));
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> input.apply(Quality.check(rules())));
    assertThat(e.getMessage(), containsString("withReferenceTable(\"products\", keys)"));
    IllegalArgumentException f =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                input.apply(
                    "Q2",
                    Quality.check(
                        Checks.forDataset("x")
                            .withRule(QualityRule.range("email", null, BigDecimal.ONE)))));
    assertThat(
        f.getMessage(),
        containsString(
            "rule 'range_email': field 'email' is STRING; a range rule needs a numeric field"));
    p.enableAbandonedNodeEnforcement(false);
  }

  static Checks windowChecks() {
    return Checks.forDataset("orders")
        .withMetric(Metric.completeness("email"))
        .withMetric(Metric.uniqueness("id"))
        .withMetric(Metric.mean("price"))
        .withCheck(
            Check.of("volume", Severity.ERROR, List.of(Constraint.parse("size between 2 and 10"))))
        .withCheck(
            Check.of(
                "contact", Severity.WARN, List.of(Constraint.parse("completeness(email) >= 0.5"))));
  }

  /** Window 10:00 has 3 rows, 11:00 has 1 row (fails "size between 2 and 10"). */
  static List<TimestampedValue<Row>> windowed() {
    List<TimestampedValue<Row>> rows = new ArrayList<>();
    for (Row r :
        List.of(
            row("e-1", "1.50", "a@x.com", "p", Duration.standardMinutes(1)),
            row("e-2", "2.50", null, "p", Duration.standardMinutes(20)),
            row("e-2", "3.50", "c@x.com", "p", Duration.standardMinutes(59)),
            row("e-9", "7", null, "p", Duration.standardMinutes(61)))) {
      rows.add(TimestampedValue.of(r, r.getDateTime("at").toInstant()));
    }
    return rows;
  }

  static PCollection<String> metricLines(PCollection<Row> metrics) {
    return metrics.apply(
        "MetricLines",
        MapElements.into(TypeDescriptors.strings())
            .via(
                m ->
                    m.getDateTime("window_start").toInstant().toString().substring(11, 16)
                        + " "
                        + m.getString("name")
                        + " = "
                        + m.getDouble("value")));
  }

  static final String[] EXPECTED_METRICS = {
    // 10:00: emails a, null, c -> 2/3; ids e-1, e-2, e-2 -> once: e-1 -> 1/3; mean (1.5+2.5+3.5)/3
    // = 2.5
    "10:00 Completeness(email) = 0.6666666666666666",
    "10:00 Uniqueness(id) = 0.3333333333333333",
    "10:00 Mean(price) = 2.5",
    "10:00 Size(*) = 3.0",
    "11:00 Completeness(email) = 0.0",
    "11:00 Uniqueness(id) = 1.0",
    "11:00 Mean(price) = 7.0",
    "11:00 Size(*) = 1.0",
  };

  @Test
  public void metricsAndConstraintsPerWindow() {
    PCollection<Row> input =
        p.apply(Create.timestamped(windowed()).withCoder(RowCoder.of(SCHEMA)))
            .setRowSchema(SCHEMA)
            .apply(Window.into(FixedWindows.of(Duration.standardHours(1))));
    Quality.Result q = input.apply("Quality", Quality.check(windowChecks()).withRun("r1", null));
    PAssert.that(metricLines(q.metrics())).containsInAnyOrder(EXPECTED_METRICS);
    PAssert.that(
            q.verification()
                .apply(
                    "Lines",
                    MapElements.into(TypeDescriptors.strings())
                        .via(
                            v ->
                                v.getDateTime("window_start")
                                        .toInstant()
                                        .toString()
                                        .substring(11, 16)
                                    + " "
                                    + v.getString("check")
                                    + "/"
                                    + v.getString("level")
                                    + " "
                                    + v.getString("constraint")
                                    + ": "
                                    + v.getString("status")
                                    + " ("
                                    + v.getString("message")
                                    + ")")))
        .containsInAnyOrder(
            "10:00 volume/error size between 2 and 10: Success (value 3 meets the requirement between 2 and 10)",
            "10:00 contact/warning completeness(email) >= 0.5: Success (value 0.6666666666666666 meets the requirement >= 0.5)",
            "11:00 volume/error size between 2 and 10: Failure (value 1 does not meet the requirement between 2 and 10)",
            "11:00 contact/warning completeness(email) >= 0.5: Failure (value 0 does not meet the requirement >= 0.5)");
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertEquals(Long.valueOf(2), counters(result).get(Quality.CONSTRAINT_FAILURES));
  }

  @Test
  public void streamingRunGivesTheSameMetricsAsTheBoundedRun() {
    // The same four rows as metricsAndConstraintsPerWindow, arriving out of order in three bundles
    // with watermark advances between them; nothing is late (the watermark never passes a row's
    // window before the row arrives). The per-window metrics must equal the bounded run's.
    List<TimestampedValue<Row>> rows = windowed();
    TestStream<Row> stream =
        TestStream.create(RowCoder.of(SCHEMA))
            .addElements(rows.get(2), rows.get(0))
            .advanceWatermarkTo(T0.plus(Duration.standardMinutes(30)))
            .addElements(rows.get(1), rows.get(3))
            .advanceWatermarkTo(T0.plus(Duration.standardMinutes(90)))
            .advanceWatermarkToInfinity();
    PCollection<Row> input =
        p.apply(stream)
            .setRowSchema(SCHEMA)
            .apply(Window.into(FixedWindows.of(Duration.standardHours(1))));
    Quality.Result q = input.apply("Quality", Quality.check(windowChecks()).withRun("r1", null));
    PAssert.that(metricLines(q.metrics())).containsInAnyOrder(EXPECTED_METRICS);
    p.run().waitUntilFinish();
  }

  @Test
  public void boundedInputInTheGlobalWindowIsMeasuredWholeAndEmptyInputStillReports() {
    PCollection<Row> empty =
        p.apply("Empty", Create.empty(RowCoder.of(SCHEMA))).setRowSchema(SCHEMA);
    Quality.Result q = empty.apply("Quality", Quality.check(windowChecks()));
    PAssert.that(
            q.metrics()
                .apply(
                    "Lines",
                    MapElements.into(TypeDescriptors.strings())
                        .via(
                            m ->
                                m.getString("name")
                                    + " = "
                                    + m.getDouble("value")
                                    + " "
                                    + m.getString("undefined_reason"))))
        .containsInAnyOrder(
            "Size(*) = 0.0 null",
            "Completeness(email) = null empty input: no rows",
            "Uniqueness(id) = null empty input: no rows",
            "Mean(price) = null empty input: no rows");
    PAssert.that(
            q.verification()
                .apply(
                    "Status",
                    MapElements.into(TypeDescriptors.strings())
                        .via(v -> v.getString("check") + " " + v.getString("status"))))
        .containsInAnyOrder("volume Failure", "contact Failure");
    p.run().waitUntilFinish();
  }

  @Test
  public void anomaliesAgainstRepositoryHistoryAndEarlierWindows() {
    // History from two earlier runs: Size of hours 05:00..09:00 = 3, 3, 4, 3, 3. This run: 10:00
    // has 3 rows: mean 3.2, sigma 0.4, limits [2.0, 4.4] -> normal, and it joins the history.
    // 11:00 has 1 row, judged against 3, 3, 4, 3, 3, 3: mean 19/6 = 3.1667, population variance
    // (5 * (1/6)^2 + (5/6)^2) / 6 = 0.138889, sigma 0.372678, limits 3.1667 -+ 1.1180 =
    // [2.0486, 4.2847] -> 1 is flagged.
    List<Row> history = new ArrayList<>();
    double[] sizes = {3, 3, 4, 3, 3};
    for (int h = 0; h < sizes.length; h++) {
      Instant start = T0.minus(Duration.standardHours(5 - h));
      history.add(
          Row.withSchema(QualitySchemas.METRIC)
              .withFieldValue("dataset", "orders")
              .withFieldValue("run_id", h < 3 ? "old-1" : "old-2")
              .withFieldValue("window_start", start)
              .withFieldValue("window_end", start.plus(Duration.standardHours(1)))
              .withFieldValue("name", "Size(*)")
              .withFieldValue("metric", "Size")
              .withFieldValue("instance", "*")
              .withFieldValue("value", sizes[h])
              .build());
    }
    PCollection<Row> input =
        p.apply(Create.timestamped(windowed()).withCoder(RowCoder.of(SCHEMA))).setRowSchema(SCHEMA);
    Quality.Result q =
        input.apply(
            "Quality",
            Quality.check(
                    Checks.forDataset("orders")
                        .withAnomalyCheck(AnomalyCheck.of(Metric.size(), new KSigma(3, 24, 5))))
                .withRun("now", null)
                .withMetricsWindows(FixedWindows.of(Duration.standardHours(1)), "at")
                .withHistory(history));
    PAssert.that(
            q.anomalies()
                .apply(
                    "Lines",
                    MapElements.into(TypeDescriptors.strings())
                        .via(
                            a ->
                                a.getDateTime("window_start").toInstant()
                                    + " "
                                    + a.getString("metric")
                                    + " = "
                                    + a.getDouble("value")
                                    + String.format(
                                        " outside [%.4f, %.4f]",
                                        a.getDouble("lower"), a.getDouble("upper")))))
        .containsInAnyOrder("2026-11-01T11:00:00.000Z Size(*) = 1.0 outside [2.0486, 4.2847]");
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertEquals(Long.valueOf(1), counters(result).get(Quality.ANOMALIES));
  }

  /**
   * An event-time stage before a quality stage whose metrics take their own event time: the inner
   * step counts apart, so each stage shows exactly its own records.
   */
  @Test
  public void namedQualityStageAfterAnEventTimeStageCountsOnlyItsOwnRows() {
    PCollection<Row> input =
        p.apply(Create.timestamped(windowed()).withCoder(RowCoder.of(SCHEMA))).setRowSchema(SCHEMA);
    Quality.Result q =
        input
            .apply("EventTime", io.tributary.transforms.time.EventTime.fromField("at"))
            .apply(
                "Quality",
                Quality.check(
                        Checks.forDataset("orders")
                            .withRule(
                                QualityRule.range(
                                    "price", BigDecimal.ZERO, BigDecimal.ONE.add(BigDecimal.ONE))))
                    .withStageName("quality_orders")
                    .withMetricsWindows(FixedWindows.of(Duration.standardHours(1)), "at"));
    PAssert.that(q.passed()).containsInAnyOrder(windowed().get(0).getValue());
    StageGraph graph = StageGraph.of(p);
    assertEquals(
        List.of("event_time", "quality_orders"),
        graph.stages().stream()
            .map(StageGraph.Node::name)
            .collect(java.util.stream.Collectors.toList()));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    Counters.assertStage(Counters.stage(result, graph, "event_time"), 4, 4, Map.of(), Map.of());
    Counters.assertStage(
        Counters.stage(result, graph, "quality_orders"), 4, 1, Map.of(), Map.of("quarantined", 3L));
    assertEquals(4, Counters.get(result, "stage.quality_orders_metrics_time.in"));
    RunAccounting line = Counters.accounting(result, graph);
    assertEquals(4, line.read());
    assertEquals(1, line.written());
    assertEquals(3, line.quarantined());
    assertEquals(true, line.balanced());
    assertThrows(IllegalArgumentException.class, () -> Quality.check(rules()).withStageName("q-1"));
  }

  @Test
  public void displayDataListsEverySetting() {
    DisplayData d =
        DisplayData.from(
            Quality.check(windowChecks())
                .withRun("r7", null)
                .withMetricsWindows(FixedWindows.of(Duration.standardHours(1)), "at"));
    assertThat(d.toString(), containsString("Completeness(email)"));
    assertThat(d.toString(), containsString("volume"));
    assertThat(d.toString(), containsString("r7"));
    assertThat(d.asMap().keySet().toString(), containsString("eventTimeField"));
    p.enableAbandonedNodeEnforcement(false);
  }
}
