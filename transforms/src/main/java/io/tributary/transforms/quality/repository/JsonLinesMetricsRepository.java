package io.tributary.transforms.quality.repository;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.quality.QualitySchemas;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.values.Row;

/**
 * A metrics repository in a local directory of JSON-lines files, one file per dataset and run:
 * {@code <dir>/dataset=<name>/run=<run_id>.jsonl}, one {@code QualitySchemas.METRIC} record per
 * line. Plain files on purpose: they can be read with {@code jq}, copied, and versioned.
 *
 * <p>A save writes the run's file under a temporary name and moves it into place, so a reader never
 * sees half a run; saving a run id again replaces its file.
 *
 * <pre>{@code
 * JsonLinesMetricsRepository repo = JsonLinesMetricsRepository.at(Path.of("quality-repo"));
 * repo.save(metrics);
 * List<Row> history = repo.load("clickstream");
 * }</pre>
 */
public final class JsonLinesMetricsRepository implements MetricsRepository {
  private final Path directory;

  private JsonLinesMetricsRepository(Path directory) {
    this.directory = directory;
  }

  /** A repository in {@code directory} (created on the first save). */
  public static JsonLinesMetricsRepository at(Path directory) {
    checkArgument(directory != null, "JsonLinesMetricsRepository.at: directory must not be null");
    return new JsonLinesMetricsRepository(directory);
  }

  @Override
  public List<Row> load(String dataset) throws IOException {
    Path dir = directory.resolve("dataset=" + dataset);
    List<Row> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files =
          list.filter(p -> p.getFileName().toString().endsWith(".jsonl"))
              .sorted()
              .collect(Collectors.toList());
    }
    for (Path f : files) {
      for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          out.add(QualitySchemas.fromJson(QualitySchemas.METRIC, line));
        }
      }
    }
    return out;
  }

  @Override
  public void save(List<Row> records) throws IOException {
    Map<String, List<String>> byFile = new TreeMap<>();
    for (Row r : records) {
      String file =
          "dataset=" + r.getString("dataset") + "/run=" + safe(r.getString("run_id")) + ".jsonl";
      byFile.computeIfAbsent(file, k -> new ArrayList<>()).add(QualitySchemas.toJson(r));
    }
    for (Map.Entry<String, List<String>> e : byFile.entrySet()) {
      Path target = directory.resolve(e.getKey());
      Files.createDirectories(target.getParent());
      Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
      List<String> lines = new ArrayList<>(e.getValue());
      lines.sort(null);
      Files.write(tmp, lines, StandardCharsets.UTF_8);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  private static String safe(String runId) {
    return runId.replaceAll("[^A-Za-z0-9_.-]", "_");
  }

  @Override
  public String toString() {
    return "JsonLinesMetricsRepository(" + directory + ")";
  }
}
