package io.tributary.io.formats;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertThrows;

import io.tributary.io.schema.RegisteredSchema;
import io.tributary.testing.TestRunners;
import io.tributary.transforms.errors.Rejection;
import io.tributary.transforms.json.RowJsonText;
import java.io.File;
import java.io.FileOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.FileIO;
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
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Each format round-trips through a pipeline, and each bad-input class is dead-lettered exactly.
 */
@RunWith(JUnit4.class)
public class FormatsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  static final Schema ORDER_V2 =
      new Schema.Parser()
          .parse(
              "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"t\",\"fields\":["
                  + "{\"name\":\"id\",\"type\":\"string\"},"
                  + "{\"name\":\"qty\",\"type\":\"int\"},"
                  + "{\"name\":\"seq\",\"type\":\"long\"},"
                  + "{\"name\":\"price\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":12,\"scale\":2}},"
                  + "{\"name\":\"ratio\",\"type\":\"double\"},"
                  + "{\"name\":\"paid\",\"type\":\"boolean\"},"
                  + "{\"name\":\"at\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
                  + "{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null}]}");
  static final RegisteredSchema ORDER = RegisteredSchema.unregistered(ORDER_V2);

  /** Collects bad records as "stage/reason" strings. */
  static final class Reasons extends PTransform<PCollection<BadRecord>, PCollection<String>> {
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

  static List<Row> rows() {
    org.apache.beam.sdk.schemas.Schema s = ORDER.beamSchema();
    List<Row> rows = new ArrayList<>();
    rows.add(
        Row.withSchema(s)
            .addValues(
                "o-1",
                2,
                10L,
                new BigDecimal("19.99"),
                0.5,
                true,
                new Instant(1_793_523_600_000L),
                "gift, \"wrapped\"")
            .build());
    rows.add(
        Row.withSchema(s)
            .addValues(
                "o-2",
                1,
                11L,
                new BigDecimal("5.00"),
                1.25,
                false,
                new Instant(1_793_523_601_000L),
                null)
            .build());
    rows.add(
        Row.withSchema(s)
            .addValues(
                "o-3",
                7,
                12L,
                new BigDecimal("1200.00"),
                0.0,
                true,
                new Instant(1_793_523_602_123L),
                "multi\nline")
            .build());
    return rows;
  }

  static List<String> rendered(List<Row> rows) {
    List<String> out = new ArrayList<>();
    rows.forEach(r -> out.add(RowJsonText.render(r)));
    return out;
  }

  private PCollection<String> readBack(String glob, ReadRows read) {
    return p.apply("Match", FileIO.match().filepattern(glob))
        .apply("Open", FileIO.readMatches())
        .apply("Read", read)
        .apply("Render", MapElements.into(TypeDescriptors.strings()).via(RowJsonText::render));
  }

  private void roundTrip(FileFormat format, char delimiter) throws Exception {
    String dir = tmp.newFolder(format.name()).toString();
    Pipeline writer = Pipeline.create(TestRunners.options());
    writer
        .apply("Rows", Create.of(rows()).withRowSchema(ORDER.beamSchema()))
        .apply("Write", WriteRows.to(dir, format, ORDER).withDelimiter(delimiter));
    writer.run().waitUntilFinish();

    PAssert.that(
            readBack(
                dir + "/part-*" + format.suffix(),
                ReadRows.of(format, ORDER).withDelimiter(delimiter)))
        .containsInAnyOrder(rendered(rows()));
    p.run().waitUntilFinish();
  }

  @Test
  public void jsonLinesRoundTrip() throws Exception {
    roundTrip(FileFormat.JSONL, ',');
  }

  @Test
  public void csvRoundTripWithQuotingAndSemicolons() throws Exception {
    roundTrip(FileFormat.CSV, ';');
  }

  @Test
  public void avroRoundTrip() throws Exception {
    roundTrip(FileFormat.AVRO, ',');
  }

  @Test
  public void parquetRoundTrip() throws Exception {
    roundTrip(FileFormat.PARQUET, ',');
  }

  @Test
  public void csvDeadLettersEachBadInputClass() throws Exception {
    Path dir = tmp.newFolder("csv").toPath();
    Files.writeString(
        dir.resolve("a.csv"),
        String.join(
            "\n",
            "note,id,qty,seq,price,ratio,paid,at,extra", // columns in any order, extra ignored
            "hi,o-1,2,10,19.99,0.5,true,2026-11-01T10:00:00+01:00,x",
            ",o-2,1,11,5.00,1.25,false,2026-11-01T09:00:01Z,",
            "x,,1,11,5.00,1.25,false,2026-11-01T09:00:01Z,", // missing_field: id empty
            "x,o-4,two,11,5.00,1.25,false,2026-11-01T09:00:01Z,", // wrong_type: qty text
            "x,o-5,1.5,11,5.00,1.25,false,2026-11-01T09:00:01Z,", // wrong_type: qty decimal
            "x,o-6,1,11,5.00,1.25,yes,2026-11-01T09:00:01Z,", // wrong_type: paid
            "x,o-7,1,11,5.00,1.25,true,2026-11-01 09:00:01,", // bad_timestamp: no offset
            ""));
    Files.writeString(
        dir.resolve("b.csv"), "id,qty\no-8,1\n"); // missing_column: one dead letter for the file
    Files.writeString(
        dir.resolve("c.csv"),
        "id,qty,seq,price,ratio,paid,at,note\n"
            + "o-9,1,1,1.00,1,true,2026-11-01T09:00:00Z,ok\n"
            + "o-10,1,1,1.00,1,true,2026-11-01T09:00:00Z,\"unclosed\n"); // bad_csv: rest of file
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new Reasons());
    PCollection<String> good =
        readBack(
            dir + "/*.csv", ReadRows.of(FileFormat.CSV, ORDER).withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(good)
        .satisfies(
            rows -> {
              List<String> ids = new ArrayList<>();
              rows.forEach(r -> ids.add(r.substring(0, r.indexOf(',', 0))));
              assertThat(ids.toString(), ids.size() == 3);
              return null;
            });
    PAssert.that(handler.getOutput())
        .containsInAnyOrder(
            "decode/missing_field",
            "decode/wrong_type",
            "decode/wrong_type",
            "decode/wrong_type",
            "decode/bad_timestamp",
            "decode/missing_column",
            "decode/bad_csv");
    p.run().waitUntilFinish();
  }

  @Test
  public void truncatedGzipCsvKeepsTheRecordsBeforeTheDamage() throws Exception {
    Path dir = tmp.newFolder("csv-gz").toPath();
    java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
      out.write("id,qty,seq,price,ratio,paid,at,note\n".getBytes(StandardCharsets.UTF_8));
      for (int i = 0; i < 5000; i++) {
        out.write(
            ("o-" + i + ",1," + i + ",1.00,1,true,2026-11-01T09:00:00Z,n\n")
                .getBytes(StandardCharsets.UTF_8));
      }
    }
    byte[] all = gz.toByteArray();
    Files.write(dir.resolve("cut.csv.gz"), java.util.Arrays.copyOf(all, all.length / 2));
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new Reasons());
    PCollection<String> good =
        readBack(
            dir + "/*.csv.gz",
            ReadRows.of(FileFormat.CSV, ORDER).withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(good)
        .satisfies(
            rows -> {
              int n = 0;
              for (String unused : rows) {
                n++;
              }
              assertThat("some records before the cut, not all: " + n, n > 0 && n < 5000);
              return null;
            });
    PAssert.that(handler.getOutput()).containsInAnyOrder("decode/corrupt_file");
    p.run().waitUntilFinish();
  }

  @Test
  public void csvMessagesNameFieldAndValueTypeButNotTheValue() throws Exception {
    CsvCodec codec = new CsvCodec(ORDER.beamSchema(), "decode");
    java.util.Map<String, Integer> columns = new java.util.HashMap<>();
    List<String> names = ORDER.beamSchema().getFieldNames();
    for (int i = 0; i < names.size(); i++) {
      columns.put(names.get(i), i);
    }
    io.tributary.transforms.errors.RecordRejectedException e =
        assertThrows(
            io.tributary.transforms.errors.RecordRejectedException.class,
            () ->
                codec.decode(
                    List.of("o", "secret@x.com", "1", "1", "1", "true", "2026-11-01T00:00:00Z", ""),
                    columns,
                    "f.csv record 2"));
    assertThat(
        e.description(),
        containsString(
            "decode/wrong_type: f.csv record 2: field 'qty' must be an integer (INT32), got text of 12 characters"));
    assertThat(e.getMessage(), org.hamcrest.Matchers.not(containsString("secret")));
  }

  @Test
  public void avroResolvesOlderWritersAndDeadLettersUnresolvableAndCorruptFiles() throws Exception {
    Path dir = tmp.newFolder("avro").toPath();
    // v1 of the contract: no "note" (v2 added it with a default) and qty was... an int already.
    Schema v1 =
        new Schema.Parser()
            .parse(
                ORDER_V2
                    .toString()
                    .replace(
                        ",{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null}",
                        ""));
    GenericRecord old = new GenericData.Record(v1);
    old.put("id", "o-old");
    old.put("qty", 3);
    old.put("seq", 1L);
    old.put(
        "price", java.nio.ByteBuffer.wrap(new BigDecimal("2.50").unscaledValue().toByteArray()));
    old.put("ratio", 1.0);
    old.put("paid", true);
    old.put("at", 1_793_523_600_000L);
    writeAvro(dir.resolve("old.avro").toFile(), v1, old);
    // A writer whose qty is a string cannot be read as int: the whole file is one dead letter.
    Schema incompatible =
        new Schema.Parser()
            .parse(
                ORDER_V2
                    .toString()
                    .replace(
                        "{\"name\":\"qty\",\"type\":\"int\"}",
                        "{\"name\":\"qty\",\"type\":\"string\"}"));
    GenericRecord bad = new GenericData.Record(incompatible);
    for (Schema.Field f : incompatible.getFields()) {
      bad.put(
          f.name(),
          f.name().equals("qty") ? "three" : old.hasField(f.name()) ? old.get(f.name()) : null);
    }
    writeAvro(dir.resolve("incompatible.avro").toFile(), incompatible, bad);
    Files.write(
        dir.resolve("corrupt.avro"),
        "Obj\u0001 definitely not avro".getBytes(StandardCharsets.ISO_8859_1));

    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new Reasons());
    PCollection<String> good =
        readBack(
            dir + "/*.avro",
            ReadRows.of(FileFormat.AVRO, ORDER).withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(good)
        .containsInAnyOrder(
            "{\"id\":\"o-old\",\"qty\":3,\"seq\":1,\"price\":2.50,\"ratio\":1.0,\"paid\":true,\"at\":\"2026-11-01T09:00:00.000Z\",\"note\":null}");
    PAssert.that(handler.getOutput())
        .containsInAnyOrder("decode/unresolvable_schema", "decode/corrupt_file");
    p.run().waitUntilFinish();
  }

  private static void writeAvro(File file, Schema schema, GenericRecord... records)
      throws Exception {
    try (DataFileWriter<GenericRecord> w =
        new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(schema))) {
      w.create(schema, new FileOutputStream(file));
      for (GenericRecord r : records) {
        w.append(r);
      }
    }
  }

  @Test
  public void displayDataAndConstructionErrors() {
    DisplayData read =
        DisplayData.from(
            ReadRows.of(FileFormat.CSV, ORDER).withDelimiter(';').withStageName("ingest"));
    assertThat(read.toString(), containsString("CSV"));
    assertThat(read.toString(), containsString("ingest"));
    assertThat(read.toString(), containsString(";"));
    DisplayData write =
        DisplayData.from(WriteRows.to("/tmp/x", FileFormat.PARQUET, ORDER).withNumShards(2));
    assertThat(write.toString(), containsString("PARQUET"));
    assertThat(write.toString(), containsString("/tmp/x"));
    assertThrows(
        IllegalArgumentException.class,
        () -> ReadRows.of(FileFormat.CSV, ORDER).withDelimiter('"'));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> FileFormat.parse("xml"));
    assertThat(e.getMessage(), containsString("[jsonl, csv, avro, parquet]"));
    p.enableAbandonedNodeEnforcement(false);
  }
}
