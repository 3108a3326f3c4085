package io.tributary.transforms.json;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.Assert.assertThrows;

import io.tributary.transforms.errors.DeadLetters;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
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
                    String[] d = DeadLetters.parseDescription(r.getFailure().getDescription());
                    return d[0] + "/" + d[1];
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
    p.run().waitUntilFinish();
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
    DisplayData data = DisplayData.from(DecodeJson.toRows(SCHEMA).withStage("ingest"));
    assertThat(data.asMap().keySet().toString(), containsString("stage"));
    assertThat(data.toString(), containsString("ingest"));
  }

  @Test
  public void rejectsNullSchemaAndEmptyStage() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DecodeJson.toRows(null));
    assertThat(e.getMessage(), containsString("DecodeJson.toRows"));
    assertThrows(IllegalArgumentException.class, () -> DecodeJson.toRows(SCHEMA).withStage(""));
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
