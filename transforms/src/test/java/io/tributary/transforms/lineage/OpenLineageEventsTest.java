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

  private static final Schema EVENT = Schema.builder().addStringField("event_id").addDecimalField("price")
      .addDateTimeField("event_time").build();

  @Test
  public void startCompleteAndFailAreValidWithDatasetsAndFacets() throws Exception {
    String runId = UUID.randomUUID().toString();
    OpenLineageEvents run = OpenLineageEvents.forRun("tributary", "clickstream", runId, "2.62.0", "BATCH");
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
    assertEquals(Path.of("testdata/clickstream/small.jsonl").toAbsolutePath().toString(), s.at("/inputs/0/name").asText());
    assertEquals("kafka://127.0.0.1:9092", s.at("/inputs/1/namespace").asText());
    assertEquals("postgres://db:5432", s.at("/outputs/1/namespace").asText());
    assertEquals("shop.public.orders", s.at("/outputs/1/name").asText());
    assertEquals("event_time", s.at("/inputs/0/facets/schema/fields/2/name").asText());
    assertEquals("DATETIME", s.at("/inputs/0/facets/schema/fields/2/type").asText());
    assertEquals(983, mapper.readTree(complete).at("/outputs/0/outputFacets/outputStatistics/rowCount").asLong());
    assertEquals("boom", mapper.readTree(fail).at("/run/facets/errorMessage/message").asText());
  }

  @Test
  public void theSchemaRejectsWhatTheSpecRejects() throws Exception {
    String good = OpenLineageEvents.forRun("tributary", "x", UUID.randomUUID().toString(), "2.62.0", "BATCH")
        .start(List.of(), List.of());
    assertFalse("missing runId", OpenLineageSchema.validate(good.replace("\"runId\"", "\"runID\"")).isEmpty());
    assertFalse("bad event type", OpenLineageSchema.validate(good.replace("\"START\"", "\"STARTED\"")).isEmpty());
    assertFalse("facet without _producer", OpenLineageSchema.validate(good.replace("\"_producer\"", "\"producer_\"")).isEmpty());
    assertFalse("bad time", OpenLineageSchema.validate(good.replaceAll("\"eventTime\":\"[^\"]+\"", "\"eventTime\":\"yesterday\"")).isEmpty());
  }

  @Test
  public void fileTransportAppendsLinesAndBadSpecsNameTheOption() throws Exception {
    Path file = tmp.getRoot().toPath().resolve("lineage/_openlineage.jsonl");
    LineageTransport t = LineageTransport.parse("file:" + file);
    t.emit("{\"a\":1}");
    t.emit("{\"a\":2}");
    assertEquals(List.of("{\"a\":1}", "{\"a\":2}"), Files.readAllLines(file));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LineageTransport.parse("kafka:x"));
    assertThat(e.getMessage(), containsString("--lineage: expected none, file:<path> or http(s)://host:port"));
    assertThrows(IllegalArgumentException.class,
        () -> OpenLineageEvents.forRun("n", "j", "not-a-uuid", "2.62.0", "BATCH"));
    assertThat(LineageDataset.file("gs://bucket/a/b").toString(), not(containsString("file")));
  }
}
