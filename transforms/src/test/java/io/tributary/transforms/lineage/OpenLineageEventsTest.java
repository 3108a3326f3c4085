package io.tributary.transforms.lineage;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.testing.OpenLineageSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.beam.sdk.schemas.Schema;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class OpenLineageEventsTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();
  private final ObjectMapper mapper = new ObjectMapper();

  private static final Schema EVENT =
      Schema.builder()
          .addStringField("event_id")
          .addDecimalField("price")
          .addDateTimeField("event_time")
          .build();

  @Test
  public void startCompleteAndFailAreValidWithDatasetsAndFacets() throws Exception {
    String runId = UUID.randomUUID().toString();
    OpenLineageEvents run =
        OpenLineageEvents.forRun("tributary", "clickstream", runId, "2.62.0", "BATCH");
    LineageDataset in = LineageDataset.file("testdata/clickstream/small.jsonl").withSchema(EVENT);
    LineageDataset out = LineageDataset.file("/tmp/out/aggregates");
    LineageDataset topic = LineageDataset.kafka("127.0.0.1:9092,127.0.0.1:9093", "clicks");
    LineageDataset table = LineageDataset.postgres("db:5432", "shop.public.orders");

    String start = run.start(List.of(in, topic), List.of(out, table));
    String complete = run.complete(List.of(in), List.of(out), Map.of(out, 983L));
    String fail = run.fail(List.of(in), List.of(out), new IllegalStateException("boom"));
    for (String e : List.of(start, complete, fail, run.abort(List.of(), List.of()))) {
      OpenLineageSchema.assertValid(e);
    }
    JsonNode s = mapper.readTree(start);
    assertEquals("START", s.get("eventType").asText());
    assertEquals(runId, s.at("/run/runId").asText());
    assertEquals("file", s.at("/inputs/0/namespace").asText());
    assertEquals(
        Path.of("testdata/clickstream/small.jsonl").toAbsolutePath().toString(),
        s.at("/inputs/0/name").asText());
    assertEquals("kafka://127.0.0.1:9092", s.at("/inputs/1/namespace").asText());
    assertEquals("postgres://db:5432", s.at("/outputs/1/namespace").asText());
    assertEquals("shop.public.orders", s.at("/outputs/1/name").asText());
    assertEquals("event_time", s.at("/inputs/0/facets/schema/fields/2/name").asText());
    assertEquals("DATETIME", s.at("/inputs/0/facets/schema/fields/2/type").asText());
    assertEquals(
        983,
        mapper.readTree(complete).at("/outputs/0/outputFacets/outputStatistics/rowCount").asLong());
    assertEquals("boom", mapper.readTree(fail).at("/run/facets/errorMessage/message").asText());
  }

  @Test
  public void qualityAndColumnLineageFacetsAreValidAndCarryTheNumbers() throws Exception {
    LineageDataset in = LineageDataset.file("/data/in/events.jsonl").withSchema(EVENT);
    Schema metric = io.tributary.transforms.quality.QualitySchemas.METRIC;
    Schema verification = io.tributary.transforms.quality.QualitySchemas.VERIFICATION;
    org.joda.time.Instant w1 = new org.joda.time.Instant(0);
    org.joda.time.Instant w2 = new org.joda.time.Instant(3_600_000);
    List<org.apache.beam.sdk.values.Row> metrics =
        List.of(
            metricRow(metric, w1, "Size", "*", null, 80.0),
            metricRow(metric, w2, "Size", "*", null, 20.0),
            // 10% of 80 and 50% of 20 are null: 8 + 10
            metricRow(metric, w1, "Completeness", "email", null, 0.9),
            metricRow(metric, w2, "Completeness", "email", null, 0.5),
            metricRow(metric, w1, "Minimum", "price", null, 2.5),
            metricRow(metric, w2, "Minimum", "price", null, 1.25),
            metricRow(metric, w1, "Maximum", "price", null, 10.0),
            metricRow(metric, w2, "Maximum", "price", null, 99.0),
            // distinct counts do not add up over windows: left out with two windows
            metricRow(metric, w1, "ApproxCountDistinct", "user_id", null, 7.0));
    List<org.apache.beam.sdk.values.Row> checks =
        List.of(
            verificationRow(
                verification, w1, "completeness(email) >= 0.75", "Completeness(email)", "Success"),
            verificationRow(
                verification, w2, "completeness(email) >= 0.75", "Completeness(email)", "Failure"),
            verificationRow(verification, w1, "size between 1 and 5000", "Size(*)", "Success"),
            verificationRow(
                verification,
                w1,
                "pattern_match(email, '@x$') == 1",
                "PatternMatch(email, '@x$')",
                "Success"));
    DataQuality q = DataQuality.fromQuality(metrics, checks);
    LineageDataset out = LineageDataset.file("/data/out/masked");
    ColumnLineage lineage =
        ColumnLineage.builder()
            .field(
                "email", in, "email", ColumnLineage.Transformation.direct("TRANSFORMATION", true))
            .field(
                "events", in, "event_id", ColumnLineage.Transformation.direct("AGGREGATION", false))
            .dataset(in, "event_time", ColumnLineage.Transformation.indirect("WINDOW"))
            .build();
    String complete =
        OpenLineageEvents.forRun(
                "tributary", "clickstream", UUID.randomUUID().toString(), "2.62.0", "BATCH")
            .complete(
                List.of(in.withQuality(q)), List.of(out.withColumnLineage(lineage)), Map.of());
    OpenLineageSchema.assertValid(complete);
    JsonNode e = mapper.readTree(complete);
    JsonNode dq = e.at("/inputs/0/inputFacets/dataQualityMetrics");
    assertEquals(100, dq.get("rowCount").asLong());
    assertEquals(18, dq.at("/columnMetrics/email/nullCount").asLong());
    assertEquals(82.0, dq.at("/columnMetrics/email/count").asDouble(), 0.0);
    assertEquals(1.25, dq.at("/columnMetrics/price/min").asDouble(), 0.0);
    assertEquals(99.0, dq.at("/columnMetrics/price/max").asDouble(), 0.0);
    assertFalse(dq.at("/columnMetrics").has("user_id"));
    JsonNode assertions = e.at("/inputs/0/inputFacets/dataQualityAssertions/assertions");
    assertEquals(3, assertions.size());
    assertEquals("email", assertions.at("/2/column").asText());
    assertEquals("completeness(email) >= 0.75", assertions.at("/0/assertion").asText());
    assertFalse("failed in the second window", assertions.at("/0/success").asBoolean());
    assertEquals("email", assertions.at("/0/column").asText());
    assertEquals(true, assertions.at("/1/success").asBoolean());
    assertFalse(assertions.get(1).has("column"));
    JsonNode cl = e.at("/outputs/0/facets/columnLineage");
    assertThat(
        cl.get("_schemaURL").asText(), containsString("/1-2-0/ColumnLineageDatasetFacet.json"));
    JsonNode email = cl.at("/fields/email/inputFields/0");
    assertEquals("/data/in/events.jsonl", email.get("name").asText());
    assertEquals("DIRECT", email.at("/transformations/0/type").asText());
    assertEquals(true, email.at("/transformations/0/masking").asBoolean());
    assertEquals(
        false, cl.at("/fields/events/inputFields/0/transformations/0/masking").asBoolean());
    assertEquals("WINDOW", cl.at("/dataset/0/transformations/0/subtype").asText());
    assertEquals(true, lineage.masked("email"));
    assertEquals(false, lineage.masked("events"));

    // the schema checks the facets: an assertion without success, a lineage field without
    // inputFields
    ObjectMapper m = new ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode bad =
        (com.fasterxml.jackson.databind.node.ObjectNode) m.readTree(complete);
    ((com.fasterxml.jackson.databind.node.ObjectNode)
            bad.at("/inputs/0/inputFacets/dataQualityAssertions/assertions/0"))
        .remove("success");
    assertFalse(OpenLineageSchema.validate(bad.toString()).isEmpty());
    bad = (com.fasterxml.jackson.databind.node.ObjectNode) m.readTree(complete);
    ((com.fasterxml.jackson.databind.node.ObjectNode)
            bad.at("/outputs/0/facets/columnLineage/fields/email"))
        .remove("inputFields");
    assertFalse(OpenLineageSchema.validate(bad.toString()).isEmpty());
    bad = (com.fasterxml.jackson.databind.node.ObjectNode) m.readTree(complete);
    ((com.fasterxml.jackson.databind.node.ObjectNode)
            bad.at("/inputs/0/inputFacets/dataQualityMetrics"))
        .remove("columnMetrics");
    assertFalse(OpenLineageSchema.validate(bad.toString()).isEmpty());
    assertThrows(IllegalArgumentException.class, () -> ColumnLineage.builder().build());
  }

  private static org.apache.beam.sdk.values.Row metricRow(
      Schema s,
      org.joda.time.Instant window,
      String metric,
      String instance,
      String key,
      double value) {
    return org.apache.beam.sdk.values.Row.withSchema(s)
        .withFieldValue("dataset", "clickstream")
        .withFieldValue("run_id", "r")
        .withFieldValue("window_start", window)
        .withFieldValue("window_end", window.plus(org.joda.time.Duration.millis(3_600_000)))
        .withFieldValue("name", metric + "(" + instance + ")")
        .withFieldValue("metric", metric)
        .withFieldValue("instance", instance)
        .withFieldValue("key", key)
        .withFieldValue("value", value)
        .build();
  }

  private static org.apache.beam.sdk.values.Row verificationRow(
      Schema s, org.joda.time.Instant window, String constraint, String metric, String status) {
    return org.apache.beam.sdk.values.Row.withSchema(s)
        .withFieldValue("dataset", "clickstream")
        .withFieldValue("run_id", "r")
        .withFieldValue("window_start", window)
        .withFieldValue("window_end", window.plus(org.joda.time.Duration.millis(3_600_000)))
        .withFieldValue("check", "c")
        .withFieldValue("level", "error")
        .withFieldValue("constraint", constraint)
        .withFieldValue("metric", metric)
        .withFieldValue("status", status)
        .withFieldValue("message", "")
        .build();
  }

  @Test
  public void theSchemaRejectsWhatTheSpecRejects() throws Exception {
    String good =
        OpenLineageEvents.forRun("tributary", "x", UUID.randomUUID().toString(), "2.62.0", "BATCH")
            .start(List.of(), List.of());
    assertFalse(
        "missing runId",
        OpenLineageSchema.validate(good.replace("\"runId\"", "\"runID\"")).isEmpty());
    assertFalse(
        "bad event type",
        OpenLineageSchema.validate(good.replace("\"START\"", "\"STARTED\"")).isEmpty());
    assertFalse(
        "facet without _producer",
        OpenLineageSchema.validate(good.replace("\"_producer\"", "\"producer_\"")).isEmpty());
    assertFalse(
        "bad time",
        OpenLineageSchema.validate(
                good.replaceAll("\"eventTime\":\"[^\"]+\"", "\"eventTime\":\"yesterday\""))
            .isEmpty());
  }

  @Test
  public void fileTransportAppendsLinesAndBadSpecsNameTheOption() throws Exception {
    Path file = tmp.getRoot().toPath().resolve("lineage/_openlineage.jsonl");
    LineageTransport t = LineageTransport.parse("file:" + file);
    t.emit("{\"a\":1}");
    t.emit("{\"a\":2}");
    assertEquals(List.of("{\"a\":1}", "{\"a\":2}"), Files.readAllLines(file));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> LineageTransport.parse("kafka:x"));
    assertThat(
        e.getMessage(),
        containsString("--lineage: expected none, file:<path> or http(s)://host:port"));
    assertThrows(
        IllegalArgumentException.class,
        () -> OpenLineageEvents.forRun("n", "j", "not-a-uuid", "2.62.0", "BATCH"));
    assertThat(LineageDataset.file("gs://bucket/a/b").toString(), not(containsString("file")));
  }
}
