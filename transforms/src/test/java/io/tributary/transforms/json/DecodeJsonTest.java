package io.tributary.transforms.json;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.tributary.testing.Counters;
import io.tributary.transforms.errors.Rejection;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageGraph;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class DecodeJsonTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final Schema SCHEMA =
      Schema.builder()
          .addStringField("id")
          .addDecimalField("price")
          .addDateTimeField("at")
          .addNullableField("note", FieldType.STRING)
          .build();

  /** Collects bad records as "stage/reason" strings, so tests can assert exact counts. */
  static final class ReasonsSink extends PTransform<PCollection<BadRecord>, PCollection<String>> {
    @Override
    public PCollection<String> expand(PCollection<BadRecord> input) {
      return input.apply(
          MapElements.into(TypeDescriptors.strings())
              .via(
                  r -> {
                    Rejection d = Rejection.from(r);
                    return d.stage() + "/" + d.reason();
                  }));
    }
  }

  @Test
  public void decodesValidLinesAndDeadLettersEachDefectClass() {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new ReasonsSink());
    PCollection<Row> rows =
        p.apply(
                Create.of(
                    "{\"id\":\"a\",\"price\":19.99,\"at\":\"2026-11-01T10:00:00+01:00\",\"extra\":1}",
                    "{\"id\":\"b\",\"price\":1,\"at\":\"2026-11-01T09:00:00Z\",\"note\":\"x\"}",
                    "<html>not json</html>", // not_json
                    "{\"id\":\"c\",\"price\":1.0,\"at\":\"2026-11", // truncated_json
                    "{\"price\":1.0,\"at\":\"2026-11-01T09:00:00Z\"}", // missing_field id
                    "{\"id\":\"d\",\"price\":\"twelve\",\"at\":\"2026-11-01T09:00:00Z\"}", // wrong_type
                    "{\"id\":\"e\",\"price\":2,\"at\":\"2026-11-01T09:00:00\"}", // bad_timestamp:
                    // no offset
                    "   ", // empty_line
                    "[1,2]", // not_json: not an object
                    "{\"id\":\"f\",\"price\":2,\"at\":\"2026-11-01T09:00:00Z\"} trailing")) // not_json
            .apply(DecodeJson.toRows(SCHEMA).withBadRecordErrorHandler(handler));
    handler.close();
    StageGraph graph = StageGraph.of(p);

    PAssert.that(rows)
        .containsInAnyOrder(
            Row.withSchema(SCHEMA)
                .addValues("a", new BigDecimal("19.99"), new Instant(1_793_523_600_000L), null)
                .build(),
            Row.withSchema(SCHEMA)
                .addValues("b", new BigDecimal("1"), new Instant(1_793_523_600_000L), "x")
                .build());
    PAssert.that(handler.getOutput())
        .containsInAnyOrder(
            "decode/not_json",
            "decode/truncated_json",
            "decode/missing_field",
            "decode/wrong_type",
            "decode/bad_timestamp",
            "decode/empty_line",
            "decode/not_json",
            "decode/not_json");
    PipelineResult run = p.run();
    run.waitUntilFinish();
    // Ten lines in: two decoded, eight rejections (the blank line among them), nothing else.
    Counters.assertStage(
        Counters.stage(run, graph, "decode"),
        10,
        2,
        Map.of(
            "not_json", 3L,
            "truncated_json", 1L,
            "missing_field", 1L,
            "wrong_type", 1L,
            "bad_timestamp", 1L,
            "empty_line", 1L),
        Map.of());
    RunAccounting line = Counters.accounting(run, graph);
    assertEquals(10, line.read());
    assertEquals(2, line.written());
    assertTrue(line.line(), line.balanced());
  }

  @Test
  public void withStageNameNamesTheAccountingAndTheRejections() {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new ReasonsSink());
    p.apply(Create.of("{\"id\":\"a\",\"price\":1,\"at\":\"2026-11-01T09:00:00Z\"}", "nope"))
        .apply(
            DecodeJson.toRows(SCHEMA).withStageName("ingest").withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(handler.getOutput()).containsInAnyOrder("ingest/not_json");
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "ingest"), 2, 1, Map.of("not_json", 1L), Map.of());
    assertEquals(1, Counters.get(run, "dead_letter.ingest.not_json"));
    assertThrows(
        IllegalArgumentException.class, () -> DecodeJson.toRows(SCHEMA).withStageName("Bad-Name"));
  }

  @Test
  public void hostileLinesBecomeOneDeadLetterEachWithTheirReason() {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new ReasonsSink());
    String ok = "\"id\":\"a\",\"at\":\"2026-11-01T09:00:00Z\"";
    PCollection<Row> rows =
        p.apply(
                Create.of(
                    "{" + ok + ",\"price\":19.9}",
                    "{" + ok + ",\"note\":" + "[".repeat(1001) + "]".repeat(1001) + "}",
                    "{" + ok + ",\"price\":1" + "0".repeat(200) + "}",
                    "{" + ok + ",\"price\":1,\"price\":2}",
                    "{" + ok + ",\"price\":1e400}",
                    "{" + ok + ",\"price\":19.999}",
                    "{" + ok + ",\"price\":1234567890123}",
                    "{\"id\":\"b\",\"price\":1,\"at\":\"+292278994-01-01T00:00:00Z\"}",
                    "{\"id\":\"c\",\"price\":1,\"at\":\"-0001-01-01T00:00:00Z\"}",
                    "1".repeat(2 << 20),
                    "[".repeat(2 << 20)))
            .apply(
                DecodeJson.toRows(SCHEMA)
                    .withDecimalBounds(Map.of("price", DecimalBound.of(12, 2)))
                    .withBadRecordErrorHandler(handler));
    handler.close();

    PAssert.that(rows)
        .containsInAnyOrder(
            Row.withSchema(SCHEMA)
                .addValues("a", new BigDecimal("19.9"), new Instant(1_793_523_600_000L), null)
                .build());
    PAssert.that(handler.getOutput())
        .containsInAnyOrder(
            "decode/too_deep",
            "decode/number_too_long",
            "decode/duplicate_key",
            "decode/out_of_range",
            "decode/out_of_range",
            "decode/out_of_range",
            "decode/out_of_range",
            "decode/out_of_range",
            "decode/too_large",
            "decode/too_large");
    p.run().waitUntilFinish();
  }

  /** Keeps reason, payload length and message of each bad record. */
  static final class PayloadSink extends PTransform<PCollection<BadRecord>, PCollection<String>> {
    @Override
    public PCollection<String> expand(PCollection<BadRecord> input) {
      return input.apply(
          MapElements.into(TypeDescriptors.strings())
              .via(
                  r -> {
                    Rejection d = Rejection.from(r);
                    return d.reason()
                        + "|"
                        + r.getRecord().getHumanReadableJsonRecord().length()
                        + "|"
                        + d.message();
                  }));
    }
  }

  @Test
  public void tooLargeLineKeepsATruncatedPayloadWithLengthAndHash() throws Exception {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new PayloadSink());
    String line = "7".repeat(5000);
    p.apply(Create.of(line))
        .apply(
            DecodeJson.toRows(SCHEMA)
                .withLimits(
                    RecordLimits.defaults().withMaxRecordBytes(1000).withKeptPayloadBytes(100))
                .withBadRecordErrorHandler(handler));
    handler.close();
    StringBuilder sha = new StringBuilder();
    for (byte b :
        MessageDigest.getInstance("SHA-256").digest(line.getBytes(StandardCharsets.UTF_8))) {
      sha.append(String.format("%02x", b));
    }
    PAssert.that(handler.getOutput())
        .containsInAnyOrder(
            // 100 digits, quoted as a JSON string in the human-readable form
            "too_large|102|record is 5000 bytes of UTF-8, more than maxRecordBytes 1000; the dead "
                + "letter keeps the first 100 bytes; sha-256 of the full record: "
                + sha);
    p.run().waitUntilFinish();
  }

  @Test
  public void acceptedLinesThatBreakACountRuleAreCountedOncePerLine() {
    PCollection<Row> rows =
        p.apply(
                Create.of(
                    // two duplicates and two unknown fields: one count each
                    "{\"id\":\"a\",\"price\":1,\"price\":2,\"at\":\"2026-11-01T09:00:00Z\","
                        + "\"at\":\"2026-11-01T09:00:00Z\",\"x\":1,\"y\":2}",
                    "{\"id\":\"b\",\"price\":1,\"at\":\"2026-11-01T09:00:00Z\",\"x\":1}",
                    "{\"id\":\"c\",\"price\":1,\"at\":\"2026-11-01T09:00:00Z\"}"))
            .apply(
                DecodeJson.toRows(SCHEMA)
                    .withStageName("ingest")
                    .withLimits(
                        RecordLimits.defaults()
                            .withDuplicateKeys(RecordLimits.Rule.COUNT)
                            .withUnknownFields(RecordLimits.Rule.COUNT)));
    PAssert.that(
            rows.apply(MapElements.into(TypeDescriptors.strings()).via(r -> r.getString("id"))))
        .containsInAnyOrder("a", "b", "c");
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertEquals(1, Counters.get(result, "noted.ingest.duplicate_key"));
    assertEquals(2, Counters.get(result, "noted.ingest.unknown_field"));
  }

  @Test
  public void unknownFieldUnderRejectIsADeadLetterAndNotCounted() {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new ReasonsSink());
    p.apply(
            Create.of(
                "{\"id\":\"b\",\"price\":1,\"at\":\"2026-11-01T09:00:00Z\",\"x\":1}",
                "{\"id\":\"c\",\"price\":1,\"at\":\"2026-11-01T09:00:00Z\"}"))
        .apply(
            DecodeJson.toRows(SCHEMA)
                .withLimits(RecordLimits.defaults().withUnknownFields(RecordLimits.Rule.REJECT))
                .withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(handler.getOutput()).containsInAnyOrder("decode/unknown_field");
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertEquals(0, Counters.get(result, "noted.decode.unknown_field"));
    assertEquals(1, Counters.get(result, "dead_letter.decode.unknown_field"));
  }

  @Test
  public void decimalBoundsMustNameDecimalFields() {
    p.enableAbandonedNodeEnforcement(false);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                p.apply(Create.of("{}"))
                    .apply(
                        DecodeJson.toRows(SCHEMA)
                            .withDecimalBounds(Map.of("id", DecimalBound.of(4, 2)))));
    assertThat(e.getMessage(), containsString("DecodeJson.withDecimalBounds: 'id' does not name"));
  }

  @Test
  public void messagesNameTheFieldButNotTheValue() throws Exception {
    DecodeJson.DecodeFn fn = new DecodeJson.DecodeFn(SCHEMA, "decode", null);
    fn.setup();
    List<String> messages = new ArrayList<>();
    for (String line :
        List.of(
            "{\"id\":\"secret@example.com\",\"price\":\"secret@example.com\",\"at\":\"2026-11-01T09:00:00Z\"}",
            "{\"id\":\"x\",\"price\":1,\"at\":\"secret@example.com\"}")) {
      try {
        fn.decode(line);
      } catch (io.tributary.transforms.errors.RecordRejectedException e) {
        messages.add(e.description());
      }
    }
    assertThat(
        messages, hasItem("decode/wrong_type: field 'price' must be a number, got a JSON string"));
    assertThat(
        messages.get(1), containsString("field 'at' is not an ISO-8601 timestamp with offset"));
    for (String m : messages) {
      assertThat(m, org.hamcrest.Matchers.not(containsString("secret")));
    }
  }

  @Test
  public void withoutHandlerABadLineFailsThePipeline() {
    p.apply(Create.of("not json")).apply(DecodeJson.toRows(SCHEMA));
    Exception e = assertThrows(Exception.class, () -> p.run().waitUntilFinish());
    assertThat(rootMessage(e), containsString("line is not valid JSON"));
  }

  @Test
  public void displayDataListsSettings() {
    DisplayData data =
        DisplayData.from(
            DecodeJson.toRows(SCHEMA)
                .withStageName("ingest")
                .withDecimalBounds(Map.of("price", DecimalBound.of(12, 2))));
    assertThat(data.asMap().keySet().toString(), containsString("stage"));
    assertThat(data.asMap().keySet().toString(), containsString("limits"));
    assertThat(data.toString(), containsString("DECIMAL(12,2)"));
    assertThat(data.toString(), containsString("ingest"));
  }

  @Test
  public void rejectsNullSchemaAndEmptyStage() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DecodeJson.toRows(null));
    assertThat(e.getMessage(), containsString("DecodeJson.toRows"));
    assertThrows(IllegalArgumentException.class, () -> DecodeJson.toRows(SCHEMA).withStageName(""));
    p.enableAbandonedNodeEnforcement(false);
  }

  static String rootMessage(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      b.append(t.getMessage()).append(" | ");
      if (t.getCause() == t) {
        break;
      }
    }
    return b.toString();
  }
}
