package io.tributary.io.lake;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.extensions.avro.schemas.utils.AvroUtils;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * LakeErasure rewrites only the partitions holding the subject, keeps the marker consistent (row
 * count, checksum, input fingerprint, erased rows) and leaves no temporary directory. No pipeline:
 * identical on both surefire executions (ErasureScanIT covers partitions written by a pipeline).
 */
@RunWith(JUnit4.class)
public class LakeErasureTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  static final Schema ORDER =
      Schema.builder()
          .addStringField("order_id")
          .addStringField("customer_id")
          .addNullableField("note", Schema.FieldType.STRING)
          .addInt64Field("qty")
          .build();

  private static void partition(Path root, String name, String... rows) throws Exception {
    Path dir = root.resolve(name);
    Files.createDirectories(dir);
    org.apache.avro.Schema avro = LakePartitions.avroSchema(ORDER);
    try (OutputStream os = Files.newOutputStream(dir.resolve(LakePartitions.DATA_FILE));
        DataFileWriter<GenericRecord> w =
            new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(avro))) {
      w.create(avro, os);
      for (String r : rows) {
        String[] f = r.split(",", -1);
        w.append(
            AvroUtils.toGenericRecord(
                Row.withSchema(ORDER).addValues(f[0], f[1], "note of " + f[1], 1L).build(), avro));
      }
    }
    Files.writeString(
        dir.resolve(LakePartitions.SUCCESS),
        "{\"partition\":\""
            + name
            + "\",\"rows\":"
            + rows.length
            + ",\"input_fingerprint\":\"abc\"}");
  }

  private static List<String> read(Path file) throws Exception {
    List<String> out = new ArrayList<>();
    try (DataFileReader<GenericRecord> r =
        new DataFileReader<>(new File(file.toString()), new GenericDatumReader<>())) {
      r.forEach(g -> out.add(g.get("order_id") + "," + g.get("customer_id") + "," + g.get("note")));
    }
    return out;
  }

  @Test
  public void rewritesOnlyThePartitionsOfTheSubject() throws Exception {
    Path root = tmp.newFolder("orders").toPath();
    partition(root, "dt=2026-11-01", "o-1,u-1", "o-2,u-2");
    partition(root, "dt=2026-11-02", "o-3,u-2");
    partition(root, "dt=2026-11-03", "o-4,u-1", "o-5,u-1");
    long untouched =
        Files.getLastModifiedTime(root.resolve("dt=2026-11-02/part-00000.avro")).toMillis();

    LakeErasure.Outcome o =
        LakeErasure.in(root.toString(), "customer_id")
            .rewriting(List.of("note"))
            .erase(Set.of("u-1"));
    assertEquals(3, o.rows("u-1"));
    assertEquals(2, o.partitionsRewritten());
    assertEquals(
        List.of("o-1,[erased],null", "o-2,u-2,note of u-2"),
        read(root.resolve("dt=2026-11-01/part-00000.avro")));
    assertEquals(
        untouched,
        Files.getLastModifiedTime(root.resolve("dt=2026-11-02/part-00000.avro")).toMillis());
    JsonNode marker = LakePartitions.marker(root.toString(), "dt=2026-11-03").orElseThrow();
    assertEquals(2, marker.get("rows").asLong());
    assertEquals(2, marker.get("erased_rows").asLong());
    assertEquals("abc", marker.get("input_fingerprint").asText());
    assertEquals(
        LakePartitions.sha256(Files.readAllBytes(root.resolve("dt=2026-11-03/part-00000.avro"))),
        marker.at("/files/part-00000.avro").asText());
    try (var dirs = Files.list(root)) {
      assertFalse(
          "no temporary or old directory left",
          dirs.anyMatch(p -> p.getFileName().toString().startsWith(".")));
    }

    LakeErasure.Outcome deleted =
        LakeErasure.in(root.toString(), "customer_id").erase(Set.of("u-2"));
    assertEquals(2, deleted.rows("u-2"));
    assertEquals(List.of("o-1,[erased],null"), read(root.resolve("dt=2026-11-01/part-00000.avro")));
    assertEquals(List.of(), read(root.resolve("dt=2026-11-02/part-00000.avro")));
    assertEquals(
        0,
        LakeErasure.in(root.toString(), "customer_id")
            .erase(Set.of("u-1", "u-2"))
            .partitionsRewritten());
  }

  @Test
  public void aFieldThatCannotHoldTheMarkerIsAnError() throws Exception {
    Path root = tmp.newFolder("o").toPath();
    partition(root, "dt=2026-11-01", "o-1,u-1");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                LakeErasure.in(root.toString(), "customer_id")
                    .rewriting(List.of("qty"))
                    .erase(Set.of("u-1")));
    assertThat(e.getMessage(), containsString("field 'qty' is neither a string nor nullable"));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> LakeErasure.in(root.toString(), "user_id").erase(Set.of("u-1")));
    assertThat(e.getMessage(), containsString("subject field 'user_id' is not in the schema"));
  }
}
