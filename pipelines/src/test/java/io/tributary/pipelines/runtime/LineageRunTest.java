package io.tributary.pipelines.runtime;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.clickstream.ClickstreamJob;
import io.tributary.pipelines.clickstream.ClickstreamOptions;
import io.tributary.testing.OpenLineageSchema;
import io.tributary.testing.TestRunners;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Every run emits schema-valid OpenLineage events: START then COMPLETE, or START then FAIL. */
@RunWith(JUnit4.class)
public class LineageRunTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();
  private final ObjectMapper mapper = new ObjectMapper();

  private List<JsonNode> events(Path file) throws Exception {
    List<String> lines = Files.readAllLines(file);
    for (String line : lines) {
      OpenLineageSchema.assertValid(line);
    }
    return lines.stream()
        .map(
            l -> {
              try {
                return mapper.readTree(l);
              } catch (Exception e) {
                throw new AssertionError(e);
              }
            })
        .collect(java.util.stream.Collectors.toList());
  }

  /**
   * The sample runs of both pipelines emit valid START and COMPLETE events with their datasets, and
   * {@code tributary lineage} over their event files shows each pipeline's inputs and outputs.
   */
  @Test
  public void sampleRunsOfBothPipelinesEmitEventsAndShowInTributaryLineage() throws Exception {
    Path runs = tmp.newFolder("runs").toPath();
    Path orders = martOrders();
    clickstreamRunEmitsStartAndCompleteWithDatasets(runs.resolve("clickstream"));
    ordersMartEventsNameItsFilesAndPostgresTablesWithSchemas(runs.resolve("mart"), orders);

    java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
    java.io.PrintStream print =
        new java.io.PrintStream(text, true, java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(
        0,
        io.tributary.pipelines.cli.Tributary.run(
            new String[] {"lineage", "lake/daily_category_revenue", "--events=" + runs},
            print,
            print));
    assertEquals(
        0,
        io.tributary.pipelines.cli.Tributary.run(
            new String[] {"lineage", "clickstream/aggregates", "--events=" + runs}, print, print));
    String tree = text.toString(java.nio.charset.StandardCharsets.UTF_8);
    System.out.print(tree);
    assertThat(tree, containsString("file:" + runs.resolve("mart/lake/daily_category_revenue")));
    assertThat(tree, containsString("<- job tributary.orders-mart.orders.jsonl+1-"));
    assertThat(tree, containsString("<- file:" + orders.toAbsolutePath().normalize()));
    assertThat(
        tree,
        containsString(
            "<- file:" + Testdata.file("cdc/products.jsonl").toAbsolutePath().normalize()));
    assertThat(tree, containsString("file:" + runs.resolve("clickstream/aggregates")));
    assertThat(tree, containsString("<- job tributary.clickstream.small.jsonl-"));
    assertThat(
        tree,
        containsString(
            "<- file:" + Testdata.file("clickstream/small.jsonl").toAbsolutePath().normalize()));
  }

  private void clickstreamRunEmitsStartAndCompleteWithDatasets(Path out) throws Exception {
    Files.createDirectories(out);
    ClickstreamOptions options = TestRunners.options().as(ClickstreamOptions.class);
    options.setInput(Testdata.file("clickstream/small.jsonl").toString());
    options.setOutput(out.toString());
    PipelineRun.run(new ClickstreamJob(), options);

    List<JsonNode> events = events(out.resolve("_openlineage.jsonl"));
    assertEquals(2, events.size());
    assertEquals("START", events.get(0).get("eventType").asText());
    assertEquals("COMPLETE", events.get(1).get("eventType").asText());
    assertEquals(events.get(0).at("/run/runId"), events.get(1).at("/run/runId"));
    JsonNode complete = events.get(1);
    // The job is the pipeline over its inputs: another input file would be another job.
    assertEquals(
        PipelineRun.lineageJob(
            "clickstream",
            "",
            List.of(
                io.tributary.transforms.lineage.LineageDataset.file(
                    Testdata.file("clickstream/small.jsonl")
                        .toAbsolutePath()
                        .normalize()
                        .toString()))),
        complete.at("/job/name").asText());
    assertThat(
        complete.at("/job/name").asText(),
        org.hamcrest.Matchers.matchesPattern("clickstream\\.small\\.jsonl-[0-9a-f]{6}"));
    assertEquals(
        Testdata.file("clickstream/small.jsonl").toAbsolutePath().normalize().toString(),
        complete.at("/inputs/0/name").asText());
    assertEquals("event_id", complete.at("/inputs/0/facets/schema/fields/0/name").asText());
    assertEquals(out.resolve("aggregates").toString(), complete.at("/outputs/0/name").asText());
    assertEquals(7, complete.at("/outputs/1/outputFacets/outputStatistics/rowCount").asLong());
  }

  private static JsonNode find(JsonNode datasets, String nameSuffix) {
    for (JsonNode d : datasets) {
      if (d.path("name").asText().endsWith(nameSuffix)) {
        return d;
      }
    }
    throw new AssertionError("no dataset named ..." + nameSuffix + " in " + datasets);
  }

  @Test
  public void clickstreamWithChecksCarriesQualityFacetsColumnLineageStagesCostAndReport()
      throws Exception {
    Path out = tmp.newFolder("checked").toPath();
    ClickstreamOptions options = TestRunners.options().as(ClickstreamOptions.class);
    options.setInput(Testdata.file("clickstream/small.jsonl").toString());
    options.setOutput(out.toString());
    options.setChecks(Testdata.file("clickstream/checks.json").toString());
    options.as(RunOptions.class).setPricePerVcpuHour(0.04);
    options.as(RunOptions.class).setPricePerGbStored(0.02);
    RunSummary summary = PipelineRun.run(new ClickstreamJob(), options);

    List<JsonNode> events = events(out.resolve("_openlineage.jsonl"));
    JsonNode complete = events.get(1);
    assertEquals("COMPLETE", complete.get("eventType").asText());
    // 1000 read - 5 decode - 2 validate dead letters = 993 rows reach the quality stage
    JsonNode dq = complete.at("/inputs/0/inputFacets/dataQualityMetrics");
    assertEquals(993, dq.get("rowCount").asLong());
    assertEquals(true, dq.at("/columnMetrics/email").has("nullCount"));
    JsonNode assertions = complete.at("/inputs/0/inputFacets/dataQualityAssertions/assertions");
    assertEquals(4, assertions.size());
    boolean uniquenessFailed = false;
    for (JsonNode a : assertions) {
      if (a.get("assertion").asText().startsWith("uniqueness(event_id)")) {
        // the sample repeats 10 event ids before dedup
        uniquenessFailed = !a.get("success").asBoolean();
        assertEquals("event_id", a.get("column").asText());
      }
      if (a.get("assertion").asText().startsWith("size between")) {
        assertEquals(true, a.get("success").asBoolean());
      }
    }
    assertEquals(true, uniquenessFailed);
    // START knows no quality yet
    assertEquals(false, events.get(0).at("/inputs/0").has("inputFacets"));

    JsonNode quarantine = find(complete.get("outputs"), "/quarantine");
    JsonNode record = quarantine.at("/facets/columnLineage/fields/record/inputFields");
    java.util.Map<String, Boolean> masking = new java.util.TreeMap<>();
    record.forEach(
        f -> masking.put(f.get("field").asText(), f.at("/transformations/0/masking").asBoolean()));
    // the contract marks email and ip as personal data (masked by the default policy) and
    // user_agent (dropped: it leaves the record)
    assertEquals(true, masking.get("email"));
    assertEquals(true, masking.get("ip"));
    assertEquals(false, masking.get("event_id"));
    assertEquals(null, masking.get("user_agent"));
    assertEquals(
        io.tributary.pipelines.clickstream.ClickstreamPipeline.EVENT_SCHEMA.getFieldCount() - 1,
        masking.size());
    JsonNode aggregates = find(complete.get("outputs"), "/aggregates");
    assertEquals(
        "user_id",
        aggregates.at("/facets/columnLineage/fields/distinct_users/inputFields/0/field").asText());
    assertEquals(
        "AGGREGATION",
        aggregates
            .at(
                "/facets/columnLineage/fields/distinct_users/inputFields/0/transformations/0/subtype")
            .asText());

    // per-stage metrics, chained and balanced
    JsonNode json = mapper.readTree(Files.readString(out.resolve(RunSummary.FILE_NAME)));
    java.util.Map<String, JsonNode> stages = new java.util.LinkedHashMap<>();
    json.get("stages").forEach(st -> stages.put(st.get("stage").asText(), st));
    assertEquals(
        List.of("decode", "validate", "quality", "protect", "event_time", "dedup", "window"),
        new java.util.ArrayList<>(stages.keySet()));
    assertEquals(1000, stages.get("decode").get("records_in").asLong());
    assertEquals(995, stages.get("decode").get("records_out").asLong());
    assertEquals(1, stages.get("decode").at("/dead_lettered/not_json").asLong());
    assertEquals(993, stages.get("validate").get("records_out").asLong());
    assertEquals(0, stages.get("quality").path("quarantined").asLong(0)); // zero exits are left out
    assertEquals(993, stages.get("quality").get("records_out").asLong());
    assertEquals(993, stages.get("event_time").get("records_in").asLong());
    assertEquals(10, stages.get("dedup").get("deduplicated").asLong());
    assertEquals(983, stages.get("dedup").get("records_out").asLong());
    assertEquals(983, stages.get("dedup").at("/processing_lag_ms/count").asLong());
    assertEquals(983, stages.get("window").get("records_out").asLong());
    stages
        .values()
        .forEach(st -> assertEquals(st.toString(), true, st.get("balanced").asBoolean()));

    // cost: CPU of this JVM, the sample's bytes, the estimate at the given prices
    JsonNode cost = json.get("cost");
    assertEquals(
        Files.size(Testdata.file("clickstream/small.jsonl")), cost.get("bytes_read").asLong());
    assertThat(cost.get("cpu_seconds").asDouble(), org.hamcrest.Matchers.greaterThan(0.0));
    assertThat(cost.get("bytes_written").asLong(), org.hamcrest.Matchers.greaterThan(0L));
    assertEquals(
        cost.get("cpu_seconds").asDouble() / 3600 * 0.04
            + cost.get("bytes_written").asLong() / 1e9 * 0.02,
        cost.at("/estimate/total").asDouble(),
        1e-12);
    assertThat(summary.toText(), containsString("cost: cpu "));

    String report = Files.readString(out.resolve(RunReport.FILE_NAME));
    assertThat(report, containsString("<table id=\"stages\">"));
    assertThat(report, containsString("<svg"));
    assertThat(report, containsString("FAILED"));
  }

  /**
   * The first 80 change events of testdata/cdc/orders.jsonl, as {@code cdc/orders.jsonl} in a
   * folder of this test: lineage needs the mart's datasets, not all 609 events (the whole file made
   * this the longest test of the module on the Direct runner, which pays per key and window).
   */
  private Path martOrders() throws Exception {
    Path file = tmp.newFolder("mart-input", "cdc").toPath().resolve("orders.jsonl");
    List<String> lines = Files.readAllLines(Testdata.file("cdc/orders.jsonl"));
    Files.write(file, lines.subList(0, 80));
    return file;
  }

  private void ordersMartEventsNameItsFilesAndPostgresTablesWithSchemas(Path out, Path orders)
      throws Exception {
    Files.createDirectories(out);
    io.tributary.io.jdbc.JdbcTarget db =
        io.tributary.io.jdbc.testing.Postgres.server().freshDatabase();
    io.tributary.pipelines.ordersmart.OrdersMartOptions options =
        TestRunners.options().as(io.tributary.pipelines.ordersmart.OrdersMartOptions.class);
    options.setOrders(orders.toString());
    options.setProducts(Testdata.file("cdc/products.jsonl").toString());
    options.setOutput(out.toString());
    options.setJdbcUrl(db.url());
    options.setJdbcUser("postgres");
    options.setJdbcPassword("postgres");
    PipelineRun.run(new io.tributary.pipelines.ordersmart.OrdersMartJob(), options);

    List<JsonNode> events = events(out.resolve("_openlineage.jsonl"));
    assertEquals(
        List.of("START", "COMPLETE"),
        List.of(events.get(0).get("eventType").asText(), events.get(1).get("eventType").asText()));
    JsonNode complete = events.get(1);
    assertThat(
        complete.at("/job/name").asText(),
        org.hamcrest.Matchers.matchesPattern("orders-mart\\.orders\\.jsonl\\+1-[0-9a-f]{6}"));
    JsonNode input = find(complete.get("inputs"), "cdc/orders.jsonl");
    assertEquals("file", input.get("namespace").asText());
    assertEquals("order_id", input.at("/facets/schema/fields/0/name").asText());
    String database = db.url().replaceAll("^.*/([^/?]+)(\\?.*)?$", "$1");
    JsonNode table = find(complete.get("outputs"), database + ".public.daily_category_revenue");
    assertEquals(
        "postgres://localhost:" + io.tributary.io.jdbc.testing.Postgres.server().port(),
        table.get("namespace").asText());
    assertEquals("revenue", table.at("/facets/schema/fields/3/name").asText());
    JsonNode lake = find(complete.get("outputs"), "/lake/orders_history");
    assertThat(lake.at("/facets/schema/fields").toString(), containsString("valid_from"));
  }

  @Test
  public void clickstreamFailedRunEmitsFailWithItsDatasets() throws Exception {
    Path out = tmp.newFolder("clickstream-fail").toPath();
    ClickstreamOptions options = TestRunners.options().as(ClickstreamOptions.class);
    // the input is missing: matching it fails at run time
    options.setInput(out.resolve("no-such-clicks.jsonl").toString());
    options.setOutput(out.toString());
    assertThrows(RuntimeException.class, () -> PipelineRun.run(new ClickstreamJob(), options));
    List<JsonNode> events = events(out.resolve("_openlineage.jsonl"));
    assertEquals(2, events.size());
    assertEquals("START", events.get(0).get("eventType").asText());
    assertEquals("FAIL", events.get(1).get("eventType").asText());
    assertThat(
        events.get(1).at("/run/facets/errorMessage/stackTrace").asText(),
        containsString("no-such-clicks.jsonl"));
    assertEquals(
        out.resolve("no-such-clicks.jsonl").toString(),
        events.get(1).at("/inputs/0/name").asText());
    assertEquals("event_id", events.get(1).at("/inputs/0/facets/schema/fields/0/name").asText());
    assertEquals(
        "user_id",
        find(events.get(1).get("outputs"), "/aggregates")
            .at("/facets/columnLineage/fields/distinct_users/inputFields/0/field")
            .asText());
  }

  @Test
  public void ordersMartFailedRunEmitsFailWithItsDatasets() throws Exception {
    Path out = tmp.newFolder("mart-fail").toPath();
    io.tributary.pipelines.ordersmart.OrdersMartOptions options =
        TestRunners.options().as(io.tributary.pipelines.ordersmart.OrdersMartOptions.class);
    // the orders change log is missing: the read fails at run time
    options.setOrders(out.resolve("no-such-orders.jsonl").toString());
    options.setProducts(Testdata.file("cdc/products.jsonl").toString());
    options.setOutput(out.toString());
    assertThrows(
        RuntimeException.class,
        () -> PipelineRun.run(new io.tributary.pipelines.ordersmart.OrdersMartJob(), options));
    List<JsonNode> events = events(out.resolve("_openlineage.jsonl"));
    assertEquals(2, events.size());
    assertEquals("FAIL", events.get(1).get("eventType").asText());
    assertThat(
        events.get(1).at("/run/facets/errorMessage/message").asText(),
        containsString("no-such-orders.jsonl"));
    assertEquals(
        out.resolve("no-such-orders.jsonl").toString(),
        events.get(1).at("/inputs/0/name").asText());
    assertEquals(4, events.get(1).get("outputs").size());
  }

  @Test
  public void erasureFailedRunEmitsFailWithItsDatasets() throws Exception {
    Path out = tmp.newFolder("erasure-fail").toPath();
    Path config = out.resolve("erasure.json");
    java.nio.file.Files.writeString(
        config,
        "{\"datasets\":[{\"name\":\"dl\",\"kind\":\"jsonl\",\"path\":\""
            + out.resolve("dead-letter")
            + "\",\"subject\":\"user_id\",\"action\":\"delete\"}]}");
    io.tributary.pipelines.erasure.ErasureOptions options =
        TestRunners.options().as(io.tributary.pipelines.erasure.ErasureOptions.class);
    // no --keyset: the pipeline cannot even be built, and the run still leaves START and FAIL
    options.setRequests(out.resolve("no-such-requests.txt").toString());
    options.setConfig(config.toString());
    options.setOutput(out.toString());
    options.setSubjectKeys(out.resolve("keys").toString());
    assertThrows(
        RuntimeException.class,
        () -> PipelineRun.run(new io.tributary.pipelines.erasure.ErasureJob(), options));
    List<JsonNode> events = events(out.resolve("_openlineage.jsonl"));
    assertEquals(2, events.size());
    assertEquals("START", events.get(0).get("eventType").asText());
    assertEquals("FAIL", events.get(1).get("eventType").asText());
    assertThat(
        events.get(1).at("/run/facets/errorMessage/message").asText(), containsString("--keyset"));
    assertEquals(
        out.resolve("no-such-requests.txt").toString(),
        events.get(1).at("/inputs/0/name").asText());
    assertEquals(
        out.resolve("dead-letter").toString(),
        find(events.get(1).get("outputs"), "/dead-letter").get("name").asText());
  }

  /** A job whose one step throws on every element. */
  static class FailingJob implements PipelineDefinition {
    private final String out;

    FailingJob(String out) {
      this.out = out;
    }

    @Override
    public String name() {
      return "always-fails";
    }

    @Override
    public String summary() {
      return "test job";
    }

    @Override
    public Class<? extends PipelineOptions> optionsClass() {
      return PipelineOptions.class;
    }

    @Override
    public void validate(PipelineOptions options) {}

    @Override
    public String outputDirectory(PipelineOptions options) {
      return out;
    }

    @Override
    public String input(PipelineOptions options) {
      return out + "/in";
    }

    @Override
    public void build(Pipeline pipeline, PipelineOptions options) {
      pipeline
          .apply(Create.of(1, 2, 3))
          .apply(
              "Explode",
              MapElements.into(TypeDescriptors.integers())
                  .via(
                      i -> {
                        throw new IllegalStateException("injected failure on element " + i);
                      }));
    }
  }

  @Test
  public void failedRunEmitsStartAndFailWithTheError() throws Exception {
    Path out = tmp.newFolder("failing").toPath();
    assertThrows(
        RuntimeException.class,
        () -> PipelineRun.run(new FailingJob(out.toString()), TestRunners.options()));
    List<JsonNode> events = events(out.resolve("_openlineage.jsonl"));
    assertEquals(2, events.size());
    assertEquals("START", events.get(0).get("eventType").asText());
    assertEquals("FAIL", events.get(1).get("eventType").asText());
    assertThat(
        events.get(1).at("/run/facets/errorMessage/stackTrace").asText(),
        containsString("injected failure on element"));

    // The failed run leaves its summary and report too, naming the first error.
    JsonNode summary = new ObjectMapper().readTree(out.resolve("_run_summary.json").toFile());
    assertEquals("FAILED", summary.get("state").asText());
    assertThat(
        summary.at("/error/message").asText(),
        containsString("IllegalStateException: injected failure on element"));
    String report = Files.readString(out.resolve("_run_report.html"));
    assertThat(report, containsString("<p id=\"error\" class=\"bad\">"));
    assertThat(report, containsString("injected failure on element"));
  }

  @Test
  public void aRunThatCannotBeBuiltLeavesASummaryNamingTheBuild() throws Exception {
    Path out = tmp.newFolder("unbuildable").toPath();
    PipelineDefinition unbuildable =
        new FailingJob(out.toString()) {
          @Override
          public void build(Pipeline pipeline, PipelineOptions options) {
            throw new IllegalArgumentException("--window: expected fixed:DURATION, got 'daily'");
          }
        };
    assertThrows(
        IllegalArgumentException.class, () -> PipelineRun.run(unbuildable, TestRunners.options()));
    JsonNode summary = new ObjectMapper().readTree(out.resolve("_run_summary.json").toFile());
    assertEquals("FAILED", summary.get("state").asText());
    assertEquals("build", summary.at("/error/stage").asText());
    assertEquals(
        "IllegalArgumentException: --window: expected fixed:DURATION, got 'daily'",
        summary.at("/error/message").asText());
    assertThat(
        Files.readString(out.resolve("_run_report.html")),
        containsString("In stage <code>build</code>"));
  }
}
