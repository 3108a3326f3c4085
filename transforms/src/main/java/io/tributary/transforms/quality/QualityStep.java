package io.tributary.transforms.quality;

import io.tributary.transforms.quality.repository.JsonLinesMetricsRepository;
import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepConfigException;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepProvider;
import io.tributary.transforms.spec.StepTransforms;
import io.tributary.transforms.windowing.WindowSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;

/**
 * The {@code Quality} step: {@link Quality#check} with a checks file ({@link Checks#fromFile}), as
 * one accounted stage named after the step. Rows no {@code error} rule fails leave on {@code
 * output} with the input's schema; the others on {@code quarantined} ({@link
 * QualitySchemas#QUARANTINE} records naming every failed rule), counted by the stage itself as its
 * {@code quarantined} exit, so the run's quarantined term comes from the stage that decided, as in
 * a Java pipeline. Metrics, constraint results and anomalies leave on {@code metrics}, {@code
 * verification} and {@code anomalies}; they describe rows and are not counted as rows.
 *
 * <pre>{@code
 * - type: Quality
 *   name: quality
 *   input: derive
 *   config:
 *     checks: testdata/iot/checks.json
 *     metrics_windows: "fixed:10m"   # metrics per event-time window of their own
 *     event_time: ts                 # ... read from this DATETIME field
 * - type: WriteJsonLines
 *   input: quality.quarantined
 *   config: {path: "${output}/quarantine", prefix: quarantine}
 * }</pre>
 *
 * <p>Referential rules need their reference table as a collection of keys, which a spec cannot name
 * yet; a checks file with one is refused at the {@code checks} key rather than run without it.
 */
public final class QualityStep extends StepProvider {
  /** Rows an error rule failed, as {@link QualitySchemas#QUARANTINE} records. */
  public static final String QUARANTINED = "quarantined";

  /** {@link QualitySchemas#METRIC} records, one per metric and window. */
  public static final String METRICS = "metrics";

  /** {@link QualitySchemas#VERIFICATION} records, one per constraint and window. */
  public static final String VERIFICATION = "verification";

  /** {@link QualitySchemas#ANOMALY} records. */
  public static final String ANOMALIES = "anomalies";

  @Override
  public String typeName() {
    return "Quality";
  }

  @Override
  public String description() {
    return "Applies a checks file: rows an error rule fails leave on 'quarantined' (counted as"
        + " quarantined by this step), the others on 'output'; outputs 'metrics', 'verification'"
        + " and 'anomalies' carry the metrics per window, the constraint results and the anomalies"
        + " found against the metrics history.";
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.of("checks", FieldType.STRING)
            .withDescription("The checks file (JSON: dataset, rules, metrics, checks, anomalies)."),
        Field.nullable("metrics_windows", FieldType.STRING)
            .withDescription(
                "A window spec ('fixed:10m', 'sliding:1h/15m') for the metrics; default: the"
                    + " input's windows (the whole input when it is not windowed)."),
        Field.nullable("event_time", FieldType.STRING)
            .withDescription(
                "A DATETIME field the metric windows read event time from (the rows passed on"
                    + " keep their own timestamps)."),
        Field.nullable("history", FieldType.STRING)
            .withDescription(
                "A metrics repository directory: earlier runs' metrics for anomaly detection."),
        Field.nullable("run_id", FieldType.STRING)
            .withDescription("The run id on every record (default: the job name)."));
  }

  @Override
  public List<String> outputCollectionNames() {
    return List.of(OUTPUT, QUARANTINED, METRICS, VERIFICATION, ANOMALIES);
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    StepConfig c = StepConfig.of(configuration);
    String file = c.requiredString("checks");
    Checks checks;
    try {
      checks = Checks.fromFile(Path.of(file));
    } catch (IllegalArgumentException e) {
      throw c.error("checks", e.getMessage());
    }
    if (!checks.referenceTables().isEmpty()) {
      throw c.error(
          "checks",
          "referential rules read reference tables "
              + checks.referenceTables()
              + ", which a Quality step cannot be given; check them in a Java pipeline"
              + " (Quality.withReferenceTable)");
    }
    String runId = c.string("run_id");
    if (runId == null) {
      runId = context.variable("job_name");
    }
    Quality.CheckRows check =
        Quality.check(checks)
            .withStageName(context.stageName())
            .withRun(runId == null || runId.isBlank() ? "local" : runId, Instant.now());
    String eventTime = c.string("event_time");
    if (c.has("metrics_windows")) {
      WindowSpec spec;
      try {
        spec = WindowSpec.parse(c.requiredString("metrics_windows"));
      } catch (IllegalArgumentException e) {
        throw c.error("metrics_windows", e.getMessage());
      }
      check = check.withMetricsWindows(spec.windowFn(), eventTime);
    } else if (eventTime != null) {
      throw c.error(
          "event_time", "'event_time' is read by the metric windows: set 'metrics_windows' too");
    }
    if (c.has("history")) {
      String dir = c.requiredString("history");
      try {
        check =
            check.withHistory(JsonLinesMetricsRepository.at(Path.of(dir)).load(checks.dataset()));
      } catch (IOException | IllegalArgumentException e) {
        throw c.error(
            "history", "cannot read the metrics repository " + dir + ": " + e.getMessage());
      }
    }
    Quality.CheckRows built = check;
    return StepTransforms.of(
        rows -> {
          try {
            checks.checkIn(rows.getSchema());
          } catch (IllegalArgumentException e) {
            throw new StepConfigException(
                c.key("checks"),
                0,
                file
                    + ": "
                    + e.getMessage()
                    + "; the input's fields are "
                    + rows.getSchema().getFieldNames(),
                e);
          }
          if (eventTime != null) {
            Schema in = rows.getSchema();
            if (!in.hasField(eventTime)
                || in.getField(eventTime).getType().getTypeName() != Schema.TypeName.DATETIME) {
              throw c.error(
                  "event_time",
                  "expected a DATETIME field of the input, got '"
                      + eventTime
                      + "'; the input's fields are "
                      + in.getFieldNames());
            }
          }
          Quality.Result q = rows.apply(built);
          return PCollectionRowTuple.of(OUTPUT, q.passed())
              .and(QUARANTINED, q.quarantined())
              .and(METRICS, q.metrics())
              .and(VERIFICATION, q.verification())
              .and(ANOMALIES, q.anomalies());
        });
  }
}
