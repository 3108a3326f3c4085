package io.tributary.io.formats;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.io.deadletter.DeadLetterFiles;
import io.tributary.io.files.FileSource;
import io.tributary.io.schema.RegisteredSchema;
import io.tributary.io.testing.SourceStageAssert;
import io.tributary.testing.TestRunners;
import io.tributary.transforms.expr.MapFields;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageAccounting;
import io.tributary.transforms.privacy.PrivacyPolicy;
import io.tributary.transforms.privacy.Protect;
import io.tributary.transforms.stages.RecordStages;
import io.tributary.transforms.time.EventTime;
import io.tributary.transforms.validate.RowRule;
import io.tributary.transforms.validate.Validate;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@link ReadRows} is one accounted stage in every format: exact {@code in}, {@code out} and
 * rejections by reason from the run's accounting, the same {@code in} in the in-JVM mirror the
 * progress line reads, and blank lines counted and rejected as {@code empty_line}.
 */
@RunWith(JUnit4.class)
public class ReadRowsAccountingTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  private static final RegisteredSchema ORDER = FormatsTest.ORDER;

  private Path deadLetterDir;

  private BadRecordErrorHandler<?> deadLetters() throws Exception {
    deadLetterDir = tmp.newFolder("dead-letter").toPath();
    return p.registerBadRecordErrorHandler(DeadLetterFiles.to(deadLetterDir.toString()));
  }

  private List<JsonNode> readDeadLetters() throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    List<JsonNode> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(deadLetterDir)) {
      for (Path f : files.filter(Files::isRegularFile).collect(Collectors.toList())) {
        for (String line : Files.readAllLines(f)) {
          out.add(mapper.readTree(line));
        }
      }
    }
    return out;
  }

  private static List<String> stageAndReason(List<JsonNode> deadLetters) {
    return deadLetters.stream()
        .map(d -> d.get("stage").asText() + "/" + d.get("reason").asText())
        .collect(Collectors.toList());
  }

  private PCollection<String> ids(String glob, ReadRows read) {
    return p.apply("Files", FileSource.glob(glob))
        .apply("Read", read)
        .apply(
            "Ids", MapElements.into(TypeDescriptors.strings()).via((Row r) -> r.getString("id")));
  }

  @Test
  public void jsonLinesBlankLinesAreEmptyLinesOfTheOneStage() throws Exception {
    Path dir = tmp.newFolder("jsonl").toPath();
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    String row =
        "{\"id\":\"%s\",\"qty\":1,\"seq\":1,\"price\":1.00,\"ratio\":1.0,\"paid\":true,"
            + "\"at\":\"2026-11-01T09:00:00Z\"}\n";
    data.write(String.format(row, "a").getBytes(StandardCharsets.UTF_8));
    data.write("\n   \n\t\n".getBytes(StandardCharsets.UTF_8)); // three blank lines
    data.write("not json\n".getBytes(StandardCharsets.UTF_8));
    data.write(("{\"id\":\"" + "x".repeat(300) + "\"}\n").getBytes(StandardCharsets.UTF_8));
    data.write(new byte[] {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xC3, '(', '"', '}', '\n'});
    data.write(String.format(row, "b").getBytes(StandardCharsets.UTF_8));
    Files.write(dir.resolve("a.jsonl"), data.toByteArray());
    BadRecordErrorHandler<?> handler = deadLetters();
    PCollection<String> ids =
        ids(
            dir + "/*.jsonl",
            ReadRows.of(FileFormat.JSONL, ORDER)
                .withLimits(RecordLimits.defaults().withMaxRecordBytes(200))
                .withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(ids).containsInAnyOrder("a", "b");
    SourceStageAssert stage = SourceStageAssert.before(p);
    PipelineResult result = p.run();
    result.waitUntilFinish();

    stage.check(
        result,
        "decode",
        8,
        2,
        Map.of("empty_line", 3L, "not_json", 1L, "too_large", 1L, "invalid_utf8", 1L));
    List<JsonNode> dl = readDeadLetters();
    assertThat(
        stageAndReason(dl),
        containsInAnyOrder(
            "decode/empty_line",
            "decode/empty_line",
            "decode/empty_line",
            "decode/not_json",
            "decode/too_large",
            "decode/invalid_utf8"));
    for (JsonNode d : dl) {
      if (d.get("reason").asText().equals("empty_line")) {
        assertThat(d.get("message").asText(), equalTo("line is empty; expected a JSON object"));
      }
    }
  }

  @Test
  public void csvBlankLinesAnywhereAreEmptyLinesAndNumberedRecords() throws Exception {
    Path dir = tmp.newFolder("csv").toPath();
    Files.writeString(
        dir.resolve("a.csv"),
        "\n" // before the header
            + "id,qty,seq,price,ratio,paid,at,note\n"
            + "o-1,2,10,19.99,0.5,true,2026-11-01T10:00:00+01:00,hi\n" // record 1
            + "\n" // record 2
            + "   \n" // record 3
            + "o-2,two,11,5.00,1.25,false,2026-11-01T09:00:01Z,\n" // record 4: wrong_type
            + "o-3,1,11,5.00,1.25,false,2026-11-01T09:00:01Z,\n" // record 5
            + "\t\n"); // record 6
    Files.writeString(
        dir.resolve("b.csv"), // no blank line: numbered as before
        "id,qty,seq,price,ratio,paid,at,note\n"
            + "o-4,1,11,5.00,1.25,false,2026-11-01T09:00:01Z,\n"
            + "o-5,x,11,5.00,1.25,false,2026-11-01T09:00:01Z,\n");
    BadRecordErrorHandler<?> handler = deadLetters();
    PCollection<String> ids =
        ids(dir + "/*.csv", ReadRows.of(FileFormat.CSV, ORDER).withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(ids).containsInAnyOrder("o-1", "o-3", "o-4");
    SourceStageAssert stage = SourceStageAssert.before(p);
    PipelineResult result = p.run();
    result.waitUntilFinish();

    stage.check(result, "decode", 9, 3, Map.of("empty_line", 4L, "wrong_type", 2L));
    List<String> messages = new ArrayList<>();
    for (JsonNode d : readDeadLetters()) {
      assertThat(d.get("stage").asText(), equalTo("decode"));
      String m = d.get("message").asText();
      String where = m.substring(0, m.indexOf(": "));
      messages.add(where.substring(where.lastIndexOf('/') + 1));
      if (d.get("reason").asText().equals("empty_line")) {
        assertThat(m, containsString(": the line is blank; expected a CSV record"));
      }
    }
    assertThat(
        messages,
        containsInAnyOrder(
            "a.csv before the header",
            "a.csv record 2",
            "a.csv record 3",
            "a.csv record 4",
            "a.csv record 6",
            "b.csv record 2"));
  }

  @Test
  public void csvEmptyFileIsStillOneMissingColumn() throws Exception {
    Path dir = tmp.newFolder("csv-empty").toPath();
    Files.writeString(dir.resolve("empty.csv"), "");
    BadRecordErrorHandler<?> handler = deadLetters();
    PCollection<String> ids =
        ids(dir + "/*.csv", ReadRows.of(FileFormat.CSV, ORDER).withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(ids).empty();
    SourceStageAssert stage = SourceStageAssert.before(p);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    stage.check(result, "decode", 1, 0, Map.of("missing_column", 1L));
  }

  @Test
  public void avroRecordsAndFileLevelRejections() throws Exception {
    Path dir = tmp.newFolder("avro").toPath();
    Schema schema = FormatsTest.ORDER_V2;
    GenericRecord a = record(schema, "o-a");
    GenericRecord b = record(schema, "o-b");
    writeAvro(dir.resolve("good.avro"), schema, a, b);
    Schema incompatible =
        new Schema.Parser()
            .parse(
                schema
                    .toString()
                    .replace(
                        "{\"name\":\"qty\",\"type\":\"int\"}",
                        "{\"name\":\"qty\",\"type\":\"string\"}"));
    GenericRecord bad = new GenericData.Record(incompatible);
    for (Schema.Field f : incompatible.getFields()) {
      bad.put(f.name(), f.name().equals("qty") ? "three" : a.get(f.name()));
    }
    writeAvro(dir.resolve("incompatible.avro"), incompatible, bad);
    Files.write(
        dir.resolve("corrupt.avro"), "Obj\u0001 not avro".getBytes(StandardCharsets.ISO_8859_1));
    BadRecordErrorHandler<?> handler = deadLetters();
    PCollection<String> ids =
        ids(
            dir + "/*.avro",
            ReadRows.of(FileFormat.AVRO, ORDER).withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(ids).containsInAnyOrder("o-a", "o-b");
    SourceStageAssert stage = SourceStageAssert.before(p);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    stage.check(result, "decode", 4, 2, Map.of("unresolvable_schema", 1L, "corrupt_file", 1L));
  }

  @Test
  public void parquetRecordsAreCountedInAndOut() throws Exception {
    String dir = tmp.newFolder("parquet").toString();
    Pipeline writer = Pipeline.create(TestRunners.options());
    writer
        .apply("Rows", Create.of(FormatsTest.rows()).withRowSchema(ORDER.beamSchema()))
        .apply("Write", WriteRows.to(dir, FileFormat.PARQUET, ORDER));
    writer.run().waitUntilFinish();
    PCollection<String> ids =
        ids(dir + "/part-*" + FileFormat.PARQUET.suffix(), ReadRows.of(FileFormat.PARQUET, ORDER));
    PAssert.that(ids).containsInAnyOrder("o-1", "o-2", "o-3");
    SourceStageAssert stage = SourceStageAssert.before(p);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    stage.check(result, "decode", 3, 3, Map.of());
  }

  @Test
  public void aStageNameNamesTheCountersAndTheRejections() throws Exception {
    Path dir = tmp.newFolder("named").toPath();
    writeAvro(dir.resolve("good.avro"), FormatsTest.ORDER_V2, record(FormatsTest.ORDER_V2, "o-a"));
    Files.write(dir.resolve("corrupt.avro"), "not avro".getBytes(StandardCharsets.UTF_8));
    BadRecordErrorHandler<?> handler = deadLetters();
    PCollection<String> ids =
        ids(
            dir + "/*.avro",
            ReadRows.of(FileFormat.AVRO, ORDER)
                .withStageName("read")
                .withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(ids).containsInAnyOrder("o-a");
    SourceStageAssert stage = SourceStageAssert.before(p);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    stage.check(result, "read", 2, 1, Map.of("corrupt_file", 1L));
    assertThat(stageAndReason(readDeadLetters()), containsInAnyOrder("read/corrupt_file"));
  }

  /** ORDER rows with price 1.00 (a) and 5.00 (b), one line that is not JSON. */
  private String validationInput() throws Exception {
    Path dir = tmp.newFolder("validated").toPath();
    String row =
        "{\"id\":\"%s\",\"qty\":1,\"seq\":1,\"price\":%s,\"ratio\":1.0,\"paid\":true,"
            + "\"at\":\"2026-11-01T09:00:00Z\"}\n";
    Files.writeString(
        dir.resolve("a.jsonl"),
        String.format(row, "a", "1.00") + "not json\n" + String.format(row, "b", "5.00"));
    return dir + "/*.jsonl";
  }

  private static Validate atLeastThree(BadRecordErrorHandler<?> handler) {
    return Validate.rows()
        .withRule(RowRule.atLeast("price", new BigDecimal("3")).withReason("cheap"))
        .withBadRecordErrorHandler(handler);
  }

  /**
   * The one expectation of ReadRows with a fused validation and of ReadRows then Validate: rows,
   * dead letters and both stages' accounting.
   */
  private void assertReadAndValidated(PCollection<String> ids) throws Exception {
    PAssert.that(ids).containsInAnyOrder("b");
    SourceStageAssert stage = SourceStageAssert.before(p);
    assertThat(stage.graph().stage("validate").feeders(), equalTo(java.util.Set.of("decode")));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    stage.check(result, "decode", 3, 2, Map.of("not_json", 1L));
    StageAccounting validate =
        RunAccounting.from(result, stage.graph()).stages().stream()
            .filter(s -> s.name().equals("validate"))
            .findFirst()
            .orElseThrow();
    assertThat(validate.in(), equalTo(2L));
    assertThat(validate.out(), equalTo(1L));
    assertThat(validate.rejected(), equalTo(Map.of("cheap", 1L)));
    List<JsonNode> dl = readDeadLetters();
    assertThat(stageAndReason(dl), containsInAnyOrder("decode/not_json", "validate/cheap"));
    for (JsonNode d : dl) {
      if (d.get("reason").asText().equals("cheap")) {
        assertThat(d.get("message").asText(), equalTo("field 'price' must be >= 3"));
        assertThat(d.get("payload").asText(), containsString("\"id\":\"a\""));
      }
    }
  }

  @Test
  public void withValidationGivesWhatReadRowsThenValidateGive() throws Exception {
    String glob = validationInput();
    BadRecordErrorHandler<?> handler = deadLetters();
    PCollection<String> ids =
        ids(
            glob,
            ReadRows.of(FileFormat.JSONL, ORDER)
                .withBadRecordErrorHandler(handler)
                .withValidation(atLeastThree(handler)));
    handler.close();
    assertReadAndValidated(ids);
  }

  @Test
  public void readRowsThenValidate() throws Exception {
    String glob = validationInput();
    BadRecordErrorHandler<?> handler = deadLetters();
    PCollection<String> ids =
        p.apply("Files", FileSource.glob(glob))
            .apply("Read", ReadRows.of(FileFormat.JSONL, ORDER).withBadRecordErrorHandler(handler))
            .apply("Validate", atLeastThree(handler))
            .apply(
                "Ids",
                MapElements.into(TypeDescriptors.strings()).via((Row r) -> r.getString("id")));
    handler.close();
    assertReadAndValidated(ids);
  }

  /** Validate, MapFields, Protect (which loads its policy on the worker) and EventTime. */
  private static RecordStages fourStages(BadRecordErrorHandler<?> handler) {
    return RecordStages.of(
        atLeastThree(handler),
        MapFields.of(Map.of("label", "id.upperAscii()"))
            .withAppend(true)
            .withStageName("label")
            .withBadRecordErrorHandler(handler),
        Protect.with(PrivacyPolicy.of(Map.of("note", "drop"))).withBadRecordErrorHandler(handler),
        EventTime.fromField("at").withBadRecordErrorHandler(handler));
  }

  /**
   * Each read row as "id label fields @timestamp": the stages ran in the reading step (label added,
   * note dropped, the event time stamped).
   */
  private PCollection<String> shown(String glob, ReadRows read) {
    PCollection<Row> rows = p.apply("Files", FileSource.glob(glob)).apply("Read", read);
    return rows.apply("Show", ParDo.of(new Show()));
  }

  private static final class Show extends DoFn<Row, String> {
    @ProcessElement
    public void process(@Element Row r, @Timestamp Instant t, OutputReceiver<String> out) {
      out.output(
          r.getString("id")
              + " "
              + r.getString("label")
              + " "
              + r.getSchema().getFieldNames()
              + " @"
              + t);
    }
  }

  private void assertFourStages(PCollection<String> shown, String rejectedId) throws Exception {
    PAssert.that(shown)
        .containsInAnyOrder(
            "b B [id, qty, seq, price, ratio, paid, at, label] @2026-11-01T09:00:00.000Z");
    SourceStageAssert stage = SourceStageAssert.before(p);
    assertThat(stage.graph().stage("event_time").feeders(), equalTo(java.util.Set.of("protect")));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    Map<String, String> counts = new java.util.TreeMap<>();
    for (StageAccounting s : RunAccounting.from(result, stage.graph()).stages()) {
      counts.put(s.name(), s.in() + ">" + s.out() + " " + s.rejected());
    }
    assertThat(
        counts,
        equalTo(
            Map.of(
                "decode", "3>2 " + Map.of(rejectedId, 1L),
                "validate", "2>1 {cheap=1}",
                "label", "1>1 {}",
                "protect", "1>1 {}",
                "event_time", "1>1 {}")));
    assertThat(
        stageAndReason(readDeadLetters()),
        containsInAnyOrder("decode/" + rejectedId, "validate/cheap"));
  }

  @Test
  public void withStagesRunsFourStagesInTheJsonLinesReadingStep() throws Exception {
    String glob = validationInput();
    BadRecordErrorHandler<?> handler = deadLetters();
    PCollection<String> shown =
        shown(
            glob,
            ReadRows.of(FileFormat.JSONL, ORDER)
                .withBadRecordErrorHandler(handler)
                .withStages(fourStages(handler)));
    handler.close();
    assertFourStages(shown, "not_json");
  }

  @Test
  public void withStagesRunsFourStagesInTheAvroReadingStep() throws Exception {
    Path dir = tmp.newFolder("avro-stages").toPath();
    GenericRecord b = record(FormatsTest.ORDER_V2, "b");
    b.put("price", java.nio.ByteBuffer.wrap(new BigDecimal("5.00").unscaledValue().toByteArray()));
    writeAvro(dir.resolve("a.avro"), FormatsTest.ORDER_V2, record(FormatsTest.ORDER_V2, "a"), b);
    Files.writeString(dir.resolve("z.avro"), "not avro");
    BadRecordErrorHandler<?> handler = deadLetters();
    PCollection<String> shown =
        shown(
            dir + "/*.avro",
            ReadRows.of(FileFormat.AVRO, ORDER)
                .withBadRecordErrorHandler(handler)
                .withStages(fourStages(handler)));
    handler.close();
    assertFourStages(shown, "corrupt_file");
  }

  @Test
  public void withValidationRefusesAnotherHandlerOrTheSameStageName() throws Exception {
    BadRecordErrorHandler<?> handler = deadLetters();
    IllegalArgumentException handlers =
        assertThrows(
            IllegalArgumentException.class,
            () -> ReadRows.of(FileFormat.CSV, ORDER).withValidation(atLeastThree(handler)));
    assertThat(handlers.getMessage(), containsString("must send rejections to the same handler"));
    IllegalArgumentException names =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ReadRows.of(FileFormat.CSV, ORDER)
                    .withBadRecordErrorHandler(handler)
                    .withValidation(atLeastThree(handler).withStageName("decode")));
    assertThat(names.getMessage(), containsString("share the stage name 'decode'"));
    handler.close();
    p.enableAbandonedNodeEnforcement(false);
  }

  @Test
  public void stageNamesAreChecked() {
    assertThat(ReadRows.of(FileFormat.CSV, ORDER).stageName(), equalTo("decode"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ReadRows.of(FileFormat.CSV, ORDER).withStageName("Decode CSV"));
    assertThat(e.getMessage(), containsString("ReadRows.withStageName"));
    p.enableAbandonedNodeEnforcement(false);
  }

  private static GenericRecord record(Schema schema, String id) {
    GenericRecord r = new GenericData.Record(schema);
    r.put("id", id);
    r.put("qty", 3);
    r.put("seq", 1L);
    r.put("price", java.nio.ByteBuffer.wrap(new BigDecimal("2.50").unscaledValue().toByteArray()));
    r.put("ratio", 1.0);
    r.put("paid", true);
    r.put("at", 1_793_523_600_000L);
    r.put("note", null);
    return r;
  }

  private static void writeAvro(Path file, Schema schema, GenericRecord... records)
      throws Exception {
    try (DataFileWriter<GenericRecord> w =
        new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(schema))) {
      w.create(schema, new FileOutputStream(file.toFile()));
      for (GenericRecord r : records) {
        w.append(r);
      }
    }
  }
}
