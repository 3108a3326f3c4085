package io.tributary.io.formats;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.tributary.transforms.lookup.Lookup;
import io.tributary.transforms.lookup.MissingKey;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Reference tables read from JSON lines and CSV files, alone and through a lookup. */
@RunWith(JUnit4.class)
public class ReferenceFilesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  static final Schema DEVICE =
      Schema.builder()
          .addStringField("device_id")
          .addStringField("site")
          .addNullableInt32Field("floor")
          .build();
  static final Schema READING =
      Schema.builder().addStringField("device_id").addDoubleField("value").build();

  private File write(String name, String text) throws IOException {
    File f = tmp.newFile(name);
    Files.writeString(f.toPath(), text, StandardCharsets.UTF_8);
    return f;
  }

  private static List<Row> read(ReferenceFiles t) throws IOException {
    List<Row> rows = new ArrayList<>();
    t.read(rows::add);
    return rows;
  }

  private static Row device(String id, String site, Integer floor) {
    return Row.withSchema(DEVICE).addValues(id, site, floor).build();
  }

  @Test
  public void jsonLinesAndCsvGiveTheSameRows() throws IOException {
    write(
        "devices.jsonl",
        "{\"device_id\":\"d1\",\"site\":\"north\",\"floor\":2}\n"
            + "{\"device_id\":\"d2\",\"site\":\"south\"}\n");
    write("devices.csv", "site,device_id,floor\nnorth,d1,2\nsouth,d2,\n");
    List<Row> expected = List.of(device("d1", "north", 2), device("d2", "south", null));
    assertEquals(
        expected, read(ReferenceFiles.of(FileFormat.JSONL, tmp.getRoot() + "/*.jsonl", DEVICE)));
    assertEquals(
        expected, read(ReferenceFiles.of(FileFormat.CSV, tmp.getRoot() + "/*.csv", DEVICE)));
  }

  @Test
  public void aBadLineOrNoFileFailsTheReadNamingIt() throws IOException {
    File f =
        write(
            "devices.jsonl", "{\"device_id\":\"d1\",\"site\":\"north\"}\n{\"device_id\":\"d2\"}\n");
    IOException e =
        assertThrows(
            IOException.class,
            () -> read(ReferenceFiles.of(FileFormat.JSONL, f.getPath(), DEVICE)));
    assertThat(e.getMessage(), containsString("devices.jsonl line 2"));
    assertThat(e.getMessage(), containsString("missing_field"));
    IOException none =
        assertThrows(
            IOException.class,
            () ->
                read(ReferenceFiles.of(FileFormat.JSONL, tmp.getRoot() + "/nope*.jsonl", DEVICE)));
    assertThat(none.getMessage(), containsString("no file matches the glob"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> ReferenceFiles.of(FileFormat.PARQUET, f.getPath(), DEVICE))
            .getMessage(),
        containsString("ReferenceFiles.of: a reference table is read from jsonl or csv files"));
  }

  @Test
  public void aLookupEnrichesFromTheFiles() throws IOException {
    File f =
        write(
            "devices.jsonl",
            "{\"device_id\":\"d1\",\"site\":\"north\"}\n{\"device_id\":\"d2\",\"site\":\"south\"}\n");
    PCollection<Row> out =
        p.apply(
                Create.of(
                        Row.withSchema(READING).addValues("d1", 1.5).build(),
                        Row.withSchema(READING).addValues("d2", 2.5).build(),
                        Row.withSchema(READING).addValues("d1", 3.5).build())
                    .withRowSchema(READING))
            .apply(
                Lookup.fromTable(ReferenceFiles.of(FileFormat.JSONL, f.getPath(), DEVICE))
                    .by("device_id")
                    .withField("site")
                    .withMissingKey(MissingKey.DEAD_LETTER));
    Schema s = out.getSchema();
    PAssert.that(out)
        .containsInAnyOrder(
            Row.withSchema(s).addValues("d1", 1.5, "north").build(),
            Row.withSchema(s).addValues("d2", 2.5, "south").build(),
            Row.withSchema(s).addValues("d1", 3.5, "north").build());
    p.run();
  }
}
