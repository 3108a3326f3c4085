package io.tributary.transforms.quality.metrics;

import io.tributary.transforms.quality.QualitySchemas;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * Computes a list of {@link Metric}s in one pass as a {@link Combine.CombineFn} over rows, so the
 * metrics of a window (or of a whole bounded input) come out of one combine on any runner.
 *
 * <p>Outputs one {@link QualitySchemas#METRIC} row per metric (one per quantile for
 * ApproxQuantiles) with the window left null; {@code Quality.check} stamps the window.
 * Frequency-based metrics (Uniqueness, Distinctness, UniqueValueRatio, CountDistinct, Entropy) keep
 * a map of the distinct values per window, as Deequ's group-by does: for columns with very many
 * distinct values per window use ApproxCountDistinct instead.
 *
 * <pre>{@code
 * PCollection<List<Row>> perWindow = rows.apply(Combine.globally(
 *     MetricsFn.of(List.of(Metric.size(), Metric.completeness("email")), "clicks", "run-1", null))
 *     .withoutDefaults());
 * }</pre>
 */
public final class MetricsFn extends Combine.CombineFn<Row, List<MetricState>, List<Row>> {
  private final List<Metric> metrics;
  private final String dataset;
  private final String runId;
  private final @Nullable Instant runTime;

  private MetricsFn(List<Metric> metrics, String dataset, String runId, @Nullable Instant runTime) {
    this.metrics = new ArrayList<>(metrics);
    this.dataset = dataset;
    this.runId = runId;
    this.runTime = runTime;
  }

  /** Computes {@code metrics}, labelling records with {@code dataset} and the run. */
  public static MetricsFn of(
      List<Metric> metrics, String dataset, String runId, @Nullable Instant runTime) {
    return new MetricsFn(metrics, dataset, runId, runTime);
  }

  @Override
  public List<MetricState> createAccumulator() {
    List<MetricState> states = new ArrayList<>(metrics.size());
    for (int i = 0; i < metrics.size(); i++) {
      states.add(new MetricState());
    }
    return states;
  }

  @Override
  public List<MetricState> addInput(List<MetricState> acc, Row row) {
    for (int i = 0; i < metrics.size(); i++) {
      acc.get(i).add(metrics.get(i), row);
    }
    return acc;
  }

  @Override
  public List<MetricState> mergeAccumulators(Iterable<List<MetricState>> accs) {
    List<MetricState> merged = createAccumulator();
    for (List<MetricState> acc : accs) {
      for (int i = 0; i < metrics.size(); i++) {
        merged.get(i).merge(acc.get(i));
      }
    }
    return merged;
  }

  @Override
  public List<Row> extractOutput(List<MetricState> acc) {
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < metrics.size(); i++) {
      Metric m = metrics.get(i);
      for (MetricState.Value v : acc.get(i).result(m)) {
        out.add(
            Row.withSchema(QualitySchemas.METRIC)
                .withFieldValue("dataset", dataset)
                .withFieldValue("run_id", runId)
                .withFieldValue("run_time", runTime)
                .withFieldValue("name", m.name(v.key))
                .withFieldValue("metric", m.kind().deequName())
                .withFieldValue("instance", m.instance())
                .withFieldValue(
                    "where", m.whereCondition() == null ? null : m.whereCondition().toString())
                .withFieldValue("key", v.key)
                .withFieldValue("value", v.value)
                .withFieldValue("undefined_reason", v.undefinedReason)
                .build());
      }
    }
    return out;
  }

  /** Computes {@code metrics} over {@code rows} outside a pipeline: for tests and small checks. */
  public List<Row> computeLocally(Iterable<Row> rows) {
    List<MetricState> acc = createAccumulator();
    for (Row r : rows) {
      addInput(acc, r);
    }
    return extractOutput(acc);
  }

  @Override
  public Coder<List<MetricState>> getAccumulatorCoder(
      CoderRegistry registry, Coder<Row> inputCoder) {
    return StatesCoder.INSTANCE;
  }

  @Override
  public Coder<List<Row>> getDefaultOutputCoder(CoderRegistry registry, Coder<Row> inputCoder) {
    return ListCoder.of(RowCoder.of(QualitySchemas.METRIC));
  }

  /** Binary coder of the per-metric states. */
  static final class StatesCoder extends CustomCoder<List<MetricState>> {
    static final StatesCoder INSTANCE = new StatesCoder();

    @Override
    public void encode(List<MetricState> value, OutputStream outStream) throws IOException {
      DataOutputStream out = new DataOutputStream(outStream);
      out.writeInt(value.size());
      for (MetricState s : value) {
        s.encode(out);
      }
      out.flush();
    }

    @Override
    public List<MetricState> decode(InputStream inStream) throws IOException {
      DataInputStream in = new DataInputStream(inStream);
      int n = in.readInt();
      List<MetricState> states = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        states.add(MetricState.decode(in));
      }
      return states;
    }
  }
}
