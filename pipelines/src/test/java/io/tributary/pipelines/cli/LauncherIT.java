package io.tributary.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import io.tributary.pipelines.Testdata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@code pipelines/bin/tributary}, the launcher that starts the bundled jar on a class-data-sharing
 * archive (docs/operations.md, "Faster start-up: the launcher"): the first successful run writes
 * the archive, later runs load Tributary's classes from it with the same results, a rebuilt jar
 * gets a new archive in place of the old one, and a wrong setting is one line and exit 2. It picks
 * its runner itself (the embedded Flink of the default profile), so it runs once, in {@code
 * it-direct}.
 */
@RunWith(JUnit4.class)
public class LauncherIT {
  private static final String ACCOUNTING =
      "read=1000 = written=983 + dead-lettered=7 + quarantined=0 + deduplicated=10 + too-late=0"
          + " [balanced]";

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private Path jar;
  private Path archives;

  @Before
  public void copyJar() throws IOException {
    Testdata.assumeClusterExecution();
    // A copy, so that "rebuilding" it (a new modification time) leaves the build's jar alone.
    jar = tmp.newFolder("jar").toPath().resolve(Testdata.bundledJar().getFileName());
    Files.copy(Testdata.bundledJar(), jar);
    archives = tmp.newFolder("cds").toPath();
  }

  private static final class Result {
    final int exit;
    final String out;
    final String err;

    Result(int exit, String out, String err) {
      this.exit = exit;
      this.out = out;
      this.err = err;
    }
  }

  private Result launch(Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add("bash");
    cmd.add(Testdata.root().resolve("pipelines/bin/tributary").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("TRIBUTARY_JAR", jar.toString());
    pb.environment().put("TRIBUTARY_CDS_DIR", archives.toString());
    pb.environment().remove("TRIBUTARY_CDS");
    pb.environment().remove("JAVA_OPTS");
    pb.environment().putAll(env);
    Path out = Files.createTempFile(tmp.getRoot().toPath(), "out", ".txt");
    Path err = Files.createTempFile(tmp.getRoot().toPath(), "err", ".txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + cmd + "\n" + Files.readString(err));
    }
    return new Result(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private Result runSmall(Map<String, String> env, String output) throws Exception {
    return runClickstream(env, output, Testdata.file("clickstream/small.jsonl"), ACCOUNTING);
  }

  private Result runClickstream(
      Map<String, String> env, String output, Path input, String accounting, String... options)
      throws Exception {
    List<String> args = new ArrayList<>(List.of("run", "clickstream"));
    args.addAll(List.of(options));
    args.add("--input=" + input);
    args.add("--output=" + tmp.getRoot().toPath().resolve(output));
    Result r = launch(env, args.toArray(new String[0]));
    assertEquals("exit of " + output + "\n" + r.out + r.err, 0, r.exit);
    assertThat(r.out, containsString(accounting));
    return r;
  }

  private List<String> filesIn(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  private List<String> archiveFiles() throws IOException {
    return filesIn(archives).stream().filter(n -> n.endsWith(".jsa")).collect(Collectors.toList());
  }

  @Test
  public void firstRunWritesTheArchiveLaterRunsLoadFromItAndARebuiltJarGetsItsOwn()
      throws Exception {
    Result first = runSmall(Map.of(), "o1");
    assertThat(first.err, containsString("tributary: wrote a class-data archive"));
    List<String> written = archiveFiles();
    assertEquals("one archive and nothing left over: " + filesIn(archives), 1, written.size());
    assertEquals(written, filesIn(archives));

    Path classLog = tmp.getRoot().toPath().resolve("classes.log");
    Result second = runSmall(Map.of("JAVA_OPTS", "-Xlog:class+load=info:file=" + classLog), "o2");
    assertThat(second.err, not(containsString("class-data archive")));
    long shared;
    try (Stream<String> lines = Files.lines(classLog)) {
      shared =
          lines
              .filter(l -> l.contains(" io.tributary."))
              .filter(l -> l.contains("source: shared objects file"))
              .count();
    }
    assertThat("Tributary classes loaded from the archive", shared, greaterThan(100L));

    // A rebuilt jar: same path, new modification time. Its run writes a new archive and removes
    // the one of the jar it replaces. Any successful run does: here the Direct runner on 20 lines,
    // which loads (and so archives) about half the classes of an embedded Flink run (7,496 against
    // 14,338 with -Xlog:class+load).
    assertTrue(jar.toFile().setLastModified(jar.toFile().lastModified() + 5_000));
    Path twenty = tmp.getRoot().toPath().resolve("twenty.jsonl");
    try (Stream<String> lines = Files.lines(Testdata.file("clickstream/small.jsonl"))) {
      Files.write(twenty, (Iterable<String>) lines.limit(20)::iterator);
    }
    Result third =
        runClickstream(
            Map.of(),
            "o3",
            twenty,
            "read=20 = written=20 + dead-lettered=0 + quarantined=0 + deduplicated=0 + too-late=0"
                + " [balanced]",
            "--profile=direct");
    assertThat(third.err, containsString("tributary: wrote a class-data archive"));
    List<String> rewritten = archiveFiles();
    assertEquals(1, rewritten.size());
    assertNotEquals(written, rewritten);
  }

  @Test
  public void onlyPipelineRunsWriteAnArchive() throws Exception {
    Result version = launch(Map.of(), "--version");
    assertEquals(version.err, 0, version.exit);
    assertThat(version.out, containsString("Apache Flink 1.19.0"));
    Result help = launch(Map.of("TRIBUTARY_CDS", "off"), "--help");
    assertEquals(help.err, 0, help.exit);
    assertEquals(List.of(), filesIn(archives));
  }

  @Test
  public void wrongSettingsAreOneLineAndExitTwo() throws Exception {
    Result cds = launch(Map.of("TRIBUTARY_CDS", "maybe"), "--version");
    assertEquals(2, cds.exit);
    assertEquals("tributary: TRIBUTARY_CDS=maybe is not understood; expected on or off\n", cds.err);
    Result noJar = launch(Map.of("TRIBUTARY_JAR", "/no/such.jar"), "--version");
    assertEquals(2, noJar.exit);
    assertEquals(
        "tributary: TRIBUTARY_JAR=/no/such.jar is not a file; expected the path of the bundled"
            + " jar\n",
        noJar.err);
    Result noJava = launch(Map.of("JAVA_HOME", "/no/such/jdk"), "--version");
    assertEquals(2, noJava.exit);
    assertThat(noJava.err, containsString("JAVA_HOME=/no/such/jdk has no bin/java"));
  }
}
