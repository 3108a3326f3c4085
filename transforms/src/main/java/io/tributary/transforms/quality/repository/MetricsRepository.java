package io.tributary.transforms.quality.repository;

import java.io.IOException;
import java.util.List;
import org.apache.beam.sdk.values.Row;

/**
 * Where metric records ({@code QualitySchemas.METRIC}) of earlier runs are kept, so that anomaly
 * detection compares today's run with yesterday's.
 *
 * <pre>{@code
 * MetricsRepository repo = JsonLinesMetricsRepository.at(Path.of("/data/quality-repo"));
 * List<Row> history = repo.load("clickstream");
 * // ... run with Quality.check(checks).withHistory(history), then:
 * repo.save(metricsOfThisRun);
 * }</pre>
 */
public interface MetricsRepository {
  /** Every stored record of {@code dataset}, any run, any order. */
  List<Row> load(String dataset) throws IOException;

  /** Stores {@code records}; records of a run id already stored replace that run's records. */
  void save(List<Row> records) throws IOException;
}
