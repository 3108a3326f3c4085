package io.tributary.pipelines.runtime;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.io.deadletter.DeadLetterFiles;
import io.tributary.io.files.FileSource;
import io.tributary.io.files.ReadLines;
import io.tributary.testing.TestRunners;
import io.tributary.transforms.cdc.Cdc;
import io.tributary.transforms.dedup.Dedup;
import io.tributary.transforms.json.DecodeJson;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.StageCounters;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The accounting is structural: a pipeline with two Dedup stages and a Cdc stage (the composition
 * that used to report a wrong line) gets exact per-stage and whole-run numbers, on the runner this
 * execution uses (Direct and Flink), in the summary JSON, the text and the HTML report; a stage
 * that loses a record is reported as unbalanced.
 *
 * <p>Input: Kafka-style deliveries of Debezium change events, one JSON object per line: {@code
 * delivery_id} (the same for a producer's retry), {@code event_id} (the same for a republished
 * event) and the {@code envelope}.
 */
@RunWith(JUnit4.class)
public class StageAccountingRunTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  static final Schema DELIVERY =
      Schema.builder()
          .addStringField("delivery_id")
          .addStringField("event_id")
          .addStringField("envelope")
          .build();

  static final Schema ITEM =
      Schema.builder().addStringField("item_id").addInt64Field("quantity").build();

  /** A stage that loses every record whose event id ends in {@code suffix}, without a word. */
  static final class Leaky extends PTransform<PCollection<Row>, PCollection<Row>>
      implements AccountedStage {
    private final String suffix;

    Leaky(String suffix) {
      this.suffix = suffix;
    }

    @Override
    public String stageName() {
      return "leaky";
    }

    @Override
    public PCollection<Row> expand(PCollection<Row> input) {
      StageCounters counters = StageCounters.of("leaky");
      String s = suffix;
      return input
          .apply(
              ParDo.of(
                  new DoFn<Row, Row>() {
                    @ProcessElement
                    public void process(@Element Row row, OutputReceiver<Row> out) {
                      counters.in();
                      if (row.getString("event_id").endsWith(s)) {
                        return;
                      }
                      counters.out();
                      out.output(row);
                    }
                  }))
          .setRowSchema(input.getSchema());
    }
  }

  /** read -> decode -> dedup_delivery -> dedup_event [-> leaky] -> cdc. */
  static final class TwoDedupsAndCdc implements PipelineDefinition {
    private final String in;
    private final String out;
    private final boolean leaky;

    TwoDedupsAndCdc(String in, String out, boolean leaky) {
      this.in = in;
      this.out = out;
      this.leaky = leaky;
    }

    @Override
    public String name() {
      return "two-dedups-and-cdc";
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
      return in;
    }

    @Override
    public void build(Pipeline pipeline, PipelineOptions options) {
      BadRecordErrorHandler<?> deadLetters =
          pipeline.registerBadRecordErrorHandler(DeadLetterFiles.to(out + "/dead-letter"));
      PCollection<Row> unique =
          pipeline
              .apply("Match", FileSource.glob(in))
              .apply("Read", ReadLines.create().withBadRecordErrorHandler(deadLetters))
              .apply("Decode", DecodeJson.toRows(DELIVERY).withBadRecordErrorHandler(deadLetters))
              .apply(
                  "DedupDelivery",
                  Dedup.<Row>byField("delivery_id").withStageName("dedup_delivery"))
              .output()
              .apply("DedupEvent", Dedup.<Row>byField("event_id").withStageName("dedup_event"))
              .output();
      if (leaky) {
        unique = unique.apply("Leaky", new Leaky("-7"));
      }
      unique
          .apply(
              "Envelope",
              MapElements.into(TypeDescriptors.strings()).via(r -> r.getString("envelope")))
          .apply("Apply", Cdc.apply(ITEM, "item_id").withBadRecordErrorHandler(deadLetters));
      deadLetters.close();
    }
  }

  private static String envelope(String op, String id, long quantity, long lsn) {
    String image = "{\"item_id\":\"" + id + "\",\"quantity\":" + quantity + "}";
    return "{\"before\":"
        + ("c".equals(op) ? "null" : image)
        + ",\"after\":"
        + ("d".equals(op) ? "null" : image)
        + ",\"op\":\""
        + op
        + "\",\"source\":{\"lsn\":"
        + lsn
        + ",\"ts_ms\":"
        + (1_700_000_000_000L + lsn)
        + "},\"ts_ms\":"
        + (1_700_000_000_000L + lsn)
        + "}";
  }

  private static String delivery(String deliveryId, String eventId, String envelope) {
    return "{\"delivery_id\":\""
        + deliveryId
        + "\",\"event_id\":\""
        + eventId
        + "\",\"envelope\":"
        + new ObjectMapper().valueToTree(envelope)
        + "}";
  }

  /**
   * 23 lines: 12 distinct change events of 4 items, 3 producer retries (same delivery), 2
   * republished events (new delivery, same event), 2 events at a position the item already had, 1
   * tombstone, 1 envelope without op, 1 line that is not JSON and 1 blank line.
   */
  static List<String> lines() {
    List<String> lines = new ArrayList<>();
    List<String> events = new ArrayList<>();
    long lsn = 100;
    for (int item = 1; item <= 4; item++) {
      events.add(envelope("c", "i" + item, 1, lsn++));
      events.add(envelope("u", "i" + item, 2, lsn++));
      events.add(envelope("u", "i" + item, 3, lsn++));
    }
    for (int e = 0; e < events.size(); e++) {
      lines.add(delivery("d-" + e, "e-" + e, events.get(e)));
    }
    lines.add(delivery("d-0", "e-0", events.get(0))); // producer retries
    lines.add(delivery("d-1", "e-1", events.get(1)));
    lines.add(delivery("d-2", "e-2", events.get(2)));
    lines.add(delivery("d-100", "e-3", events.get(3))); // republished
    lines.add(delivery("d-101", "e-4", events.get(4)));
    lines.add(delivery("d-102", "e-102", events.get(5))); // a position item 2 already had
    lines.add(delivery("d-103", "e-103", events.get(6)));
    lines.add(delivery("d-104", "e-104", "null")); // tombstone
    lines.add(delivery("d-105", "e-105", "{\"before\":null,\"after\":{},\"source\":{\"lsn\":1}}"));
    lines.add("this is not json");
    lines.add("   ");
    return lines;
  }

  private RunSummary run(boolean leaky) throws Exception {
    Path in = tmp.newFile().toPath();
    Files.write(in, lines(), StandardCharsets.UTF_8);
    Path out = tmp.newFolder().toPath();
    return PipelineRun.run(
        new TwoDedupsAndCdc(in.toString(), out.toString(), leaky), TestRunners.options());
  }

  private static Map<String, JsonNode> stages(JsonNode summary) {
    Map<String, JsonNode> stages = new LinkedHashMap<>();
    summary.get("stages").forEach(s -> stages.put(s.get("stage").asText(), s));
    return stages;
  }

  private static void assertStage(
      Map<String, JsonNode> stages,
      String name,
      long in,
      long out,
      String rejected,
      String exit,
      long exited) {
    JsonNode s = stages.get(name);
    assertEquals(name + " in", in, s.get("records_in").asLong());
    assertEquals(name + " out", out, s.get("records_out").asLong());
    assertEquals(name + " rejected", rejected, s.get("dead_lettered").toString());
    if (exit != null) {
      assertEquals(name + " " + exit, exited, s.get(exit).asLong());
    }
    assertTrue(name + " balanced", s.get("balanced").asBoolean());
  }

  @Test
  public void twoDedupsAndCdcHaveExactPerStageAndRunNumbers() throws Exception {
    RunSummary summary = run(false);
    assertEquals(
        "read=23 = written=12 + dead-lettered=3 + quarantined=0 + deduplicated=8 + too-late=0"
            + " [balanced]",
        summary.accounting().line());

    JsonNode json = new ObjectMapper().readTree(summary.toJson());
    assertTrue(json.get("balanced").asBoolean());
    assertEquals(0, json.get("unbalanced_stages").size());
    Map<String, JsonNode> stages = stages(json);
    assertEquals(
        List.of("read", "decode", "dedup_delivery", "dedup_event", "cdc"),
        new ArrayList<>(stages.keySet()));
    assertStage(stages, "read", 23, 23, "{}", null, 0);
    assertStage(stages, "decode", 23, 21, "{\"empty_line\":1,\"not_json\":1}", null, 0);
    assertStage(stages, "dedup_delivery", 21, 18, "{}", "deduplicated", 3);
    assertStage(stages, "dedup_event", 18, 16, "{}", "deduplicated", 2);
    assertStage(stages, "cdc", 16, 12, "{\"missing_op\":1}", "deduplicated", 3);

    // Each stage's active span: first <= last, inside the run's wall clock, active_ms their gap.
    for (JsonNode st : stages.values()) {
      String name = st.get("stage").asText();
      java.time.Instant first = java.time.Instant.parse(st.get("first").asText());
      java.time.Instant last = java.time.Instant.parse(st.get("last").asText());
      assertFalse(name + " first <= last", last.isBefore(first));
      assertEquals(name, last.toEpochMilli() - first.toEpochMilli(), st.get("active_ms").asLong());
      assertFalse(name + " within the run", first.isBefore(summary.started()));
      assertFalse(name + " within the run", last.isAfter(summary.finished()));
    }

    String text = summary.toText();
    assertThat(text, containsString("dedup_delivery"));
    String html = RunReport.html(summary, List.of(), "");
    assertThat(html, containsString("<td class=\"l\">dedup_event</td>"));
    assertThat(html, containsString("<h3>Stage timeline</h3>"));
    assertThat(html, containsString("not its CPU time"));
    for (String stage : stages.keySet()) {
      assertThat(html, containsString("<rect class=\"bar\" data-stage=\"" + stage + "\""));
    }

    // The report links the outputs, shows throughput, hides what did not run, and shows the
    // event-time lag only for a streaming run.
    String out = summary.output();
    String report =
        RunReport.html(
            summary,
            List.of(),
            List.of(
                io.tributary.transforms.lineage.LineageDataset.file(out + "/rows"),
                io.tributary.transforms.lineage.LineageDataset.file("/elsewhere/archive"),
                io.tributary.transforms.lineage.LineageDataset.kafka("broker:9092", "clicks")),
            false,
            "",
            "");
    assertThat(report, containsString("<a href=\"rows/\">" + out + "/rows</a>"));
    assertThat(
        report, containsString("<a href=\"file:///elsewhere/archive\">/elsewhere/archive</a>"));
    assertThat(report, containsString("<li>kafka://broker:9092:clicks</li>"));
    assertThat(report, containsString("23 read in "));
    assertThat(report, containsString(" records/s"));
    assertThat(report, not(containsString("lag min")));
    assertThat(report, not(containsString("<h2>Quality</h2>")));
    assertThat(
        RunReport.html(summary, List.of(), List.of(), true, "", ""), containsString("lag min"));
    assertThat(summary.toText(), not(containsString("quality:")));
  }

  @Test
  public void aStageThatLosesARecordIsReportedUnbalanced() throws Exception {
    RunSummary summary = run(true);
    assertFalse(summary.accounting().balanced());
    assertThat(
        summary.accounting().line(),
        containsString("[UNBALANCED: 1 unaccounted; stage 'leaky' in=16 but out+exits=15]"));
    JsonNode json = new ObjectMapper().readTree(summary.toJson());
    assertFalse(json.get("balanced").asBoolean());
    assertEquals("[\"leaky\"]", json.get("unbalanced_stages").toString());
    assertEquals(1, stages(json).get("leaky").get("unaccounted").asLong());
    assertThat(summary.toText(), containsString("UNBALANCED (1 unaccounted)"));
    assertThat(RunReport.html(summary, List.of(), ""), containsString("NO: 1 unaccounted"));
  }
}
