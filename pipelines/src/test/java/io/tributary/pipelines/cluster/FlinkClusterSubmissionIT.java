package io.tributary.pipelines.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;

import io.tributary.pipelines.Testdata;
import java.io.File;
import java.nio.file.Path;
import java.util.jar.JarFile;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The production path, for real: a standalone Flink 1.19 session cluster (JobManager and
 * TaskManager as separate JVMs, only Flink's jars on their class path) started by
 * runners-config/flink/cluster.sh, and the job submitted to it by the {@code tributary} CLI running
 * from the bundled jar in its own JVM with {@code --profile=flink-cluster}. The CLI ships the
 * cluster jar (the bundled jar without Flink, which the cluster has), so this is also the check
 * that nothing the job needs went with Flink's classes.
 */
@RunWith(JUnit4.class)
public class FlinkClusterSubmissionIT {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  // Ports away from the defaults so a developer's own cluster on 8081 is left alone.
  private static final String REST_PORT = "18581";
  private static final String RPC_PORT = "16523";
  private static Path state;

  private static ProcessBuilder cluster(String... args) {
    ProcessBuilder pb = new ClusterProcesses(state, REST_PORT, RPC_PORT).command(args);
    // The cluster and the CLI exactly as the README starts them: the JVMs' own defaults.
    pb.environment().remove("FLINK_JVM_OPTS");
    return pb;
  }

  private static String run(ProcessBuilder pb, long timeoutSeconds) throws Exception {
    return ClusterProcesses.run(pb, timeoutSeconds, TMP.getRoot().toPath(), () -> "");
  }

  @BeforeClass
  public static void startCluster() throws Exception {
    Testdata.assumeClusterExecution();
    state = TMP.newFolder("flink").toPath();
    String out = run(cluster("start", "150"), 240);
    assertThat(out, containsString("cluster ready"));
  }

  @AfterClass
  public static void stopCluster() throws Exception {
    if (state != null) {
      run(cluster("stop"), 60);
    }
  }

  @Test
  public void bundledJarSubmitsTheClusterJarToTheSessionCluster() throws Exception {
    Path jar = Testdata.bundledJar();
    Path out = TMP.newFolder("out").toPath();
    String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    ProcessBuilder submit =
        new ProcessBuilder(
                java,
                "-jar",
                jar.toString(),
                "run",
                "clickstream",
                "--profile=flink-cluster",
                "--flinkMaster=localhost:" + REST_PORT,
                "--input=" + Testdata.file("clickstream/small.jsonl"),
                "--output=" + out)
            .redirectErrorStream(true);
    String text = run(submit, 300);
    System.out.print(text);
    Path clusterJar =
        jar.resolveSibling(jar.getFileName().toString().replace("-bundled.jar", "-cluster.jar"));
    assertThat(text, containsString("tributary: shipping " + clusterJar.getFileName()));
    try (JarFile j = new JarFile(clusterJar.toFile())) {
      assertEquals(
          "Flink's classes come from the cluster",
          0,
          j.stream().filter(e -> e.getName().startsWith("org/apache/flink/")).count());
      assertNotNull(j.getEntry("io/tributary/pipelines/cli/Tributary.class"));
    }
    assertThat(
        text,
        containsString(
            "read=1000 = written=983 + dead-lettered=7 + quarantined=0 + deduplicated=10 + too-late=0 [balanced]"));
    Testdata.assertMatchesGolden("small", out.resolve("aggregates"));
    String status = run(cluster("status"), 30);
    assertThat(status, containsString("\"jobs-finished\":1"));

    // Job control through Flink's REST API, from the same jar.
    String jobs =
        run(
            new ProcessBuilder(
                    java, "-jar", jar.toString(), "jobs", "--flinkMaster=localhost:" + REST_PORT)
                .redirectErrorStream(true),
            60);
    assertThat(jobs, org.hamcrest.Matchers.matchesPattern("(?s)[0-9a-f]{32}  FINISHED .*"));
  }
}
