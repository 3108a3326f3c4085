package io.tributary.pipelines.ordersmart;

import io.tributary.transforms.cdc.Cdc;
import io.tributary.transforms.json.RowJsonText;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.extensions.avro.schemas.utils.AvroUtils;
import org.apache.beam.sdk.schemas.Schema;

/** Reads the orders-mart lake back as JSON lines, and fingerprints output trees. */
public final class MartOutputs {
  private MartOutputs() {}

  static final Schema HISTORY = Cdc.historySchema(OrdersMartPipeline.ORDER, List.of("order_id"));

  /**
   * The lake under {@code output} holds exactly the golden current orders, history and mart of
   * testdata/cdc.
   */
  public static void assertGoldenLake(Path output) {
    org.junit.Assert.assertEquals(
        sortedLines(io.tributary.pipelines.Testdata.file("cdc/golden/orders_state.jsonl")),
        lakeRows(output, "orders", OrdersMartPipeline.ORDER));
    org.junit.Assert.assertEquals(
        sortedLines(io.tributary.pipelines.Testdata.file("cdc/golden/orders_history.jsonl")),
        lakeRows(output, "orders_history", HISTORY));
    org.junit.Assert.assertEquals(
        sortedLines(io.tributary.pipelines.Testdata.file("cdc/golden/mart.jsonl")),
        lakeRows(output, "daily_category_revenue", OrdersMartPipeline.MART));
  }

  /** Every row of every partition of a dataset, rendered as JSON, sorted. */
  static List<String> lakeRows(Path output, String dataset, Schema schema) {
    List<String> rows = new ArrayList<>();
    Path root = output.resolve("lake").resolve(dataset);
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f :
          files
              .filter(p -> p.toString().endsWith(".avro") && !p.toString().contains("/."))
              .collect(Collectors.toList())) {
        try (DataFileReader<GenericRecord> r =
            new DataFileReader<>(new File(f.toString()), new GenericDatumReader<>())) {
          for (GenericRecord rec : r) {
            rows.add(render(rec, schema));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    rows.sort(null);
    return rows;
  }

  /**
   * Avro's {@code date} reads back as a Beam DATETIME (AvroUtils has no reverse mapping to
   * SqlTypes.DATE), so such fields are read as DATETIME and rendered as the date they hold.
   */
  private static String render(GenericRecord rec, Schema schema) {
    Schema.Builder readable = Schema.builder();
    for (Schema.Field f : schema.getFields()) {
      boolean date = f.getType().getTypeName() == Schema.TypeName.LOGICAL_TYPE;
      readable.addField(date ? Schema.Field.of(f.getName(), Schema.FieldType.DATETIME) : f);
    }
    org.apache.beam.sdk.values.Row row = AvroUtils.toBeamRowStrict(rec, readable.build());
    List<Object> values = new ArrayList<>();
    for (Schema.Field f : schema.getFields()) {
      Object v = row.getValue(f.getName());
      values.add(
          f.getType().getTypeName() == Schema.TypeName.LOGICAL_TYPE
              ? java.time.LocalDate.ofEpochDay(
                  ((org.joda.time.ReadableInstant) v).getMillis() / 86_400_000L)
              : v);
    }
    return RowJsonText.render(
        org.apache.beam.sdk.values.Row.withSchema(schema).addValues(values).build());
  }

  /** Relative path -> SHA-256 of every file under {@code dir} (dot-directories excluded). */
  static Map<String, String> checksums(Path dir) {
    Map<String, String> sums = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).collect(Collectors.toList())) {
        String rel = dir.relativize(f).toString();
        if (rel.startsWith(".") || rel.contains("/.")) {
          continue;
        }
        sums.put(
            rel,
            HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return sums;
  }

  static List<String> sortedLines(Path file) {
    try {
      List<String> lines = new ArrayList<>(Files.readAllLines(file));
      lines.sort(null);
      return lines;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The row of the golden mart (testdata/cdc/golden/mart.jsonl) with the fewest live orders. */
  static com.fasterxml.jackson.databind.JsonNode smallestGoldenMartRow() throws IOException {
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.JsonNode smallest = null;
    for (String line :
        Files.readAllLines(io.tributary.pipelines.Testdata.file("cdc/golden/mart.jsonl"))) {
      com.fasterxml.jackson.databind.JsonNode m = json.readTree(line);
      if (smallest == null || m.get("orders").asLong() < smallest.get("orders").asLong()) {
        smallest = m;
      }
    }
    if (smallest == null) {
      throw new IllegalStateException("the golden mart is empty");
    }
    return smallest;
  }

  /**
   * Appends to {@code changeLog} a Debezium delete, with new LSNs, of every live (not cancelled)
   * golden order of {@code category} created on {@code dt}; returns how many it appended.
   */
  static int appendDeletesOf(List<String> changeLog, String dt, String category)
      throws IOException {
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    Map<String, String> categoryOf = new TreeMap<>();
    for (String line :
        Files.readAllLines(
            io.tributary.pipelines.Testdata.file("cdc/golden/products_state.jsonl"))) {
      com.fasterxml.jackson.databind.JsonNode pr = json.readTree(line);
      categoryOf.put(pr.get("product_id").asText(), pr.get("category").asText());
    }
    long lsn = 90_000_000_000L;
    int deleted = 0;
    for (String line :
        Files.readAllLines(io.tributary.pipelines.Testdata.file("cdc/golden/orders_state.jsonl"))) {
      com.fasterxml.jackson.databind.JsonNode order = json.readTree(line);
      if (order.get("created_at").asText().startsWith(dt)
          && !"cancelled".equals(order.get("status").asText())
          && category.equals(
              categoryOf.getOrDefault(order.get("product_id").asText(), "unknown"))) {
        lsn++;
        changeLog.add(
            "{\"before\":"
                + line
                + ",\"after\":null,\"source\":{\"ts_ms\":1794000000000,\"lsn\":"
                + lsn
                + "},\"op\":\"d\",\"ts_ms\":1794000000000}");
        deleted++;
      }
    }
    return deleted;
  }
}
