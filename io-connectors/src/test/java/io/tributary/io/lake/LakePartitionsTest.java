package io.tributary.io.lake;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** LakePartitions on whichever runner this surefire execution targets. */
@RunWith(JUnit4.class)
public class LakePartitionsTest {
  @Rule
  public final transient TestPipeline p =
      TestPipeline.create().enableAbandonedNodeEnforcement(false);

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  static final Schema SCHEMA =
      Schema.builder().addStringField("id").addDateTimeField("at").addInt64Field("n").build();
  static final long NOV1 = 1_793_491_200_000L; // 2026-11-01T00:00Z
  static final long DAY = 86_400_000L;

  static Row row(String id, long at, long n) {
    return Row.withSchema(SCHEMA).addValues(id, new Instant(at), n).build();
  }

  private void write(Path root, List<Row> rows, List<String> owned, String fingerprint) {
    TestPipeline pipeline = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    pipeline
        .apply("Rows", Create.of(rows).withCoder(RowCoder.of(SCHEMA)))
        .apply(
            "Lake",
            LakePartitions.to(root.toString())
                .byDateOf("at")
                .withPartitions(owned)
                .withInputFingerprint(fingerprint));
    pipeline.run().waitUntilFinish();
  }

  static List<String> ids(Path file) throws Exception {
    List<String> ids = new ArrayList<>();
    try (DataFileReader<GenericRecord> r =
        new DataFileReader<>(new File(file.toString()), new GenericDatumReader<>())) {
      for (GenericRecord rec : r) {
        ids.add(rec.get("id").toString());
      }
    }
    return ids;
  }

  @Test
  public void writesPartitionsWithMarkersAndReplacesThemOnRerun() throws Exception {
    Path root = tmp.newFolder("lake").toPath();
    List<Row> rows =
        List.of(row("b", NOV1 + 5, 2), row("a", NOV1 + 1, 1), row("c", NOV1 + DAY + 7, 3));
    PAssert.that(
            p.apply(Create.of(rows).withCoder(RowCoder.of(SCHEMA)))
                .apply(
                    "Lake",
                    LakePartitions.to(root.toString())
                        .byDateOf("at")
                        .withPartitions(List.of("2026-11-01", "2026-11-02", "2026-11-03"))
                        .withInputFingerprint("fp1")))
        .containsInAnyOrder(
            KV.of("dt=2026-11-01", 2L), KV.of("dt=2026-11-02", 1L), KV.of("dt=2026-11-03", 0L));
    p.run().waitUntilFinish();

    assertEquals(List.of("a", "b"), ids(root.resolve("dt=2026-11-01/part-00000.avro")));
    assertEquals(List.of("c"), ids(root.resolve("dt=2026-11-02/part-00000.avro")));
    // An owned partition without rows is written empty, so a rerun clears it.
    assertEquals(List.of(), ids(root.resolve("dt=2026-11-03/part-00000.avro")));
    assertEquals(
        2, LakePartitions.marker(root.toString(), "dt=2026-11-01").get().get("rows").asInt());
    assertEquals(
        "fp1",
        LakePartitions.marker(root.toString(), "dt=2026-11-01")
            .get()
            .get("input_fingerprint")
            .asText());
    byte[] first = Files.readAllBytes(root.resolve("dt=2026-11-01/part-00000.avro"));

    // Same rows again, in another order: byte-identical files (no duplicates, no random sync
    // marker).
    write(
        root,
        List.of(rows.get(2), rows.get(0), rows.get(1)),
        List.of("2026-11-01", "2026-11-02"),
        "fp1");
    assertTrue(
        java.util.Arrays.equals(
            first, Files.readAllBytes(root.resolve("dt=2026-11-01/part-00000.avro"))));
    // A rerun of one partition with other rows replaces it whole and leaves the others alone.
    write(root, List.of(row("z", NOV1 + 9, 9)), List.of("2026-11-01"), "fp2");
    assertEquals(List.of("z"), ids(root.resolve("dt=2026-11-01/part-00000.avro")));
    assertEquals(List.of("c"), ids(root.resolve("dt=2026-11-02/part-00000.avro")));
    assertEquals(
        "fp2",
        LakePartitions.marker(root.toString(), "dt=2026-11-01")
            .get()
            .get("input_fingerprint")
            .asText());
    try (var s = Files.list(root)) {
      assertFalse(
          "no temporary directories left",
          s.anyMatch(x -> x.getFileName().toString().startsWith(".")));
    }
  }

  @Test
  public void leftoversOfAKilledRunAreNotPartitionsAndAreCleanedUp() throws Exception {
    Path root = tmp.newFolder("lake").toPath();
    Files.createDirectories(root.resolve(".tmp-dead/dt=2026-11-01"));
    Files.writeString(root.resolve(".tmp-dead/dt=2026-11-01/part-00000.avro"), "half");
    assertFalse(LakePartitions.marker(root.toString(), "dt=2026-11-01").isPresent());
    assertEquals(1, LakePartitions.cleanUp(root.toString()));
    assertFalse(Files.exists(root.resolve(".tmp-dead")));
  }

  @Test
  public void hourlyPartitionsAndErrors() {
    assertEquals(
        "dt=2026-11-01/hour=05",
        LakePartitions.partitionOf(new Instant(NOV1 + 5 * 3_600_000L + 1), true));
    assertEquals(
        "dt=2026-11-01",
        LakePartitions.partitionOf(java.time.LocalDate.parse("2026-11-01"), false));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> LakePartitions.to("gs://b/x"))
            .getMessage(),
        containsString("not a local path"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> LakePartitions.to("/x").withPartitions(List.of("11/01/2026")))
            .getMessage(),
        containsString("YYYY-MM-DD"));
  }

  @Test
  public void displayData() {
    String data =
        DisplayData.from(LakePartitions.to("/lake/x").byDateOf("dt").withInputFingerprint("abc"))
            .toString();
    assertThat(data, containsString("/lake/x"));
    assertThat(data, containsString("field=dt"));
    assertThat(data, containsString("abc"));
  }
}
