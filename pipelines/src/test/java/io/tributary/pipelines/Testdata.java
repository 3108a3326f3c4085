package io.tributary.pipelines;

import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Locates the repository's testdata/ and compares pipeline outputs with its golden files. */
public final class Testdata {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Testdata() {}

  /**
   * For the ITs that start their own cluster and pick their runner themselves (the drills): they
   * run once, in the {@code it-direct} failsafe execution of pipelines/pom.xml, which sets {@code
   * tributary.test.drills} (three forks shared with the Direct ITs), not once per runner. Also with
   * {@code -Dit.test=TheIT}, which overrides the executions' includes and excludes.
   */
  public static void assumeClusterExecution() {
    org.junit.Assume.assumeTrue(
        "runs in the it-direct execution (pipelines/pom.xml, tributary.test.drills)",
        Boolean.getBoolean("tributary.test.drills"));
  }

  /** The bundled jar of this build (pipelines/target); fails when it was not packaged. */
  public static Path bundledJar() {
    Path jar =
        root()
            .resolve(
                "pipelines/target/tributary-pipelines-"
                    + System.getProperty("project.version")
                    + "-bundled.jar");
    org.junit.Assert.assertTrue(
        "package the bundled jar first: " + jar, java.nio.file.Files.isRegularFile(jar));
    return jar;
  }

  /**
   * JVM options for the short-lived processes of the cluster ITs: the CLI that submits a job and
   * the test cluster's JobManager and TaskManager ({@code FLINK_JVM_OPTS} of cluster.sh). Their
   * jobs are small, so C2 compilation and a parallel collector cost more CPU than they save: with
   * them a submission took half the client's CPU and the cluster's 40 % less on an idle machine,
   * with the same results (docs/operations.md, "A lean submission client").
   * FlinkClusterSubmissionIT keeps the defaults, the commands exactly as the README gives them.
   */
  public static final List<String> SMALL_JOB_JVM_OPTIONS =
      List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  /**
   * {@code java <SMALL_JOB_JVM_OPTIONS> -jar <bundled jar> <args>}: the CLI as the cluster ITs run
   * it, in a JVM of its own.
   */
  public static List<String> cli(String... args) {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(SMALL_JOB_JVM_OPTIONS);
    cmd.add("-jar");
    cmd.add(bundledJar().toString());
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** The repository root: the nearest ancestor of the working directory holding testdata/. */
  public static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("testdata/clickstream"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("testdata/ not found above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }

  /** A file under testdata/. */
  public static Path file(String relative) {
    return root().resolve("testdata").resolve(relative);
  }

  /** Every line of every .jsonl file under {@code dir}, in file-name then line order. */
  public static List<String> jsonLines(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      List<String> lines = new ArrayList<>();
      for (Path f :
          files
              .filter(p -> p.toString().endsWith(".jsonl"))
              .sorted()
              .collect(Collectors.toList())) {
        lines.addAll(Files.readAllLines(f));
      }
      return lines;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Aggregate lines without pane metadata, sorted by window: the form of the golden files. */
  public static List<String> aggregatesWithoutPane(Path aggregatesDir) {
    List<String> out = new ArrayList<>();
    for (String line : jsonLines(aggregatesDir)) {
      try {
        JsonNode node = MAPPER.readTree(line);
        ((ObjectNode) node).remove("pane");
        out.add(MAPPER.writeValueAsString(node));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    out.sort(null);
    return out;
  }

  /**
   * Asserts that the aggregates under {@code aggregatesDir} equal {@code
   * golden/<name>/aggregates.jsonl}.
   */
  public static void assertMatchesGolden(String name, Path aggregatesDir) {
    try {
      List<String> golden =
          new ArrayList<>(
              Files.readAllLines(file("clickstream/golden/" + name + "/aggregates.jsonl")));
      golden.sort(null);
      assertEquals(
          "aggregates differ from testdata/clickstream/golden/" + name,
          golden,
          aggregatesWithoutPane(aggregatesDir));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The manifest written by the generator, e.g. {@code clickstream/small.expected.json}. */
  public static JsonNode manifest(String relative) {
    try {
      return MAPPER.readTree(file(relative).toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
