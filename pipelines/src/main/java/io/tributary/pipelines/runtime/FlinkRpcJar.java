package io.tributary.pipelines.runtime;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The RPC system of the embedded Flink, trimmed to what a local actor system uses. Flink's RPC jar
 * ({@code flink-rpc-akka.jar}, nested in {@code flink-rpc-akka-loader}) carries Pekko's remoting
 * (classic over Netty 3, and Artery over Pekko Streams, Aeron's Agrona, SSL configuration and
 * Pekko's shaded protobuf for its wire formats) next to the actor core that Flink's RPC runs on. A
 * mini cluster shares one local RPC service that never remotes (Flink's {@code PekkoUtils}: no
 * remote configuration without an external address), and a submission to a cluster goes through
 * Flink's REST client, so the bundled jar needs only the core: this writes the RPC jar without the
 * remoting trees (about 28 of its 56 MB, 7.3 MB of the bundled jar), its entries stored, not
 * deflated, because the bundled jar deflates the nested jar as one entry.
 *
 * <p>Pekko's merged {@code reference.conf} names remoting and streams classes in three places a
 * local actor system reads at start: the serializers (created eagerly by the serialization
 * extension), the serialization bindings and identifiers, and the library extension that creates
 * the streams materializer. Those lines are removed, and only those; everything else of the file
 * stays as Flink ships it. The build fails when the file does not look as expected (the lines to
 * remove are not found, or a remaining serializer, binding, identifier or extension names a class
 * that is not in the trimmed jar), and when a service file names a class that is not in it.
 *
 * <p>Covered by {@code FlinkRpcJarTest} (a local RPC service of Flink started from the trimmed jar)
 * and by every test that runs the bundled jar on its embedded Flink (docs/operations.md, "The
 * bundled jar").
 *
 * <pre>{@code
 * // what the build runs before the shade plugin
 * FlinkRpcJar.write(Path.of("flink-rpc-akka-loader-1.19.0.jar"),
 *     Path.of("target/flink-rpc-stored/flink-rpc-akka.jar"));
 * }</pre>
 */
public final class FlinkRpcJar {
  /** The nested jar inside {@code flink-rpc-akka-loader}, and its name in the bundled jar. */
  public static final String NESTED = "flink-rpc-akka.jar";

  /** Trees left out: Pekko's remoting and what only remoting uses. */
  static final List<String> LEFT_OUT =
      List.of(
          "org/apache/pekko/remote/",
          "org/apache/pekko/stream/",
          "org/apache/pekko/protobufv3/",
          "org/jboss/netty/",
          "org/agrona/",
          "com/typesafe/sslconfig/",
          "com/hierynomus/");

  /**
   * Kept inside a left-out tree: Netty 3's logging, which Flink's {@code PekkoUtils} points at
   * SLF4J before it creates any actor system, local ones included.
   */
  static final List<String> KEPT = List.of("org/jboss/netty/logging/");

  static final String CONF = "reference.conf";

  private static final Pattern SERIALIZER =
      Pattern.compile("^\\s*\"?([\\w-]+)\"?\\s*=\\s*\"([\\w.$]+)\"\\s*$");
  private static final Pattern BINDING =
      Pattern.compile("^\\s*\"([\\w.$\\[]+)\"\\s*=\\s*\"?([\\w-]+)\"?\\s*$");
  private static final Pattern IDENTIFIER =
      Pattern.compile("^\\s*\"([\\w.$]+)\"\\s*=\\s*(\\d+)\\s*$");
  private static final Pattern EXTENSION =
      Pattern.compile("^\\s*pekko\\.library-extensions\\s*\\+=\\s*\"([\\w.$]+)\"\\s*$");
  private static final Pattern OPEN =
      Pattern.compile("^\\s*(\"[^\"]*\"|[\\w.-]+)\\s*[:=]?\\s*\\{\\s*$");

  private FlinkRpcJar() {}

  /** What {@link #write} did. */
  public record Report(int kept, int leftOut, List<String> confLinesRemoved, long bytes) {}

  /** Build entry point: {@code FlinkRpcJar <flink-rpc-akka-loader jar> <output jar>}. */
  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: FlinkRpcJar <flink-rpc-akka-loader jar> <output jar>");
      System.exit(2);
    }
    long t0 = System.nanoTime();
    Report r = write(Path.of(args[0]), Path.of(args[1]));
    System.out.printf(
        Locale.ROOT,
        "Flink RPC jar: %s, %.1f MB stored, %d entries kept, %d left out (Pekko remoting),"
            + " %d lines of %s removed, in %.1f s%n",
        args[1],
        r.bytes() / 1e6,
        r.kept(),
        r.leftOut(),
        r.confLinesRemoved().size(),
        CONF,
        (System.nanoTime() - t0) / 1e9);
  }

  static boolean leftOut(String entry) {
    return LEFT_OUT.stream().anyMatch(entry::startsWith)
        && KEPT.stream().noneMatch(entry::startsWith);
  }

  /** Writes the trimmed RPC jar of {@code loaderJar} to {@code out}, through a temporary file. */
  public static Report write(Path loaderJar, Path out) throws IOException {
    byte[] nested;
    try (ZipFile loader = new ZipFile(loaderJar.toFile())) {
      ZipEntry e = loader.getEntry(NESTED);
      if (e == null) {
        throw new IOException(loaderJar + " has no " + NESTED);
      }
      try (InputStream in = loader.getInputStream(e)) {
        nested = in.readAllBytes();
      }
    }
    // First pass: every entry, in order.
    Map<String, byte[]> entries = new LinkedHashMap<>();
    Map<String, Long> times = new LinkedHashMap<>();
    try (ZipInputStream zin = new ZipInputStream(new ByteArrayInputStream(nested))) {
      for (ZipEntry e = zin.getNextEntry(); e != null; e = zin.getNextEntry()) {
        entries.put(e.getName(), zin.readAllBytes());
        times.put(e.getName(), e.getTime());
      }
    }
    Set<String> removedClasses = new HashSet<>();
    Set<String> keptClasses = new HashSet<>();
    for (String name : entries.keySet()) {
      if (name.endsWith(".class")) {
        String cls = name.substring(0, name.length() - 6).replace('/', '.');
        (leftOut(name) ? removedClasses : keptClasses).add(cls);
      }
    }
    byte[] conf = entries.get(CONF);
    if (conf == null) {
      throw new IOException(NESTED + " in " + loaderJar + " has no " + CONF);
    }
    List<String> removedLines = new ArrayList<>();
    String patched =
        patchConf(
            new String(conf, StandardCharsets.UTF_8), removedClasses, keptClasses, removedLines);
    Map<String, String> services = new LinkedHashMap<>();
    Set<String> keptEntries = new HashSet<>();
    entries.forEach(
        (name, data) -> {
          if (!leftOut(name)) {
            keptEntries.add(name);
            if (name.startsWith(ClusterJar.SERVICES) && !name.endsWith("/")) {
              services.put(name, new String(data, StandardCharsets.UTF_8));
            }
          }
        });
    List<String> missing = ClusterJar.missingServiceClasses(services, keptEntries);
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          NESTED + " trimmed: service files name classes it lacks: " + missing);
    }

    Path dir = out.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".flink-rpc-", ".jar.tmp");
    int kept = 0;
    int left = 0;
    try {
      try (OutputStream fo = Files.newOutputStream(tmp);
          ZipOutputStream zout = new ZipOutputStream(fo)) {
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
          String name = e.getKey();
          if (leftOut(name)) {
            left++;
            continue;
          }
          byte[] data = name.equals(CONF) ? patched.getBytes(StandardCharsets.UTF_8) : e.getValue();
          ZipEntry z = new ZipEntry(name);
          z.setMethod(ZipEntry.STORED);
          z.setSize(data.length);
          z.setCompressedSize(data.length);
          CRC32 crc = new CRC32();
          crc.update(data);
          z.setCrc(crc.getValue());
          z.setTime(times.get(name));
          zout.putNextEntry(z);
          zout.write(data);
          zout.closeEntry();
          kept++;
        }
      }
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return new Report(kept, left, removedLines, Files.size(out));
  }

  /**
   * Removes from Pekko's {@code reference.conf} the serializers whose class is left out, the
   * bindings to them or to left-out classes, the identifiers of left-out serializers and the
   * library extensions that are left out; fails when a line in those places still names a class the
   * trimmed jar lacks (the file then has a shape this does not know).
   */
  static String patchConf(
      String conf, Set<String> removedClasses, Set<String> keptClasses, List<String> removed) {
    Deque<Integer> depth = new ArrayDeque<>();
    List<String> path = new ArrayList<>();
    Set<String> removedAliases = new HashSet<>();
    StringBuilder out = new StringBuilder(conf.length());
    List<String> problems = new ArrayList<>();
    String[] lines = conf.split("\n", -1);
    int lineNo = 0;
    for (String line : lines) {
      lineNo++;
      String code = stripComment(line);
      String where = String.join(".", path);
      boolean drop = false;
      Matcher m;
      if (where.endsWith("actor.serializers") && (m = SERIALIZER.matcher(code)).matches()) {
        if (removedClasses.contains(m.group(2))) {
          removedAliases.add(m.group(1));
          drop = true;
        } else if (!keptClasses.contains(m.group(2))) {
          problems.add(lineNo + ": serializer " + m.group(2) + " is not in the jar");
        }
      } else if (where.endsWith("actor.serialization-bindings")
          && (m = BINDING.matcher(code)).matches()) {
        drop = removedClasses.contains(m.group(1)) || removedAliases.contains(m.group(2));
      } else if (where.endsWith("actor.serialization-identifiers")
          && (m = IDENTIFIER.matcher(code)).matches()) {
        drop = removedClasses.contains(m.group(1));
      } else if ((m = EXTENSION.matcher(code)).matches()) {
        drop = removedClasses.contains(m.group(1));
        if (!drop && !keptClasses.contains(m.group(1))) {
          problems.add(lineNo + ": library extension " + m.group(1) + " is not in the jar");
        }
      }
      if (drop) {
        removed.add(lineNo + ": " + line.strip());
        continue;
      }
      Matcher open = OPEN.matcher(code);
      if (open.matches()) {
        String key = open.group(1);
        List<String> parts =
            key.startsWith("\"")
                ? List.of(key.substring(1, key.length() - 1))
                : List.of(key.split("\\."));
        path.addAll(parts);
        depth.push(parts.size());
      } else if (code.strip().equals("}")) {
        if (depth.isEmpty()) {
          problems.add(lineNo + ": a closing brace without an opening one");
        } else {
          int n = depth.pop();
          for (int i = 0; i < n; i++) {
            path.remove(path.size() - 1);
          }
        }
      }
      out.append(line);
      if (lineNo < lines.length) {
        out.append('\n');
      }
    }
    if (!depth.isEmpty()) {
      problems.add("unbalanced braces: " + depth.size() + " blocks left open");
    }
    if (removed.isEmpty()) {
      problems.add("no line names a left-out class; the file is not the one this was written for");
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          CONF + " of " + NESTED + " does not look as expected: " + String.join("; ", problems));
    }
    return out.toString();
  }

  /** A line without its {@code #} or {@code //} comment (outside quotes). */
  static String stripComment(String line) {
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (!quoted && (c == '#' || (c == '/' && line.startsWith("//", i)))) {
        return line.substring(0, i);
      }
    }
    return line;
  }
}
