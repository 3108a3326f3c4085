package io.tributary.pipelines.runtime;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The cluster jar is the bundled jar without Flink, and the CLI ships it only when it submits to a
 * Flink cluster from the bundled jar (docs/operations.md, "The cluster jar").
 */
@RunWith(JUnit4.class)
public class ClusterJarTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final List<String> KEPT =
      List.of(
          "META-INF/MANIFEST.MF",
          "io/tributary/pipelines/cli/Tributary.class",
          "org/apache/beam/runners/flink/FlinkRunner.class",
          "org/apache/flinkish/NotFlink.class",
          "META-INF/services/org.apache.flink.core.fs.FileSystemFactory");

  private Path bundled() throws IOException {
    Path jar = tmp.getRoot().toPath().resolve("tributary-pipelines-1.0-bundled.jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().putValue("Manifest-Version", "1.0");
    manifest.getMainAttributes().putValue("Main-Class", "io.tributary.pipelines.cli.Tributary");
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream j = new JarOutputStream(out, manifest)) {
      for (String name :
          List.of(
              "io/tributary/pipelines/cli/Tributary.class",
              "org/apache/beam/runners/flink/FlinkRunner.class",
              "org/apache/flinkish/NotFlink.class",
              "META-INF/services/org.apache.flink.core.fs.FileSystemFactory",
              "org/apache/flink/runtime/Foo.class",
              "org/apache/flink/shaded/netty4/Bar.class",
              "flink-rpc-akka.jar")) {
        j.putNextEntry(new JarEntry(name));
        j.write(("content of " + name).getBytes(StandardCharsets.UTF_8));
        j.closeEntry();
      }
    }
    return jar;
  }

  private static List<String> files(Path jar) throws IOException {
    List<String> names = new ArrayList<>();
    try (JarFile j = new JarFile(jar.toFile())) {
      j.stream().filter(e -> !e.isDirectory()).forEach(e -> names.add(e.getName()));
      for (String kept : KEPT) {
        if (!kept.startsWith("META-INF/MANIFEST")) {
          assertEquals(
              "content of " + kept,
              new String(
                  j.getInputStream(j.getEntry(kept)).readAllBytes(), StandardCharsets.UTF_8));
        }
      }
      assertEquals(
          "io.tributary.pipelines.cli.Tributary",
          j.getManifest().getMainAttributes().getValue("Main-Class"));
    }
    Collections.sort(names);
    return names;
  }

  @Test
  public void leavesOutFlinkAndItsRpcJarAndKeepsTheRest() throws Exception {
    Path bundled = bundled();
    Path cluster = ClusterJar.siblingOf(bundled);
    assertEquals("tributary-pipelines-1.0-cluster.jar", cluster.getFileName().toString());
    assertEquals(3, ClusterJar.write(bundled, cluster));
    List<String> expected = new ArrayList<>(KEPT);
    Collections.sort(expected);
    assertEquals(expected, files(cluster));
    try (var dir = Files.list(tmp.getRoot().toPath())) {
      assertEquals("no temporary file left", 2, dir.count());
    }
  }

  @Test
  public void siblingNeedsABundledJar() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ClusterJar.siblingOf(Path.of("/x/tributary-pipelines-1.0.jar")));
    assertThat(e.getMessage(), containsString("*-bundled.jar"));
  }

  @Test
  public void shipsTheClusterJarForARemoteFlinkMasterAndWritesItWhenStale() throws Exception {
    Path bundled = bundled();
    Path cluster = ClusterJar.siblingOf(bundled);
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    FlinkPipelineOptions remote = flink("localhost:8081");
    ClusterJar.stage(remote, bundled, new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(List.of(cluster.toString()), remote.getFilesToStage());
    assertThat(
        err.toString(StandardCharsets.UTF_8), containsString("shipping " + cluster.getFileName()));
    assertEquals(KEPT.size(), files(cluster).size());

    // Up to date: not written again.
    FileTime written = FileTime.fromMillis(Files.getLastModifiedTime(bundled).toMillis() + 60_000);
    Files.setLastModifiedTime(cluster, written);
    ClusterJar.stage(
        flink("localhost:8081"), bundled, new PrintStream(OutputStream.nullOutputStream()));
    assertEquals(written, Files.getLastModifiedTime(cluster));

    // Older than the bundled jar (a rebuild): written again.
    Files.write(cluster, new byte[] {1, 2, 3});
    Files.setLastModifiedTime(cluster, FileTime.fromMillis(0));
    ClusterJar.stage(
        flink("localhost:8081"), bundled, new PrintStream(OutputStream.nullOutputStream()));
    assertEquals(KEPT.size(), files(cluster).size());
  }

  @Test
  public void leavesEverythingElseAlone() throws Exception {
    Path bundled = bundled();
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    for (String master : new String[] {null, "", "[local]", "[auto]"}) {
      FlinkPipelineOptions embedded = flink(master);
      ClusterJar.stage(embedded, bundled, quiet);
      assertNull("embedded " + master, embedded.getFilesToStage());
    }
    FlinkPipelineOptions chosen = flink("localhost:8081");
    chosen.setFilesToStage(List.of("/my/own.jar"));
    ClusterJar.stage(chosen, bundled, quiet);
    assertEquals(List.of("/my/own.jar"), chosen.getFilesToStage());

    FlinkPipelineOptions fromClassPath = flink("localhost:8081");
    ClusterJar.stage(fromClassPath, null, quiet);
    assertNull(fromClassPath.getFilesToStage());
    ClusterJar.stage(fromClassPath, tmp.getRoot().toPath().resolve("other.jar"), quiet);
    assertNull(fromClassPath.getFilesToStage());

    FlinkPipelineOptions direct = flink("localhost:8081");
    direct.setRunner(DirectRunner.class);
    ClusterJar.stage(direct, bundled, quiet);
    assertNull(direct.getFilesToStage());
    assertEquals("nothing written", false, Files.exists(ClusterJar.siblingOf(bundled)));
  }

  @Test
  public void findsServiceLinesThatNameAClassTheJarLacks() throws Exception {
    // The test jar's FileSystemFactory service file holds "content of ...", not a class name.
    assertEquals(
        List.of(
            "META-INF/services/org.apache.flink.core.fs.FileSystemFactory: content of"
                + " META-INF/services/org.apache.flink.core.fs.FileSystemFactory"),
        ClusterJar.missingServiceClasses(bundled()));
    assertEquals(
        List.of("META-INF/services/a.Service: b.Gone"),
        ClusterJar.missingServiceClasses(
            Map.of("META-INF/services/a.Service", "# providers\nb.Here # kept\nb.Gone\n\n"),
            Set.of("b/Here.class")));
  }

  private static FlinkPipelineOptions flink(String master) {
    FlinkPipelineOptions o = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
    o.setRunner(FlinkRunner.class);
    o.setFlinkMaster(master);
    return o;
  }
}
