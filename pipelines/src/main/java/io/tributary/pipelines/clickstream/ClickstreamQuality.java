package io.tributary.pipelines.clickstream;

import io.tributary.io.files.WindowPartitionedFiles;
import io.tributary.transforms.quality.Checks;
import io.tributary.transforms.quality.Quality;
import io.tributary.transforms.quality.QualitySchemas;
import io.tributary.transforms.quality.report.QualityReport;
import io.tributary.transforms.quality.repository.JsonLinesMetricsRepository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The clickstream pipeline's quality stage and its outputs, kept out of {@link ClickstreamPipeline}
 * so that the pipeline gains one {@code apply} line.
 *
 * <p>With {@code --checks=FILE}: rows an error rule fails go to {@code quarantine/} (counted as
 * quarantined), metrics per event-time window (fixed windows of the {@code --window} size; one hour
 * for session and global windows) to {@code quality/metrics/}, constraint results to {@code
 * quality/verification/}, anomalies to {@code quality/anomalies/}; after the run {@code
 * quality/report.html} is written and the metrics are added to the repository ({@code
 * --qualityRepository}). Without it the stage passes rows through untouched.
 *
 * <pre>{@code
 * tributary run clickstream --input=testdata/clickstream/small.jsonl --output=/tmp/out \
 *     --checks=testdata/clickstream/checks.json
 * }</pre>
 */
public final class ClickstreamQuality {
  private ClickstreamQuality() {}

  /** The quality stage {@code settings} ask for; the identity without {@code --checks}. */
  public static PTransform<PCollection<Row>, PCollection<Row>> stage(
      ClickstreamSettings settings, Duration windowSize) {
    return new Stage(settings, windowSize);
  }

  /** Where a build writes quarantined rows. */
  public static Path quarantineDir(String output) {
    return Path.of(output, "quarantine");
  }

  /** Where a build writes metrics, verification results, anomalies and the report. */
  public static Path qualityDir(String output) {
    return Path.of(output, "quality");
  }

  static final class Stage extends PTransform<PCollection<Row>, PCollection<Row>> {
    private final ClickstreamSettings settings;
    private final Duration windowSize;

    Stage(ClickstreamSettings settings, Duration windowSize) {
      this.settings = settings;
      this.windowSize = windowSize;
    }

    @Override
    public PCollection<Row> expand(PCollection<Row> input) {
      Checks checks = settings.checks();
      if (checks == null) {
        return input;
      }
      List<Row> history;
      try {
        history =
            JsonLinesMetricsRepository.at(settings.qualityRepository()).load(checks.dataset());
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot read the metrics repository " + settings.qualityRepository(), e);
      }
      Quality.Result q =
          input.apply(
              "CheckQuality",
              Quality.check(checks)
                  .withRun(input.getPipeline().getOptions().getJobName(), Instant.now())
                  .withMetricsWindows(FixedWindows.of(windowSize), "event_time")
                  .withHistory(history));
      String out = settings.output();
      // Quarantined records are the original rows: protected by the same policy as the data.
      q.quarantined()
          .apply(
              "FormatQuarantine",
              MapElements.into(TypeDescriptors.strings()).via(QualitySchemas::toJson))
          .apply(
              "ProtectQuarantine",
              ParDo.of(new ClickstreamPrivacy.ScrubRecordFn(settings.protection())))
          .apply("WriteQuarantine", WindowPartitionedFiles.to(quarantineDir(out).toString()));
      write(q.metrics(), "Metrics", qualityDir(out).resolve("metrics"));
      write(q.verification(), "Verification", qualityDir(out).resolve("verification"));
      write(q.anomalies(), "Anomalies", qualityDir(out).resolve("anomalies"));
      return q.passed();
    }

    private static void write(PCollection<Row> records, String name, Path dir) {
      records
          .apply(
              "Format" + name,
              MapElements.into(TypeDescriptors.strings()).via(QualitySchemas::toJson))
          .apply("Write" + name, WindowPartitionedFiles.to(dir.toString()));
    }
  }

  /** Writes {@code quality/report.html} and adds this run's metrics to the repository. */
  static void afterRun(ClickstreamSettings settings, String jobName) throws IOException {
    Checks checks = settings.checks();
    if (checks == null) {
      return;
    }
    Path quality = qualityDir(settings.output());
    List<Row> metrics = read(QualitySchemas.METRIC, quality.resolve("metrics"));
    List<Row> verification = read(QualitySchemas.VERIFICATION, quality.resolve("verification"));
    List<Row> anomalies = read(QualitySchemas.ANOMALY, quality.resolve("anomalies"));
    Map<String, Long> quarantine = new TreeMap<>();
    long quarantinedRows = 0;
    for (Row r : read(QualitySchemas.QUARANTINE, quarantineDir(settings.output()))) {
      quarantinedRows++;
      for (Row f : r.<Row>getArray("failed_rules")) {
        quarantine.merge(f.getString("rule"), 1L, Long::sum);
      }
    }
    String dataset = checks.dataset();
    JsonLinesMetricsRepository repository =
        JsonLinesMetricsRepository.at(settings.qualityRepository());
    List<Row> history = new ArrayList<>();
    for (Row r : repository.load(dataset)) {
      if (!jobName.equals(r.getString("run_id"))) {
        history.add(r);
      }
    }
    String html =
        QualityReport.builder(dataset, jobName)
            .metrics(history, metrics)
            .verification(verification)
            .anomalies(anomalies)
            .quarantine(quarantinedRows, quarantine)
            .html();
    Files.createDirectories(quality);
    Files.writeString(quality.resolve("report.html"), html, StandardCharsets.UTF_8);
    repository.save(metrics);
  }

  /** Every record in the .jsonl files under {@code dir}. */
  public static List<Row> read(Schema schema, Path dir) throws IOException {
    List<Row> rows = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return rows;
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files =
          walk.filter(p -> p.toString().endsWith(".jsonl")).sorted().collect(Collectors.toList());
    }
    for (Path f : files) {
      for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          rows.add(QualitySchemas.fromJson(schema, line));
        }
      }
    }
    return rows;
  }
}
