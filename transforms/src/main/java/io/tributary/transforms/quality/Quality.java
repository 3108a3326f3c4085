package io.tributary.transforms.quality;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;
import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkState;

import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.json.RowJsonText;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.LiveMetrics;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.metrics.StageExit;
import io.tributary.transforms.quality.anomaly.AnomalyCheck;
import io.tributary.transforms.quality.anomaly.DetectAnomaliesFn;
import io.tributary.transforms.quality.constraints.Check;
import io.tributary.transforms.quality.metrics.MetricsFn;
import io.tributary.transforms.quality.rules.QualityRule;
import io.tributary.transforms.time.EventTime;
import io.tributary.transforms.values.RowBytesCoder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableList;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableMap;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * The data-quality stage: row rules with quarantine, Deequ-class metrics per window, constraint
 * checks on them and anomaly detection on their history, on any schema'd collection of rows.
 *
 * <p>Outputs ({@link Result}): {@code passed()} the rows no {@code error} rule failed, with the
 * input's schema; {@code quarantined()} the others as {@link QualitySchemas#QUARANTINE} records
 * naming every rule each failed; {@code metrics()} one {@link QualitySchemas#METRIC} record per
 * metric and window; {@code verification()} one {@link QualitySchemas#VERIFICATION} record per
 * constraint and window; {@code anomalies()} the {@link QualitySchemas#ANOMALY} records.
 *
 * <p>An {@link AccountedStage} named {@value #STAGE} unless {@link CheckRows#withStageName} says
 * otherwise: every row counts in {@code tributary/stage.<stage>.in} and leaves either passed
 * ({@code stage.<stage>.out}) or quarantined ({@code stage.<stage>.quarantined}, the {@link
 * StageExit#QUARANTINED} exit); metrics, verification and anomaly records are about the rows, not
 * rows themselves, and are not counted as records.
 *
 * <p>Further counters: {@code tributary/quality.error.<rule>} and {@code
 * tributary/quality.warn.<rule>} per failed rule, {@code tributary/quality.constraint_failures},
 * {@code tributary/quality.anomalies}.
 *
 * <p>Metrics describe the rows as they reached the stage (quarantined ones included): they are the
 * measurement of what arrived, the rules decide what goes on. They are computed per window of the
 * input, or, with {@link CheckRows#withMetricsWindows}, per window of their own; in the global
 * window of a bounded input they cover the whole input, and an empty input still gives Size 0 (and
 * undefined ratios), so {@code size >= 1} fails visibly instead of staying silent.
 *
 * <pre>{@code
 * Quality.Result q = events.apply("Quality",
 *     Quality.check(Checks.fromFile(Path.of("checks.json")))
 *         .withRun("run-2026-11-25", Instant.now())
 *         .withMetricsWindows(FixedWindows.of(Duration.standardHours(1)), "event_time")
 *         .withHistory(repository.load("clickstream")));
 * PCollection<Row> good = q.passed();
 * q.quarantined().apply(...);
 * }</pre>
 */
public final class Quality {
  private Quality() {}

  /** Default stage name of the accounting. */
  public static final String STAGE = "quality";

  /** Counter prefix of warn-rule hits: {@code quality.warn.<rule>}. */
  public static final String WARN_PREFIX = "quality.warn.";

  /** Counter prefix of error-rule hits: {@code quality.error.<rule>}. */
  public static final String ERROR_PREFIX = "quality.error.";

  /** Counter of failed constraints (all windows). */
  public static final String CONSTRAINT_FAILURES = "quality.constraint_failures";

  /**
   * Suffix of the stage name of the metric branch's event-time step, e.g. {@code
   * quality_metrics_time}.
   */
  public static final String METRICS_EVENT_TIME_SUFFIX = "_metrics_time";

  /** Counter of anomalies. */
  public static final String ANOMALIES = "quality.anomalies";

  private static final TupleTag<Row> PASSED = new TupleTag<Row>() {};
  private static final TupleTag<Row> QUARANTINED = new TupleTag<Row>() {};
  private static final TupleTag<Row> METRICS = new TupleTag<Row>() {};
  private static final TupleTag<Row> VERIFICATION = new TupleTag<Row>() {};

  /** Applies {@code checks}; run id {@code local} until {@link CheckRows#withRun}. */
  public static CheckRows check(Checks checks) {
    checkArgument(checks != null, "Quality.check: checks must not be null");
    return new AutoValue_Quality_CheckRows.Builder()
        .setChecks(checks)
        .setStageName(STAGE)
        .setRunId("local")
        .setReferenceTables(ImmutableMap.of())
        .setHistory(ImmutableList.of())
        .build();
  }

  /** The transform returned by {@link #check}. */
  @AutoValue
  public abstract static class CheckRows extends PTransform<PCollection<Row>, Result>
      implements AccountedStage {
    abstract Checks checks();

    /** The stage name of the accounting ({@code stage.<name>.*}). */
    @Override
    public abstract String stageName();

    abstract String runId();

    abstract @Nullable Instant runTime();

    abstract @Nullable WindowFn<Object, ?> metricsWindowFn();

    abstract @Nullable String eventTimeField();

    abstract ImmutableMap<String, PCollection<String>> referenceTables();

    abstract ImmutableList<Row> history();

    abstract Builder toBuilder();

    @AutoValue.Builder
    abstract static class Builder {
      abstract Builder setChecks(Checks checks);

      abstract Builder setStageName(String stageName);

      abstract Builder setRunId(String runId);

      abstract Builder setRunTime(@Nullable Instant runTime);

      abstract Builder setMetricsWindowFn(@Nullable WindowFn<Object, ?> windowFn);

      abstract Builder setEventTimeField(@Nullable String field);

      abstract Builder setReferenceTables(ImmutableMap<String, PCollection<String>> tables);

      abstract Builder setHistory(ImmutableList<Row> history);

      abstract CheckRows build();
    }

    /**
     * The stage name ({@value Quality#STAGE} by default), lower_snake_case and unique in the
     * pipeline.
     */
    public CheckRows withStageName(String stageName) {
      return toBuilder()
          .setStageName(AccountedStage.checkName(stageName, "Quality.withStageName"))
          .build();
    }

    /** Labels every record with this run: its id and start time (the history orders runs by it). */
    public CheckRows withRun(String runId, @Nullable Instant runTime) {
      checkArgument(runId != null && !runId.isBlank(), "Quality.withRun: runId must not be empty");
      return toBuilder().setRunId(runId).setRunTime(runTime).build();
    }

    /**
     * Computes metrics in windows of {@code windowFn} instead of the input's windows; with {@code
     * eventTimeField} set, the metric branch first takes event time from that {@code DATETIME}
     * field (the rows passed on keep their timestamps and windows).
     */
    @SuppressWarnings("unchecked")
    public CheckRows withMetricsWindows(WindowFn<?, ?> windowFn, @Nullable String eventTimeField) {
      checkArgument(windowFn != null, "Quality.withMetricsWindows: windowFn must not be null");
      return toBuilder()
          .setMetricsWindowFn((WindowFn<Object, ?>) windowFn)
          .setEventTimeField(eventTimeField)
          .build();
    }

    /** The reference table {@code name} of referential rules: the allowed keys. */
    public CheckRows withReferenceTable(String name, PCollection<String> keys) {
      checkArgument(
          name != null && keys != null, "Quality.withReferenceTable: name and keys are required");
      Map<String, PCollection<String>> tables = new LinkedHashMap<>(referenceTables());
      tables.put(name, keys);
      return toBuilder().setReferenceTables(ImmutableMap.copyOf(tables)).build();
    }

    /**
     * Earlier metric records ({@link QualitySchemas#METRIC}, e.g. from a metrics repository) that
     * anomaly detection compares this run with. Records of this run id and of other datasets are
     * ignored.
     */
    public CheckRows withHistory(List<Row> metricRecords) {
      checkArgument(metricRecords != null, "Quality.withHistory: records must not be null");
      return toBuilder().setHistory(ImmutableList.copyOf(metricRecords)).build();
    }

    @Override
    public Result expand(PCollection<Row> input) {
      checkArgument(input.hasSchema(), "Quality.check: input %s has no schema", input.getName());
      Checks checks = checks();
      checks.checkIn(input.getSchema());
      for (String table : checks.referenceTables()) {
        checkState(
            referenceTables().containsKey(table),
            "Quality.check: a referential rule reads table '%s'; provide it with withReferenceTable(\"%s\", keys)",
            table,
            table);
      }
      Pipeline pipeline = input.getPipeline();
      Map<String, PCollectionView<List<String>>> views = new LinkedHashMap<>();
      for (String table : checks.referenceTables()) {
        views.put(table, referenceTables().get(table).apply("Table_" + table, View.asList()));
      }
      PCollectionTuple ruled =
          input.apply(
              "CheckRules",
              ParDo.of(
                      new RulesFn(
                          checks.dataset(), checks.rules(), views, StageCounters.of(stageName())))
                  .withSideInputs(new ArrayList<>(views.values()))
                  .withOutputTags(PASSED, TupleTagList.of(QUARANTINED)));
      PCollection<Row> passed = ruled.get(PASSED).setCoder(RowBytesCoder.of(input.getSchema()));
      PCollection<Row> quarantined = ruled.get(QUARANTINED).setRowSchema(QualitySchemas.QUARANTINE);

      PCollection<Row> measured = input;
      if (eventTimeField() != null) {
        // A stage of its own name, inside this one: its counters stay apart from the pipeline's
        // event_time stage (the graph sees only this stage, whose rows it does not change).
        measured =
            measured.apply(
                "MetricsEventTime",
                EventTime.fromField(eventTimeField())
                    .withStageName(stageName() + METRICS_EVENT_TIME_SUFFIX));
      }
      if (metricsWindowFn() != null) {
        measured = measured.apply("MetricsWindows", Window.<Row>into(metricsWindowFn()));
      }
      MetricsFn fn = MetricsFn.of(checks.allMetrics(), checks.dataset(), runId(), runTime());
      boolean global = measured.getWindowingStrategy().getWindowFn() instanceof GlobalWindows;
      PCollection<List<Row>> perWindow =
          measured.apply(
              "ComputeMetrics",
              global ? Combine.globally(fn) : Combine.globally(fn).withoutDefaults());
      PCollectionTuple verified =
          perWindow.apply(
              "VerifyConstraints",
              ParDo.of(new VerifyFn(checks.checks(), checks.dataset(), runId()))
                  .withOutputTags(METRICS, TupleTagList.of(VERIFICATION)));
      PCollection<Row> metrics = verified.get(METRICS).setRowSchema(QualitySchemas.METRIC);
      PCollection<Row> verification =
          verified.get(VERIFICATION).setRowSchema(QualitySchemas.VERIFICATION);

      PCollection<Row> anomalies;
      if (checks.anomalies().isEmpty()) {
        anomalies =
            pipeline
                .apply("NoAnomalyChecks", Create.empty(RowCoder.of(QualitySchemas.ANOMALY)))
                .setRowSchema(QualitySchemas.ANOMALY);
      } else {
        anomalies =
            metrics
                .apply("KeyBySeries", ParDo.of(new KeyBySeriesFn(checks.anomalies())))
                .setCoder(KvCoder.of(StringUtf8Coder.of(), RowCoder.of(QualitySchemas.METRIC)))
                .apply("HistoryWindow", Window.<KV<String, Row>>into(new GlobalWindows()))
                .apply(
                    "DetectAnomalies",
                    ParDo.of(
                        new DetectAnomaliesFn(checks.anomalies(), seedHistory(checks), runId())))
                .setRowSchema(QualitySchemas.ANOMALY);
      }
      return new Result(pipeline, passed, quarantined, metrics, verification, anomalies);
    }

    /** Series history from earlier records: per anomaly check, values in window/run order. */
    private Map<String, List<Double>> seedHistory(Checks checks) {
      List<Row> earlier = new ArrayList<>();
      for (Row r : history()) {
        if (checks.dataset().equals(r.getString("dataset"))
            && !runId().equals(r.getString("run_id"))
            && r.getDouble("value") != null) {
          earlier.add(r);
        }
      }
      earlier.sort(DetectAnomaliesFn.ORDER);
      Map<String, List<Double>> seeds = new HashMap<>();
      for (Row r : earlier) {
        seeds
            .computeIfAbsent(r.getString("name"), k -> new ArrayList<>())
            .add(r.getDouble("value"));
      }
      return seeds;
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      Checks c = checks();
      builder
          .add(DisplayData.item("dataset", c.dataset()).withLabel("Dataset"))
          .add(DisplayData.item("stage", stageName()).withLabel("Stage name"))
          .add(DisplayData.item("rules", c.rules().toString()).withLabel("Row rules"))
          .add(DisplayData.item("metrics", c.allMetrics().toString()).withLabel("Metrics"))
          .add(DisplayData.item("checks", c.checks().toString()).withLabel("Constraint checks"))
          .add(DisplayData.item("anomalies", c.anomalies().toString()).withLabel("Anomaly checks"))
          .add(DisplayData.item("runId", runId()).withLabel("Run id"))
          .add(
              DisplayData.item("referenceTables", referenceTables().keySet().toString())
                  .withLabel("Reference tables"))
          .add(
              DisplayData.item("historyRecords", history().size())
                  .withLabel("Metric history records"))
          .addIfNotNull(
              DisplayData.item(
                      "metricsWindows",
                      metricsWindowFn() == null ? null : metricsWindowFn().toString())
                  .withLabel("Metrics windows"))
          .addIfNotNull(
              DisplayData.item("eventTimeField", eventTimeField())
                  .withLabel("Metrics event-time field"));
    }
  }

  /** The outputs of {@link #check}. */
  public static final class Result implements POutput {
    private final Pipeline pipeline;
    private final PCollection<Row> passed;
    private final PCollection<Row> quarantined;
    private final PCollection<Row> metrics;
    private final PCollection<Row> verification;
    private final PCollection<Row> anomalies;

    Result(
        Pipeline pipeline,
        PCollection<Row> passed,
        PCollection<Row> quarantined,
        PCollection<Row> metrics,
        PCollection<Row> verification,
        PCollection<Row> anomalies) {
      this.pipeline = pipeline;
      this.passed = passed;
      this.quarantined = quarantined;
      this.metrics = metrics;
      this.verification = verification;
      this.anomalies = anomalies;
    }

    /** Rows no error rule failed, with the input's schema, timestamps and windows. */
    public PCollection<Row> passed() {
      return passed;
    }

    /** {@link QualitySchemas#QUARANTINE} records. */
    public PCollection<Row> quarantined() {
      return quarantined;
    }

    /** {@link QualitySchemas#METRIC} records, one per metric (and quantile) and window. */
    public PCollection<Row> metrics() {
      return metrics;
    }

    /** {@link QualitySchemas#VERIFICATION} records, one per constraint and window. */
    public PCollection<Row> verification() {
      return verification;
    }

    /** {@link QualitySchemas#ANOMALY} records (in the global window). */
    public PCollection<Row> anomalies() {
      return anomalies;
    }

    @Override
    public Pipeline getPipeline() {
      return pipeline;
    }

    @Override
    public Map<TupleTag<?>, PValue> expand() {
      return ImmutableMap.of(
          PASSED,
          passed,
          QUARANTINED,
          quarantined,
          METRICS,
          metrics,
          VERIFICATION,
          verification,
          new TupleTag<Row>("anomalies"),
          anomalies);
    }

    @Override
    public void finishSpecifyingOutput(
        String transformName, PInput input, PTransform<?, ?> transform) {}
  }

  /** Evaluates every rule on every row; quarantines rows an error rule failed. */
  static final class RulesFn extends DoFn<Row, Row> {
    private final String dataset;
    private final List<QualityRule> rules;
    private final Map<String, PCollectionView<List<String>>> views;
    private final StageCounters counters;
    private transient Map<String, Counter> ruleCounters;
    private transient Map<String, Set<String>> tables;
    private transient Map<String, List<String>> tableSources;

    RulesFn(
        String dataset,
        List<QualityRule> rules,
        Map<String, PCollectionView<List<String>>> views,
        StageCounters counters) {
      this.dataset = dataset;
      this.rules = new ArrayList<>(rules);
      this.views = new LinkedHashMap<>(views);
      this.counters = counters;
    }

    @Setup
    public void setup() {
      ruleCounters = new HashMap<>();
      for (QualityRule r : rules) {
        String prefix = r.severity() == Severity.ERROR ? ERROR_PREFIX : WARN_PREFIX;
        ruleCounters.put(r.name(), LiveMetrics.counter(DeadLetters.NAMESPACE, prefix + r.name()));
      }
      tables = new HashMap<>();
      tableSources = new HashMap<>();
    }

    @ProcessElement
    public void process(ProcessContext c, BoundedWindow window) {
      Row row = c.element();
      counters.in();
      for (Map.Entry<String, PCollectionView<List<String>>> e : views.entrySet()) {
        List<String> keys = c.sideInput(e.getValue());
        if (tableSources.get(e.getKey()) != keys) { // rebuild only when the runner hands a new list
          tables.put(e.getKey(), new HashSet<>(keys));
          tableSources.put(e.getKey(), keys);
        }
      }
      Instant now = Instant.now();
      List<Row> failed = null;
      boolean quarantine = false;
      for (QualityRule r : rules) {
        String violation = r.violation(row, tables, now);
        if (violation != null) {
          ruleCounters.get(r.name()).inc();
          quarantine |= r.severity() == Severity.ERROR;
          if (failed == null) {
            failed = new ArrayList<>();
          }
          failed.add(
              Row.withSchema(QualitySchemas.FAILED_RULE)
                  .addValues(r.name(), r.fieldName(), r.severity().label(), violation)
                  .build());
        }
      }
      if (!quarantine) {
        counters.out(c.timestamp());
        c.output(row);
        return;
      }
      counters.exit(StageExit.QUARANTINED);
      IntervalWindow w = window instanceof IntervalWindow iw ? iw : null;
      c.output(
          QUARANTINED,
          Row.withSchema(QualitySchemas.QUARANTINE)
              .addValues(
                  dataset,
                  RowJsonText.render(row),
                  failed,
                  w == null ? null : w.start(),
                  w == null ? null : w.end())
              .build());
    }
  }

  /** Stamps each window's metrics with the window and evaluates the constraints on them. */
  static final class VerifyFn extends DoFn<List<Row>, Row> {
    private final List<Check> checks;
    private final String dataset;
    private final String runId;
    private final Counter failures =
        LiveMetrics.counter(DeadLetters.NAMESPACE, CONSTRAINT_FAILURES);

    VerifyFn(List<Check> checks, String dataset, String runId) {
      this.checks = new ArrayList<>(checks);
      this.dataset = dataset;
      this.runId = runId;
    }

    @ProcessElement
    public void process(@Element List<Row> metrics, BoundedWindow window, MultiOutputReceiver out) {
      IntervalWindow w = window instanceof IntervalWindow iw ? iw : null;
      Map<String, Row> byName = new HashMap<>();
      for (Row m : metrics) {
        Row stamped = withWindow(m, w);
        byName.put(stamped.getString("name"), stamped);
        out.get(METRICS).output(stamped);
      }
      for (Check check : checks) {
        for (Row v : check.verify(byName, dataset, runId)) {
          if (Check.FAILURE.equals(v.getString("status"))) {
            failures.inc();
          }
          out.get(VERIFICATION).output(withWindow(v, w));
        }
      }
    }

    private static Row withWindow(Row r, @Nullable IntervalWindow w) {
      if (w == null) {
        return r;
      }
      return Row.fromRow(r)
          .withFieldValue("window_start", w.start())
          .withFieldValue("window_end", w.end())
          .build();
    }
  }

  /** Keys each watched metric record by series and anomaly check index. */
  static final class KeyBySeriesFn extends DoFn<Row, KV<String, Row>> {
    private final List<String> series;

    KeyBySeriesFn(List<AnomalyCheck> checks) {
      this.series = new ArrayList<>();
      for (AnomalyCheck c : checks) {
        series.add(c.seriesName());
      }
    }

    @ProcessElement
    public void process(@Element Row metric, OutputReceiver<KV<String, Row>> out) {
      String name = metric.getString("name");
      for (int i = 0; i < series.size(); i++) {
        if (series.get(i).equals(name)) {
          out.output(KV.of(i + "|" + name, metric));
        }
      }
    }
  }
}
