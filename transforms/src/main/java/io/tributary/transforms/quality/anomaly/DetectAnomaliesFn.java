package io.tributary.transforms.quality.anomaly;

import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.metrics.LiveMetrics;
import io.tributary.transforms.quality.QualitySchemas;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.joda.time.ReadableInstant;

/**
 * Runs anomaly checks along metric series inside the pipeline: keyed by {@code <check>|<series>},
 * in the global window, with the series' history in keyed state.
 *
 * <p>Metric records of different windows can reach it in any order (a bounded run emits all windows
 * at the end, in no particular order). They wait in a bag until an event-time timer at their
 * window's end fires, i.e. until the watermark says no earlier window is still coming, and are then
 * judged oldest first. The history starts from the records of earlier runs (the metrics repository)
 * and grows by every unflagged value of this run, so a streaming run's window 30 is compared with
 * windows 0 to 29 and with yesterday's windows.
 *
 * <pre>{@code
 * metrics.apply(ParDo.of(new KeyBySeriesFn(checks)))
 *     .apply(Window.into(new GlobalWindows()))
 *     .apply(ParDo.of(new DetectAnomaliesFn(checks, seedHistory, runId)));
 * }</pre>
 */
public final class DetectAnomaliesFn extends DoFn<KV<String, Row>, Row> {
  /** Order of metric records in a series: by window end, then run time (whole-input metrics). */
  public static final Comparator<Row> ORDER =
      Comparator.comparing(
              (Row r) -> orderInstant(r), Comparator.nullsFirst(Comparator.naturalOrder()))
          .thenComparing(r -> r.getString("run_id"));

  private final List<AnomalyCheck> checks;
  private final Map<String, List<Double>> seeds;
  private final String runId;
  private final Counter anomalies = LiveMetrics.counter(DeadLetters.NAMESPACE, "quality.anomalies");

  @StateId("pending")
  private final StateSpec<BagState<Row>> pendingSpec =
      StateSpecs.bag(RowCoder.of(QualitySchemas.METRIC));

  @StateId("history")
  private final StateSpec<ValueState<List<Double>>> historySpec =
      StateSpecs.value(ListCoder.of(DoubleCoder.of()));

  @StateId("key")
  private final StateSpec<ValueState<String>> keySpec =
      StateSpecs.value(org.apache.beam.sdk.coders.StringUtf8Coder.of());

  @StateId("next")
  private final StateSpec<ValueState<Long>> nextSpec = StateSpecs.value(VarLongCoder.of());

  @TimerId("flush")
  private final TimerSpec flushSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

  /** Judges series with {@code checks}; {@code seeds} maps series names to earlier values. */
  public DetectAnomaliesFn(
      List<AnomalyCheck> checks, Map<String, List<Double>> seeds, String runId) {
    this.checks = new ArrayList<>(checks);
    this.seeds = new HashMap<>(seeds);
    this.runId = runId;
  }

  private static ReadableInstant orderInstant(Row r) {
    ReadableInstant end = r.getDateTime("window_end");
    return end != null ? end : r.getDateTime("run_time");
  }

  /**
   * When a record's window is complete: its window's last instant (the global window's for
   * whole-input metrics).
   */
  static Instant due(Row r) {
    ReadableInstant end = r.getDateTime("window_end");
    return end == null
        ? GlobalWindow.INSTANCE.maxTimestamp()
        : end.toInstant().minus(org.joda.time.Duration.millis(1));
  }

  @ProcessElement
  public void process(
      @Element KV<String, Row> element,
      @StateId("key") ValueState<String> key,
      @StateId("pending") BagState<Row> pending,
      @StateId("next") ValueState<Long> next,
      @TimerId("flush") Timer flush) {
    if (key.read() == null) { // the timer callback has no element: remember which check this key is
      key.write(element.getKey());
    }
    pending.add(element.getValue());
    long due = due(element.getValue()).getMillis();
    Long scheduled = next.read();
    if (scheduled == null || due < scheduled) {
      flush.set(new Instant(due));
      next.write(due);
    }
  }

  @OnTimer("flush")
  public void onFlush(
      OnTimerContext context,
      @StateId("key") ValueState<String> key,
      @StateId("pending") BagState<Row> pending,
      @StateId("history") ValueState<List<Double>> historyState,
      @StateId("next") ValueState<Long> next,
      @TimerId("flush") Timer flush) {
    Instant firedAt = context.timestamp();
    List<Row> ready = new ArrayList<>();
    List<Row> later = new ArrayList<>();
    for (Row r : pending.read()) {
      (due(r).isAfter(firedAt) ? later : ready).add(r);
    }
    if (ready.isEmpty() && later.isEmpty()) {
      next.clear();
      return;
    }
    ready.sort(ORDER);
    String k = key.read();
    int bar = k.indexOf('|');
    AnomalyCheck check = checks.get(Integer.parseInt(k.substring(0, bar)));
    String series = k.substring(bar + 1);
    List<Double> history = historyState.read();
    if (history == null) {
      history = new ArrayList<>(seeds.getOrDefault(series, List.of()));
    } else {
      history = new ArrayList<>(history);
    }
    for (Row r : ready) {
      Double value = r.getDouble("value");
      if (value == null) {
        continue; // undefined values are neither judged nor history
      }
      AnomalyStrategy.Verdict v = check.strategy().check(history, value);
      if (v == null) {
        history.add(value);
        continue;
      }
      anomalies.inc();
      context.output(
          Row.withSchema(QualitySchemas.ANOMALY)
              .withFieldValue("dataset", r.getString("dataset"))
              .withFieldValue("run_id", runId)
              .withFieldValue("window_start", r.getDateTime("window_start"))
              .withFieldValue("window_end", r.getDateTime("window_end"))
              .withFieldValue("metric", series)
              .withFieldValue("value", value)
              .withFieldValue("strategy", check.strategy().describe())
              .withFieldValue("lower", v.lower())
              .withFieldValue("upper", v.upper())
              .withFieldValue("message", v.message())
              .build());
    }
    historyState.write(history);
    pending.clear();
    if (later.isEmpty()) {
      next.clear();
      return;
    }
    long earliest = Long.MAX_VALUE;
    for (Row r : later) {
      pending.add(r);
      earliest = Math.min(earliest, due(r).getMillis());
    }
    flush.set(new Instant(earliest));
    next.write(earliest);
  }
}
