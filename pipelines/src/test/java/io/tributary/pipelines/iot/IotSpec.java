package io.tributary.pipelines.iot;

import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.spec.SpecParser;
import io.tributary.pipelines.spec.SpecStep;
import io.tributary.transforms.metrics.RunAccounting;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the IoT spec tests share: the spec file, a variant of it without one step (cut from the
 * spec's own text, so the variant can never drift from the showcase), the manifest's accounting and
 * the golden device windows in the form the generator documents.
 *
 * <pre>{@code
 * Path lakeOnly = IotSpec.withoutStep(IotSpec.file(), "serve_device_windows", tmpDir);
 * assertEquals(IotSpec.goldenRows(), IotSpec.normalize(lakeLines));
 * }</pre>
 */
final class IotSpec {
  private IotSpec() {}

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The Postgres sink's step name in the spec. */
  static final String POSTGRES_STEP = "serve_device_windows";

  /** The golden file's keys, in its order; the ones from {@code DOUBLES} are rounded. */
  private static final List<String> KEYS =
      List.of(
          "device_id",
          "site",
          "window_start",
          "window_end",
          "readings",
          "temperature_c_avg",
          "temperature_c_min",
          "temperature_c_max",
          "humidity_max",
          "battery_min",
          "anomaly");

  private static final List<String> DOUBLES =
      List.of(
          "temperature_c_avg",
          "temperature_c_min",
          "temperature_c_max",
          "humidity_max",
          "battery_min");

  /** pipelines/specs/iot-sensors.yaml. */
  static Path file() {
    return Testdata.root().resolve("pipelines/specs/iot-sensors.yaml");
  }

  /**
   * Writes {@code spec} without step {@code stepName} (and the comment block right above it) to
   * {@code dir} and returns the new file. The cut is by the positions the spec parser reports: from
   * the step's comment block to the line before the next step's comment block (or the end).
   */
  static Path withoutStep(Path spec, String stepName, Path dir) throws IOException {
    List<SpecStep> steps = SpecParser.parse(spec).steps();
    List<String> lines = Files.readAllLines(spec, StandardCharsets.UTF_8);
    int index = -1;
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i).name().equals(stepName)) {
        index = i;
      }
    }
    if (index < 0) {
      throw new IllegalArgumentException(spec + " has no step '" + stepName + "'");
    }
    int from = commentStart(lines, steps.get(index).line() - 1);
    int to =
        index + 1 < steps.size()
            ? commentStart(lines, steps.get(index + 1).line() - 1)
            : lines.size();
    List<String> kept = new ArrayList<>(lines.subList(0, from));
    kept.add("    # (step '" + stepName + "' cut out of " + spec.getFileName() + " by IotSpec)");
    kept.addAll(lines.subList(to, lines.size()));
    Path out = dir.resolve("iot-sensors-without-" + stepName + ".yaml");
    Files.write(out, kept, StandardCharsets.UTF_8);
    return out;
  }

  /** The first line of the comment block directly above 0-based line {@code stepLine}. */
  private static int commentStart(List<String> lines, int stepLine) {
    int i = stepLine;
    while (i > 0 && lines.get(i - 1).trim().startsWith("#")) {
      i--;
    }
    return i;
  }

  /**
   * Asserts a run summary ({@code _run_summary.json}) against the manifest's accounting, each term
   * in the stage the manifest says counts it (testdata/README.md, "Run accounting of the spec
   * pipeline"): read = {@code read.in}, dead letters by reason, quarantined = {@code
   * quality.quarantined}, deduplicated = {@code dedup.deduplicated}, too-late = {@code
   * window.too_late} (also the run's terms), written = {@code window.out} = the run's written (the
   * record path ends at the aggregation; flag_anomalies after it serves window rows); the line
   * balances and so does every stage.
   */
  static void assertManifestAccounting(JsonNode summary) {
    RunAccounting expected = expectedAccounting();
    String line = summary.get("accounting").asText();
    Map<String, JsonNode> stages = new TreeMap<>();
    summary.get("stages").forEach(st -> stages.put(st.get("stage").asText(), st));
    assertEquals(line, expected.read(), summary.get("read").asLong());
    assertEquals(line, expected.read(), stages.get("read").get("records_in").asLong());
    Map<String, Long> deadLetters = new TreeMap<>();
    summary
        .get("dead_lettered_by_reason")
        .fields()
        .forEachRemaining(e -> deadLetters.put(e.getKey(), e.getValue().asLong()));
    assertEquals(line, expected.deadLettersByReason(), deadLetters);
    assertEquals(line, expected.quarantined(), summary.get("quarantined").asLong());
    assertEquals(line, expected.quarantined(), stages.get("quality").path("quarantined").asLong());
    assertEquals(line, expected.deduplicated(), summary.get("deduplicated").asLong());
    assertEquals(line, expected.deduplicated(), stages.get("dedup").path("deduplicated").asLong());
    assertEquals(line, expected.tooLate(), summary.get("too_late").asLong());
    assertEquals(line, expected.tooLate(), stages.get("window").path("too_late").asLong());
    assertEquals(line, expected.written(), stages.get("window").get("records_out").asLong());
    assertEquals(line, expected.written(), summary.get("written").asLong());
    assertEquals(line, true, summary.get("balanced").asBoolean());
    assertEquals(line, "sink", stages.get("flag_anomalies").get("role").asText());
    assertEquals(
        line,
        expected.read(),
        expected.written()
            + expected.deadLettered()
            + expected.quarantined()
            + expected.deduplicated()
            + expected.tooLate());
    assertEquals(line, "[]", summary.get("unbalanced_stages").toString());
    stages.forEach(
        (name, st) ->
            assertEquals(name + " balances: " + st, true, st.get("balanced").asBoolean()));
  }

  /** The manifest's accounting of a bounded run, reason keys under the spec's step names. */
  static RunAccounting expectedAccounting() {
    JsonNode a = Testdata.manifest("iot/readings.expected.json").get("accounting_bounded_run");
    Map<String, Long> deadLetters = new TreeMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = a.get("dead_lettered").fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      // The manifest names the decode stage by the transform's default; the spec's step is 'read'.
      String key =
          e.getKey().startsWith("decode.") ? "read." + e.getKey().substring(7) : e.getKey();
      deadLetters.put(key, e.getValue().asLong());
    }
    return RunAccounting.of(
        a.get("read").asLong(),
        a.get("written").asLong(),
        deadLetters,
        a.get("quarantined").asLong(),
        a.get("deduplicated").asLong(),
        a.get("too_late").asLong());
  }

  /** The golden lines, sorted. */
  static List<String> goldenRows() {
    try {
      List<String> golden =
          new ArrayList<>(
              Files.readAllLines(
                  Testdata.file("iot/golden/readings/device_windows.jsonl"),
                  StandardCharsets.UTF_8));
      golden.sort(null);
      return golden;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Device-window rows as the golden file writes them: its keys in its order (a row with other keys
   * fails), doubles rounded half up to three decimals and written with three; sorted.
   */
  static List<String> normalize(List<String> jsonRows) {
    List<String> out = new ArrayList<>();
    for (String json : jsonRows) {
      JsonNode node;
      try {
        node = MAPPER.readTree(json);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      assertEquals(
          "the keys of " + json, new java.util.TreeSet<>(KEYS), new java.util.TreeSet<>(names));
      StringBuilder b = new StringBuilder("{");
      for (String k : KEYS) {
        JsonNode v = node.get(k);
        if (b.length() > 1) {
          b.append(',');
        }
        b.append('"').append(k).append("\":");
        if (DOUBLES.contains(k)) {
          b.append(
              BigDecimal.valueOf(v.asDouble()).setScale(3, RoundingMode.HALF_UP).toPlainString());
        } else if (v.isTextual()) {
          b.append('"').append(v.asText()).append('"');
        } else {
          b.append(v.toString());
        }
      }
      out.add(b.append('}').toString());
    }
    out.sort(null);
    return out;
  }
}
