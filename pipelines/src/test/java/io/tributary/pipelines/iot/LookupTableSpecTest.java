package io.tributary.pipelines.iot;

import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.runtime.PipelineRun;
import io.tributary.pipelines.runtime.RunSummary;
import io.tributary.pipelines.spec.SpecJob;
import io.tributary.pipelines.spec.SpecOptions;
import io.tributary.testing.TestRunners;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.options.PipelineOptions;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The LookupTable step with on_missing: dead_letter (and wait) in a run of a small spec: 4
 * readings, a registry of 2 devices; the 2 readings of unregistered devices are dead letters of the
 * step (reason no_match), which is an accounted stage that balances.
 */
@RunWith(JUnit4.class)
public class LookupTableSpecTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static String reading(String id, String device) {
    return "{\"reading_id\":\""
        + id
        + "\",\"device_id\":\""
        + device
        + "\",\"ts\":\"2026-11-02T06:00:00.000Z\",\"temperature\":20.0,\"unit\":\"C\","
        + "\"humidity\":50.0,\"battery\":3.1}\n";
  }

  @Test
  public void rowsOfUnregisteredDevicesAreDeadLettersOfTheStep() throws Exception {
    assertDeadLetters("on_missing: dead_letter", "no_match");
  }

  /**
   * on_missing: wait on a bounded input: the table is read once, so the readings of unregistered
   * devices wait until the input ends and are then dead letters with reason no_match_after_wait.
   */
  @Test
  public void waitingRowsOfUnregisteredDevicesAreDeadLettersAtTheEnd() throws Exception {
    assertDeadLetters("on_missing: wait, refresh: 1m, max_wait: 10m", "no_match_after_wait");
  }

  private void assertDeadLetters(String rule, String reason) throws Exception {
    Path dir = tmp.newFolder("in").toPath();
    Path readings = dir.resolve("readings.jsonl");
    Files.writeString(
        readings,
        reading("r1", "d-001")
            + reading("r2", "d-002")
            + reading("r3", "d-777")
            + reading("r4", "d-888"),
        StandardCharsets.UTF_8);
    Path devices = dir.resolve("devices.jsonl");
    Files.writeString(
        devices,
        "{\"device_id\":\"d-001\",\"site\":\"plant-north\",\"model\":\"TH-200\",\"installed\":\"2026-01-08\"}\n"
            + "{\"device_id\":\"d-002\",\"site\":\"plant-south\",\"model\":\"TH-300\",\"installed\":\"2026-02-15\"}\n",
        StandardCharsets.UTF_8);
    Path spec = dir.resolve("lookup.yaml");
    Files.writeString(
        spec,
        "name: lookup-dead-letters\n"
            + "options: {input: x, devices: y}\n"
            + "pipeline:\n"
            + "  transforms:\n"
            + "    - type: ReadFiles\n"
            + "      name: read\n"
            + "      config: {path: \"${input}\", format: jsonl, subject: iot-reading}\n"
            + "    - type: LookupTable\n"
            + "      name: site_of_device\n"
            + "      input: read\n"
            + "      config: {path: \"${devices}\", format: jsonl, subject: iot-device,"
            + " key: device_id, fields: [site, model], "
            + rule
            + "}\n"
            + "    - type: WriteJsonLines\n"
            + "      name: write\n"
            + "      input: site_of_device\n"
            + "      config: {path: \"${output}/enriched\", prefix: enriched}\n",
        StandardCharsets.UTF_8);
    Path out = tmp.newFolder("out").toPath();
    SpecJob job = SpecJob.load(spec, List.of("--input=" + readings, "--devices=" + devices));
    PipelineOptions options = TestRunners.options();
    options.as(SpecOptions.class).setOutput(out.toString());
    options.setJobName("lookup-table-spec-test-" + TestRunners.current());
    RunSummary summary = PipelineRun.run(job, options);

    assertEquals("DONE", summary.state());
    JsonNode s = new ObjectMapper().readTree(summary.toJson());
    Map<String, JsonNode> stages = new TreeMap<>();
    s.get("stages").forEach(st -> stages.put(st.get("stage").asText(), st));
    JsonNode lookup = stages.get("site_of_device");
    assertEquals(lookup.toString(), 4, lookup.get("records_in").asLong());
    assertEquals(lookup.toString(), 2, lookup.get("records_out").asLong());
    assertEquals(lookup.toString(), true, lookup.get("balanced").asBoolean());
    assertEquals(
        s.toString(), 2, s.get("dead_lettered_by_reason").get("site_of_device." + reason).asLong());
    List<String> enriched = Testdata.jsonLines(out.resolve("enriched"));
    assertEquals(enriched.toString(), 2, enriched.size());
    for (String line : enriched) {
      JsonNode n = new ObjectMapper().readTree(line);
      assertEquals(
          line,
          n.get("device_id").asText().equals("d-001") ? "plant-north" : "plant-south",
          n.get("site").asText());
    }
  }
}
