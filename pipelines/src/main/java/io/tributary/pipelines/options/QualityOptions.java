package io.tributary.pipelines.options;

import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The quality stage: its checks file ({@code --checks}) and the metrics repository anomaly
 * detection reads ({@code --qualityRepository}).
 *
 * <pre>{@code
 * tributary run clickstream ... --checks=testdata/clickstream/checks.json \
 *     --qualityRepository=/var/lib/tributary/quality
 * }</pre>
 */
@Description("Quality")
public interface QualityOptions extends PipelineOptions {
  @Description(
      "Quality checks file (JSON), e.g. testdata/clickstream/checks.json; none: no quality stage. "
          + "Writes quarantine/ and quality/ (metrics, verification, anomalies, report.html) under --output.")
  String getChecks();

  void setChecks(String value);

  @Description(
      "Metrics repository directory (JSON lines) that anomaly detection reads history from and "
          + "this run's metrics are added to; default <output>/quality/repository.")
  String getQualityRepository();

  void setQualityRepository(String value);
}
