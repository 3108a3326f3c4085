package io.tributary.pipelines.fuzz;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.pipelines.Testdata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The seeded fuzz corpus of testdata/fuzz/GenerateFuzz.java, generated into a folder at test time
 * (the generator is committed, not its output), with helpers that read what a run left behind.
 */
public final class FuzzCorpus {
  static final long SEED = 1;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Where the corpus was generated. */
  public final Path dir;

  /** Its manifest.json. */
  public final JsonNode manifest;

  private FuzzCorpus(Path dir, JsonNode manifest) {
    this.dir = dir;
    this.manifest = manifest;
  }

  /** Runs the generator with the JDK's source launcher, as testdata/README.md documents. */
  public static FuzzCorpus generate(Path dir) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "testdata/fuzz/GenerateFuzz.java",
                "--seed=" + SEED,
                "--out=" + dir,
                "--cdc=testdata/cdc")
            .directory(Testdata.root().toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolveSibling(dir.getFileName() + ".log").toFile())
            .start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("GenerateFuzz did not finish within 300 s");
    }
    assertEquals("GenerateFuzz exit code", 0, p.exitValue());
    return new FuzzCorpus(dir, MAPPER.readTree(dir.resolve("manifest.json").toFile()));
  }

  /** The manifest's {@code stage.reason -> count} map of one pipeline. */
  public Map<String, Long> expectedDeadLetters(String pipeline) {
    Map<String, Long> expected = new TreeMap<>();
    manifest
        .get(pipeline)
        .get("dead_letters")
        .fields()
        .forEachRemaining(e -> expected.put(e.getKey(), e.getValue().asLong()));
    return expected;
  }

  /** Every planted personal value. */
  List<String> planted() {
    List<String> values = new ArrayList<>();
    manifest.get("planted").forEach(v -> values.add(v.asText()));
    return values;
  }

  /** The lines of {@code file} as bytes, split at '\n' only (every line, empty ones included). */
  public static List<byte[]> lines(Path file) throws IOException {
    byte[] all = Files.readAllBytes(file);
    List<byte[]> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < all.length; i++) {
      if (all[i] == '\n') {
        lines.add(java.util.Arrays.copyOfRange(all, start, i));
        start = i + 1;
      }
    }
    if (start < all.length) {
      lines.add(java.util.Arrays.copyOfRange(all, start, all.length));
    }
    return lines;
  }

  /** {@code line} without a leading UTF-8 byte-order mark and a trailing '\r'. */
  static byte[] withoutBomAndCr(byte[] line) {
    int from =
        line.length >= 3
                && (line[0] & 0xff) == 0xef
                && (line[1] & 0xff) == 0xbb
                && (line[2] & 0xff) == 0xbf
            ? 3
            : 0;
    int to = line.length > from && line[line.length - 1] == '\r' ? line.length - 1 : line.length;
    return java.util.Arrays.copyOfRange(line, from, to);
  }

  /** The dead-letter lines under {@code deadLetterDir}, parsed. */
  public static List<JsonNode> deadLetters(Path deadLetterDir) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    if (!Files.isDirectory(deadLetterDir)) {
      return out;
    }
    try (Stream<Path> files = Files.walk(deadLetterDir)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
        if (f.getFileName().toString().startsWith(".")) {
          continue;
        }
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
          if (!line.isBlank()) {
            out.add(MAPPER.readTree(line));
          }
        }
      }
    }
    return out;
  }

  /** {@code stage.reason -> count} of dead-letter lines. */
  public static Map<String, Long> byReason(List<JsonNode> deadLetters) {
    Map<String, Long> counts = new TreeMap<>();
    for (JsonNode d : deadLetters) {
      counts.merge(d.get("stage").asText() + "." + d.get("reason").asText(), 1L, Long::sum);
    }
    return counts;
  }

  /**
   * Fails naming file and value when any planted value is found in clear in any file under {@code
   * root}, including inside base64 payloads of dead letters (decoded before the search).
   */
  public void assertNoPlantedValueIn(Path root) throws IOException {
    List<String> planted = planted();
    List<String> found = new ArrayList<>();
    int files = 0;
    try (Stream<Path> all = Files.walk(root)) {
      for (Path f : (Iterable<Path>) all.filter(Files::isRegularFile)::iterator) {
        files++;
        String text = Files.readString(f, StandardCharsets.ISO_8859_1);
        List<String> views = new ArrayList<>(List.of(text));
        if (f.toString().contains("dead-letter")) {
          for (JsonNode d : deadLetters(f.getParent())) {
            if ("base64".equals(d.path("payload_encoding").asText())) {
              views.add(
                  new String(
                      Base64.getDecoder().decode(d.get("payload").asText()),
                      StandardCharsets.ISO_8859_1));
            }
          }
        }
        for (String value : planted) {
          for (String view : views) {
            if (view.contains(value)) {
              found.add(root.relativize(f) + ": " + value);
              break;
            }
          }
        }
      }
    }
    assertTrue("no output file was scanned", files > 0);
    assertEquals("planted personal data found in clear", List.of(), found);
  }
}
