package io.tributary.pipelines.iot;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tributary.io.schema.RegisteredSchema;
import io.tributary.io.schema.SchemaRegistry;
import io.tributary.pipelines.Testdata;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.json.JsonRowDecoder;
import io.tributary.transforms.quality.Checks;
import io.tributary.transforms.quality.rules.QualityRule;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.values.Row;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The IoT sample data (testdata/iot, produced by GenerateIotReadings.java) against the manifest,
 * the contract iot-reading and the checks file, without a pipeline: the manifest's counts add up
 * and its sha256 is the committed file's; every line is classified again here, with the real JSON
 * decoder and the contract, into the run accounting the manifest predicts for a bounded run; and
 * the golden sliding windows are recomputed in double arithmetic and must round to the same text
 * (testdata/README.md, "IoT sensor readings").
 */
@RunWith(JUnit4.class)
public class IotTestdataTest {
  private static final String SUBJECT = "iot-reading";
  private static final long PERIOD_MS = 5 * 60_000L;
  private static final long SIZE_MS = 10 * 60_000L;

  private static JsonNode manifest() {
    return Testdata.manifest("iot/readings.expected.json");
  }

  @Test
  public void manifestCountsAddUpToTheLinesAndTheShaIsTheCommittedFile() throws Exception {
    JsonNode m = manifest();
    byte[] bytes = Files.readAllBytes(Testdata.file("iot/readings.jsonl"));
    String text = new String(bytes, StandardCharsets.UTF_8);
    long lines = text.chars().filter(c -> c == '\n').count();
    assertTrue("the file ends with a newline", text.endsWith("\n"));
    assertEquals(m.get("lines").asLong(), lines);

    long dead = 0;
    for (JsonNode c : m.get("dead_letters")) {
      dead += c.asLong();
    }
    assertEquals(m.get("dead_letters_total").asLong(), dead);
    assertEquals(
        "lines = valid_unique + duplicates + dead_letters_total",
        lines,
        m.get("valid_unique").asLong() + m.get("duplicates").asLong() + dead);
    assertEquals(
        "every slot yields one line; duplicates and garbage come on top",
        lines,
        m.get("slots").asLong()
            + m.get("duplicates").asLong()
            + m.get("dead_letters").get("not_json").asLong());

    JsonNode a = m.get("accounting_bounded_run");
    long deadLettered = 0;
    for (JsonNode c : a.get("dead_lettered")) {
      deadLettered += c.asLong();
    }
    assertEquals(dead, deadLettered);
    assertEquals(lines, a.get("read").asLong());
    assertEquals(0, a.get("too_late").asLong());
    assertEquals(m.get("spikes").asLong(), a.get("quarantined").asLong());
    assertEquals(m.get("duplicates").asLong(), a.get("deduplicated").asLong());
    assertEquals(
        m.get("valid_unique").asLong() - m.get("spikes").asLong(), a.get("written").asLong());
    assertEquals(
        "read = written + dead-lettered + quarantined + deduplicated + too-late",
        a.get("read").asLong(),
        a.get("written").asLong()
            + deadLettered
            + a.get("quarantined").asLong()
            + a.get("deduplicated").asLong()
            + a.get("too_late").asLong());

    assertEquals(
        m.get("sha256_uncompressed").asText(),
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
    assertEquals(
        m.get("window_rows").asLong(),
        Files.readAllLines(Testdata.file("iot/golden/readings/device_windows.jsonl")).size());
  }

  @Test
  public void contractIsRegisteredWithEveryFieldDocumented() {
    RegisteredSchema contract = SchemaRegistry.bundled().latest(SUBJECT);
    assertEquals(1, contract.version());
    assertEquals(2, contract.id());
    List<String> names = new ArrayList<>();
    for (Schema.Field f : contract.schema().getFields()) {
      names.add(f.name());
      assertTrue(f.name() + " has a doc", f.doc() != null && !f.doc().isBlank());
      assertEquals(f.name() + " is not personal data", null, f.getObjectProp("pii"));
    }
    assertEquals(
        List.of("reading_id", "device_id", "ts", "temperature", "unit", "humidity", "battery"),
        names);
    assertEquals(
        FieldType.DATETIME.getTypeName(),
        contract.beamSchema().getField("ts").getType().getTypeName());
  }

  @Test
  public void checksFileLoadsAndFitsTheDerivedRow() {
    Checks checks = Checks.fromFile(Testdata.file("iot/checks.json"));
    assertEquals("iot", checks.dataset());
    checks.checkIn(derivedSchema());
    Set<String> rules = new TreeSet<>();
    for (QualityRule r : checks.rules()) {
      rules.add(r.name());
    }
    assertTrue(rules.toString(), rules.contains("temperature_c_plausible"));
    assertFalse("an anomaly check", checks.anomalies().isEmpty());
  }

  /**
   * Decode (the contract, strictly), validate (unit one of [C, F], 0 <= humidity <= 100), derive
   * temperature_c, quality (temperature_c between -40 and 85), dedup by reading_id: the numbers of
   * the manifest's accounting_bounded_run, and the golden windows from what is left.
   */
  @Test
  public void everyLineLandsWhereTheManifestSaysAndTheGoldenWindowsFollow() throws Exception {
    RegisteredSchema contract = SchemaRegistry.bundled().latest(SUBJECT);
    JsonRowDecoder decoder = JsonRowDecoder.of(contract.beamSchema(), "decode");
    Map<String, Long> deadLetters = new TreeMap<>();
    long quarantined = 0;
    long deduplicated = 0;
    Set<String> seen = new TreeSet<>();
    List<Row> written = new ArrayList<>();
    for (String line : Files.readAllLines(Testdata.file("iot/readings.jsonl"))) {
      Row row;
      try {
        row = decoder.decode(line);
      } catch (RecordRejectedException e) {
        deadLetters.merge("decode." + e.reason(), 1L, Long::sum);
        continue;
      }
      String unit = row.getString("unit");
      double humidity = row.getDouble("humidity");
      if (!unit.equals("C") && !unit.equals("F")) {
        deadLetters.merge("validate.unknown_unit", 1L, Long::sum);
        continue;
      }
      if (humidity < 0 || humidity > 100) {
        deadLetters.merge("validate.humidity_out_of_range", 1L, Long::sum);
        continue;
      }
      double c = temperatureC(row);
      if (c < -40 || c > 85) {
        quarantined++;
        continue;
      }
      if (!seen.add(row.getString("reading_id"))) {
        deduplicated++;
        continue;
      }
      written.add(row);
    }
    JsonNode a = manifest().get("accounting_bounded_run");
    Map<String, Long> expectedDead = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = a.get("dead_lettered").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      expectedDead.put(e.getKey(), e.getValue().asLong());
    }
    assertEquals(expectedDead, deadLetters);
    assertEquals(a.get("quarantined").asLong(), quarantined);
    assertEquals(a.get("deduplicated").asLong(), deduplicated);
    assertEquals(a.get("written").asLong(), written.size());

    // Golden: sliding 10 min every 5 min per device, computed here in doubles and rounded to 3
    // decimals, half up: the generator computed them exactly, so this checks its rounding claim.
    TreeMap<String, TreeMap<Long, double[]>> windows = new TreeMap<>();
    for (Row r : written) {
      long t = r.getDateTime("ts").getMillis();
      double c = temperatureC(r);
      long last = Math.floorDiv(t, PERIOD_MS) * PERIOD_MS;
      for (long start = last; start > t - SIZE_MS; start -= PERIOD_MS) {
        double[] w =
            windows
                .computeIfAbsent(r.getString("device_id"), k -> new TreeMap<>())
                .computeIfAbsent(
                    start,
                    k ->
                        new double[] {
                          0,
                          0,
                          Double.MAX_VALUE,
                          -Double.MAX_VALUE,
                          -Double.MAX_VALUE,
                          Double.MAX_VALUE
                        });
        w[0]++;
        w[1] += c;
        w[2] = Math.min(w[2], c);
        w[3] = Math.max(w[3], c);
        w[4] = Math.max(w[4], r.getDouble("humidity"));
        w[5] = Math.min(w[5], r.getDouble("battery"));
      }
    }
    // The site is the device registry's (testdata/iot/devices.jsonl); a device it lacks gets the
    // spec's default, "unregistered".
    Map<String, String> sites = new TreeMap<>();
    for (String line : Files.readAllLines(Testdata.file("iot/devices.jsonl"))) {
      com.fasterxml.jackson.databind.JsonNode n =
          new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
      sites.put(n.get("device_id").asText(), n.get("site").asText());
    }
    List<String> computed = new ArrayList<>();
    for (Map.Entry<String, TreeMap<Long, double[]>> d : windows.entrySet()) {
      for (Map.Entry<Long, double[]> e : d.getValue().entrySet()) {
        double[] w = e.getValue();
        computed.add(
            "{\"device_id\":\""
                + d.getKey()
                + "\",\"site\":\""
                + sites.getOrDefault(d.getKey(), "unregistered")
                + "\",\"window_start\":\""
                + Instant.ofEpochMilli(e.getKey())
                + "\",\"window_end\":\""
                + Instant.ofEpochMilli(e.getKey() + SIZE_MS)
                + "\",\"readings\":"
                + (long) w[0]
                + ",\"temperature_c_avg\":"
                + round3(w[1] / w[0])
                + ",\"temperature_c_min\":"
                + round3(w[2])
                + ",\"temperature_c_max\":"
                + round3(w[3])
                + ",\"humidity_max\":"
                + round3(w[4])
                + ",\"battery_min\":"
                + round3(w[5])
                + ",\"anomaly\":"
                + (w[3] - w[2] > 8.0)
                + "}");
      }
    }
    assertEquals(
        Files.readAllLines(Testdata.file("iot/golden/readings/device_windows.jsonl")), computed);
  }

  private static double temperatureC(Row r) {
    double t = r.getDouble("temperature");
    return r.getString("unit").equals("F") ? (t - 32) * 5 / 9 : t;
  }

  private static String round3(double v) {
    return BigDecimal.valueOf(v).setScale(3, RoundingMode.HALF_UP).toPlainString();
  }

  private static org.apache.beam.sdk.schemas.Schema derivedSchema() {
    return org.apache.beam.sdk.schemas.Schema.builder()
        .addFields(SchemaRegistry.bundled().latest(SUBJECT).beamSchema().getFields())
        .addDoubleField("temperature_c")
        .build();
  }
}
