package io.tributary.pipelines.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The jar a Flink cluster gets: the bundled jar without Flink's own classes, which every Flink
 * cluster has on its class path and loads parent-first ({@code org.apache.flink} is in Flink's
 * {@code classloader.parent-first-patterns.default}), so the copies in the bundled jar are never
 * loaded there. Flink's classes and its nested RPC jar are about a quarter of the bundled jar: the
 * cluster jar is about 72 MB where the bundled jar is 98 MB (docs/operations.md, "The cluster
 * jar").
 *
 * <p>The build writes it next to the bundled jar ({@code
 * tributary-pipelines-<version>-cluster.jar}); operators give it to {@code flink run}. The CLI
 * ships it instead of itself when it submits to a cluster ({@code --flinkMaster=host:port}), and
 * writes it first (a few seconds) when it is missing or older than the bundled jar.
 *
 * <pre>{@code
 * // what the build runs after the shade plugin
 * ClusterJar.write(Path.of("tributary-pipelines-0.1.0-bundled.jar"),
 *     Path.of("tributary-pipelines-0.1.0-cluster.jar"));
 * }</pre>
 */
public final class ClusterJar {
  /** The classifier of the jar the CLI runs from. */
  public static final String BUNDLED_SUFFIX = "-bundled.jar";

  /** The classifier of the jar for a cluster. */
  public static final String CLUSTER_SUFFIX = "-cluster.jar";

  /** Entries left out: Flink's classes (parent-first on a cluster) and its RPC system's jar. */
  static final List<String> LEFT_OUT = List.of("org/apache/flink", "flink-rpc-akka.jar");

  static final String SERVICES = "META-INF/services/";

  private ClusterJar() {}

  /** Build entry point: {@code ClusterJar <bundled jar> [<cluster jar>]}. */
  public static void main(String[] args) throws IOException {
    if (args.length < 1 || args.length > 2) {
      System.err.println("usage: ClusterJar <bundled jar> [<cluster jar>]");
      System.exit(2);
    }
    Path bundled = Path.of(args[0]);
    Path cluster = args.length == 2 ? Path.of(args[1]) : siblingOf(bundled);
    long t0 = System.nanoTime();
    // Every jar trimming of the build (the shade plugin's excludes, FlinkRpcJar) ends here: a
    // service file that names a class the jar lacks would fail whoever iterates that service.
    List<String> missing = missingServiceClasses(bundled);
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          bundled.getFileName() + ": service files name classes it lacks: " + missing);
    }
    int left = write(bundled, cluster);
    System.out.printf(
        Locale.ROOT,
        "cluster jar: %s, %.1f MB (bundled %.1f MB, %d Flink files left out) in %.1f s%n",
        cluster,
        Files.size(cluster) / 1e6,
        Files.size(bundled) / 1e6,
        left,
        (System.nanoTime() - t0) / 1e9);
  }

  /**
   * The {@code META-INF/services} lines of {@code jar} that name a class it does not contain, as
   * {@code "<service file>: <class>"}.
   */
  static List<String> missingServiceClasses(Path jar) throws IOException {
    Map<String, String> services = new TreeMap<>();
    Set<String> entries = new HashSet<>();
    try (ZipFile z = new ZipFile(jar.toFile())) {
      for (ZipEntry e : Collections.list(z.entries())) {
        entries.add(e.getName());
        if (e.getName().startsWith(SERVICES) && !e.isDirectory()) {
          try (InputStream in = z.getInputStream(e)) {
            services.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
          }
        }
      }
    }
    return missingServiceClasses(services, entries);
  }

  /**
   * The lines of {@code services} (service file name to its text) that name a class whose {@code
   * .class} entry is not in {@code entries}.
   */
  static List<String> missingServiceClasses(Map<String, String> services, Set<String> entries) {
    List<String> missing = new ArrayList<>();
    services.forEach(
        (file, text) -> {
          for (String line : text.split("\n")) {
            int hash = line.indexOf('#');
            String cls = (hash < 0 ? line : line.substring(0, hash)).strip();
            if (!cls.isEmpty() && !entries.contains(cls.replace('.', '/') + ".class")) {
              missing.add(file + ": " + cls);
            }
          }
        });
    return missing;
  }

  /** {@code x-bundled.jar} becomes {@code x-cluster.jar} in the same directory. */
  static Path siblingOf(Path bundled) {
    String name = bundled.getFileName().toString();
    if (!name.endsWith(BUNDLED_SUFFIX)) {
      throw new IllegalArgumentException(
          "expected a jar named *" + BUNDLED_SUFFIX + ", got " + bundled);
    }
    return bundled.resolveSibling(
        name.substring(0, name.length() - BUNDLED_SUFFIX.length()) + CLUSTER_SUFFIX);
  }

  /**
   * Writes {@code cluster}: {@code bundled} without the {@link #LEFT_OUT} entries. The other
   * entries are copied as they are (not inflated and deflated again), through a temporary file
   * moved into place, so a concurrent reader never sees half a jar. Returns the files left out.
   */
  public static int write(Path bundled, Path cluster) throws IOException {
    Path dir = cluster.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".cluster-", ".jar.tmp");
    try {
      Files.copy(bundled, tmp, StandardCopyOption.REPLACE_EXISTING);
      int left = 0;
      try (FileSystem jar = FileSystems.newFileSystem(tmp, Map.of())) {
        for (String entry : LEFT_OUT) {
          Path p = jar.getPath("/" + entry);
          if (!Files.exists(p)) {
            continue;
          }
          List<Path> doomed = new ArrayList<>();
          try (Stream<Path> all = Files.walk(p)) {
            all.sorted(Comparator.reverseOrder()).forEach(doomed::add);
          }
          for (Path d : doomed) {
            if (!Files.isDirectory(d)) {
              left++;
            }
            Files.delete(d);
          }
        }
      }
      Files.move(tmp, cluster, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return left;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Before a submission to a Flink cluster from the bundled jar: unless the user set {@code
   * --filesToStage}, ships the cluster jar instead of the bundled one (writing it first when it is
   * missing or older), and says so in one line on {@code err}. Does nothing for other runners, for
   * an embedded Flink ({@code --flinkMaster} empty or {@code [local]}/{@code [auto]}), or when this
   * code does not run from a {@code *-bundled.jar} (for example from Maven's class path, where Beam
   * ships the class path as it is).
   */
  public static void stage(PipelineOptions options, PrintStream err) throws IOException {
    stage(options, runningJar().orElse(null), err);
  }

  static void stage(PipelineOptions options, @Nullable Path runningJar, PrintStream err)
      throws IOException {
    if (!options.getRunner().getSimpleName().contains("Flink")) {
      return;
    }
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    String master = flink.getFlinkMaster();
    if (master == null || master.isBlank() || master.startsWith("[")) {
      return;
    }
    if (flink.getFilesToStage() != null
        || runningJar == null
        || !runningJar.getFileName().toString().endsWith(BUNDLED_SUFFIX)) {
      return;
    }
    Path cluster = siblingOf(runningJar);
    if (!upToDate(cluster, runningJar)) {
      if (!Files.isWritable(cluster.toAbsolutePath().getParent())) {
        cluster =
            Path.of(System.getProperty("java.io.tmpdir"))
                .resolve(
                    "tributary-"
                        + Files.size(runningJar)
                        + "-"
                        + Files.getLastModifiedTime(runningJar).toMillis()
                        + CLUSTER_SUFFIX);
      }
      if (!upToDate(cluster, runningJar)) {
        write(runningJar, cluster);
      }
    }
    flink.setFilesToStage(List.of(cluster.toString()));
    err.printf(
        Locale.ROOT,
        "tributary: shipping %s (%.1f MB: the bundled jar without Flink, which the cluster has)%n",
        cluster.getFileName(),
        Files.size(cluster) / 1e6);
  }

  private static boolean upToDate(Path cluster, Path bundled) throws IOException {
    try {
      return Files.getLastModifiedTime(cluster).compareTo(Files.getLastModifiedTime(bundled)) >= 0;
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  /** The jar file this class was loaded from, if it was loaded from a jar file. */
  static Optional<Path> runningJar() {
    CodeSource source = ClusterJar.class.getProtectionDomain().getCodeSource();
    if (source == null || source.getLocation() == null) {
      return Optional.empty();
    }
    try {
      Path p = Path.of(source.getLocation().toURI());
      return Files.isRegularFile(p) && p.toString().endsWith(".jar")
          ? Optional.of(p)
          : Optional.empty();
    } catch (URISyntaxException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
