package io.tributary.transforms.lookup;

import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.json.RowJsonText;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.values.Durations;
import io.tributary.transforms.values.RowBytesCoder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.InstantCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The {@link MissingKey#WAIT} lookup: a stateful stage, keyed by the lookup key, that holds a row
 * whose key the table lacks until a refreshed snapshot has the key, at most a bound. Built by
 * {@link Lookup#expand}; users write:
 *
 * <pre>{@code
 * readings.apply(Lookup.fromTable(devices).by("device_id").withField("site")
 *     .withRefresh(Duration.standardMinutes(1))
 *     .withMissingKey(MissingKey.WAIT).withMaxWait(Duration.standardMinutes(5)));
 * }</pre>
 *
 * <p><b>Why every snapshot also goes through the keyed stage.</b> A held row must be re-checked
 * when the table changes, but Beam gives no side input to a timer callback ({@code @OnTimer} cannot
 * read one). So each snapshot's rows are also sent, by key, into the same keyed stage as the main
 * rows: a table row arriving for a key with held rows releases them, enriched, in their order. A
 * key without held rows ignores its table row (nothing is stored), so the state is only the held
 * rows. Main rows still use the side input, as the other rules do, so a row whose key is known goes
 * out at once unless rows of its key are held before it (then it joins them: no overtaking).
 *
 * <p><b>Time.</b> A processing-time timer fires at the oldest held row's deadline (arrival plus the
 * bound); an event-time timer at the end of the global window fires when the input ends. Both carry
 * the oldest held row's event time as their output timestamp, so they hold the watermark there: a
 * released row keeps its own timestamp and is never behind the output watermark.
 */
final class WaitForKey extends PTransform<PCollection<Row>, PCollection<Row>>
    implements AccountedStage {
  private final String key;
  private final Schema out;
  private final Schema values;
  private final PCollection<KV<Long, Map<String, Row>>> reads;
  private final PCollectionView<Map<String, Row>> snapshot;
  private final List<Object> fallback;
  private final MissingKey afterWait;
  private final Duration maxWait;
  private final String stage;
  private final ErrorHandler<BadRecord, ?> handler;

  WaitForKey(
      String key,
      Schema out,
      Schema values,
      PCollection<KV<Long, Map<String, Row>>> reads,
      PCollectionView<Map<String, Row>> snapshot,
      List<Object> fallback,
      MissingKey afterWait,
      Duration maxWait,
      String stage,
      ErrorHandler<BadRecord, ?> handler) {
    this.key = key;
    this.out = out;
    this.values = values;
    this.reads = reads;
    this.snapshot = snapshot;
    this.fallback = fallback;
    this.afterWait = afterWait;
    this.maxWait = maxWait;
    this.stage = stage;
    this.handler = handler;
  }

  @Override
  public String stageName() {
    return stage;
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> input) {
    // One element type for main rows and table rows: exactly one of the two fields is set.
    Schema union =
        Schema.builder()
            .addNullableField("row", FieldType.row(input.getSchema()))
            .addNullableField("table", FieldType.row(values))
            .build();
    KvCoder<String, Row> coder = KvCoder.of(StringUtf8Coder.of(), RowCoder.of(union));
    PCollection<KV<String, Row>> rows =
        input.apply("KeyRows", ParDo.of(new KeyRowsFn(key, union))).setCoder(coder);
    // Flatten needs one windowing strategy: the table rows take the main input's trigger.
    WindowingStrategy<?, ?> ws = input.getWindowingStrategy();
    Window<KV<String, Row>> same =
        Window.<KV<String, Row>>into(new GlobalWindows())
            .triggering(ws.getTrigger())
            .withAllowedLateness(ws.getAllowedLateness());
    same =
        ws.getMode() == WindowingStrategy.AccumulationMode.ACCUMULATING_FIRED_PANES
            ? same.accumulatingFiredPanes()
            : same.discardingFiredPanes();
    PCollection<KV<String, Row>> tableRows =
        reads
            .apply("KeyTableRows", ParDo.of(new KeyTableRowsFn(union)))
            .setCoder(coder)
            .apply("AsMainInput", same);
    PCollectionTuple result =
        PCollectionList.of(rows)
            .and(tableRows)
            .apply("RowsAndTable", Flatten.pCollections())
            .apply(
                "WaitForKey",
                ParDo.of(
                        new WaitFn(
                            key,
                            input.getSchema(),
                            out,
                            snapshot,
                            fallback,
                            afterWait,
                            maxWait,
                            stage,
                            DeadLetters.routerFor(handler)))
                    .withSideInputs(snapshot)
                    .withOutputTags(
                        WaitFn.ENRICHED, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    DeadLetters.register(handler, result);
    return result.get(WaitFn.ENRICHED).setCoder(RowBytesCoder.of(out));
  }

  /** A main row keyed by its lookup key (a null key by "": it is never held, see WaitFn). */
  static final class KeyRowsFn extends DoFn<Row, KV<String, Row>> {
    private final String key;
    private final Schema union;

    KeyRowsFn(String key, Schema union) {
      this.key = key;
      this.union = union;
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<KV<String, Row>> o) {
      Object k = row.getValue(key);
      o.output(
          KV.of(
              k == null ? "" : String.valueOf(k),
              Row.withSchema(union).addValues(row, null).build()));
    }
  }

  /** Every row of a snapshot, keyed, so that it can release the rows held for its key. */
  static final class KeyTableRowsFn extends DoFn<KV<Long, Map<String, Row>>, KV<String, Row>> {
    private final Schema union;

    KeyTableRowsFn(Schema union) {
      this.union = union;
    }

    @ProcessElement
    public void process(
        @Element KV<Long, Map<String, Row>> read, OutputReceiver<KV<String, Row>> o) {
      for (Map.Entry<String, Row> e : read.getValue().entrySet()) {
        o.output(KV.of(e.getKey(), Row.withSchema(union).addValues(null, e.getValue()).build()));
      }
    }
  }

  /** Holds rows per key until the key appears, the bound passes or the input ends. */
  static final class WaitFn extends DoFn<KV<String, Row>, Row> {
    static final TupleTag<Row> ENRICHED = new TupleTag<Row>() {};

    private final String key;
    private final Schema out;
    private final Schema heldSchema;
    private final PCollectionView<Map<String, Row>> snapshot;
    private final List<Object> fallback;
    private final MissingKey afterWait;
    private final Duration maxWait;
    private final String stage;
    private final BadRecordRouter router;
    private final StageCounters counters;

    /** The held rows of a key: arrival order, arrival (processing time), timestamp, the row. */
    @StateId("held")
    private final StateSpec<BagState<Row>> held;

    /** The next arrival number of a held row; null when nothing is held. */
    @StateId("next")
    private final StateSpec<ValueState<Long>> next = StateSpecs.value(VarLongCoder.of());

    /** The oldest timestamp of a held row: the output timestamp both timers hold. */
    @StateId("hold")
    private final StateSpec<ValueState<Instant>> hold = StateSpecs.value(InstantCoder.of());

    /** When the oldest held row's bound passes (processing time). */
    @StateId("deadline")
    private final StateSpec<ValueState<Instant>> deadline = StateSpecs.value(InstantCoder.of());

    @TimerId("bound")
    private final TimerSpec bound = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    @TimerId("end")
    private final TimerSpec end = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    WaitFn(
        String key,
        Schema in,
        Schema out,
        PCollectionView<Map<String, Row>> snapshot,
        List<Object> fallback,
        MissingKey afterWait,
        Duration maxWait,
        String stage,
        BadRecordRouter router) {
      this.key = key;
      this.out = out;
      this.heldSchema =
          Schema.builder()
              .addInt64Field("seq")
              .addInt64Field("arrived_ms")
              .addInt64Field("timestamp_ms")
              .addRowField("row", in)
              .build();
      this.snapshot = snapshot;
      this.fallback = new ArrayList<>(fallback);
      this.afterWait = afterWait;
      this.maxWait = maxWait;
      this.stage = stage;
      this.router = router;
      this.counters = StageCounters.of(stage);
      this.held = StateSpecs.bag(RowCoder.of(heldSchema));
    }

    /**
     * Released rows keep their own timestamps, older than the table row or timer that releases
     * them, which Beam's default skew check refuses. It is safe here: both timers hold the output
     * watermark at the oldest held row's timestamp (their output timestamp), so no released row is
     * behind it; Beam's check cannot see that hold. The method is deprecated for sources that emit
     * behind the watermark, which this stage does not do.
     */
    @SuppressWarnings("deprecation")
    @Override
    public Duration getAllowedTimestampSkew() {
      return Durations.ANY_TIMESTAMP_SKEW;
    }

    @ProcessElement
    public void process(
        @Element KV<String, Row> element,
        @Timestamp Instant timestamp,
        ProcessContext c,
        MultiOutputReceiver receiver,
        @StateId("held") BagState<Row> heldRows,
        @StateId("next") ValueState<Long> nextSeq,
        @StateId("hold") ValueState<Instant> holdAt,
        @StateId("deadline") ValueState<Instant> deadlineAt,
        @TimerId("bound") Timer boundTimer,
        @TimerId("end") Timer endTimer)
        throws Exception {
      Row table = element.getValue().getRow("table");
      Long seq = nextSeq.read();
      if (table != null) {
        if (seq != null) {
          release(heldRows, table, receiver);
          clear(heldRows, nextSeq, holdAt, deadlineAt, boundTimer, endTimer);
        }
        return;
      }
      Row row = element.getValue().getRow("row");
      counters.in();
      Object k = row.getValue(key);
      if (k == null) {
        // A null key never matches: waiting cannot help.
        giveUp(row, timestamp, Lookup.NO_MATCH, "the key field '" + key + "' is null", receiver);
        return;
      }
      Row match = c.sideInput(snapshot).get(element.getKey());
      if (seq == null && match != null) {
        emit(row, match.getValues(), timestamp, receiver);
        return;
      }
      Instant now = boundTimer.getCurrentRelativeTime();
      long s = seq == null ? 0L : seq;
      heldRows.add(
          Row.withSchema(heldSchema)
              .addValues(s, now.getMillis(), timestamp.getMillis(), row)
              .build());
      nextSeq.write(s + 1);
      if (match != null) {
        // Rows of this key were held before this one, and the key is now known: all go, in order.
        release(heldRows, match, receiver);
        clear(heldRows, nextSeq, holdAt, deadlineAt, boundTimer, endTimer);
        return;
      }
      Instant oldest = holdAt.read();
      Instant due = deadlineAt.read();
      if (due == null) {
        due = now.plus(maxWait);
        deadlineAt.write(due);
      }
      if (oldest == null || timestamp.isBefore(oldest) || seq == null) {
        oldest = oldest == null || timestamp.isBefore(oldest) ? timestamp : oldest;
        holdAt.write(oldest);
        setTimers(boundTimer, endTimer, due, oldest);
      }
    }

    /** The oldest held rows' bound passed: those whose own bound passed follow the after-rule. */
    @OnTimer("bound")
    public void onBound(
        MultiOutputReceiver receiver,
        @StateId("held") BagState<Row> heldRows,
        @StateId("next") ValueState<Long> nextSeq,
        @StateId("hold") ValueState<Instant> holdAt,
        @StateId("deadline") ValueState<Instant> deadlineAt,
        @TimerId("bound") Timer boundTimer,
        @TimerId("end") Timer endTimer)
        throws Exception {
      if (nextSeq.read() == null) {
        return; // released since the timer was set
      }
      Instant now = boundTimer.getCurrentRelativeTime();
      List<Row> rows = inOrder(heldRows);
      List<Row> left = new ArrayList<>();
      for (Row h : rows) {
        Instant arrived = new Instant(h.getInt64("arrived_ms").longValue());
        if (left.isEmpty() && !arrived.plus(maxWait).isAfter(now)) {
          giveUpHeld(h, "within the wait of " + maxWait, receiver);
        } else {
          left.add(h);
        }
      }
      heldRows.clear();
      if (left.isEmpty()) {
        clear(heldRows, nextSeq, holdAt, deadlineAt, boundTimer, endTimer);
        return;
      }
      Instant oldest = null;
      for (Row h : left) {
        heldRows.add(h);
        Instant t = new Instant(h.getInt64("timestamp_ms").longValue());
        oldest = oldest == null || t.isBefore(oldest) ? t : oldest;
      }
      Instant due = new Instant(left.get(0).getInt64("arrived_ms").longValue()).plus(maxWait);
      holdAt.write(oldest);
      deadlineAt.write(due);
      setTimers(boundTimer, endTimer, due, oldest);
    }

    /** The input ended: every held row follows the after-rule, in order. */
    @OnTimer("end")
    public void onEnd(
        MultiOutputReceiver receiver,
        @StateId("held") BagState<Row> heldRows,
        @StateId("next") ValueState<Long> nextSeq,
        @StateId("hold") ValueState<Instant> holdAt,
        @StateId("deadline") ValueState<Instant> deadlineAt,
        @TimerId("bound") Timer boundTimer,
        @TimerId("end") Timer endTimer)
        throws Exception {
      if (nextSeq.read() == null) {
        return;
      }
      for (Row h : inOrder(heldRows)) {
        giveUpHeld(h, "when the input ended", receiver);
      }
      clear(heldRows, nextSeq, holdAt, deadlineAt, boundTimer, endTimer);
    }

    private static void setTimers(Timer boundTimer, Timer endTimer, Instant due, Instant oldest) {
      boundTimer.withOutputTimestamp(oldest).set(due);
      endTimer.withOutputTimestamp(oldest).set(GlobalWindow.INSTANCE.maxTimestamp());
    }

    private static void clear(
        BagState<Row> heldRows,
        ValueState<Long> nextSeq,
        ValueState<Instant> holdAt,
        ValueState<Instant> deadlineAt,
        Timer boundTimer,
        Timer endTimer) {
      heldRows.clear();
      nextSeq.clear();
      holdAt.clear();
      deadlineAt.clear();
      boundTimer.clear();
      endTimer.clear();
    }

    /** The held rows by arrival: a bag promises no order, so the arrival number gives it. */
    private static List<Row> inOrder(BagState<Row> heldRows) {
      List<Row> rows = new ArrayList<>();
      heldRows.read().forEach(rows::add);
      rows.sort(Comparator.comparingLong((Row h) -> h.getInt64("seq")));
      return rows;
    }

    private void release(BagState<Row> heldRows, Row match, MultiOutputReceiver receiver) {
      for (Row h : inOrder(heldRows)) {
        emit(
            h.getRow("row"),
            match.getValues(),
            new Instant(h.getInt64("timestamp_ms").longValue()),
            receiver);
      }
    }

    private void emit(Row row, List<Object> added, Instant ts, MultiOutputReceiver r) {
      Row enriched = Row.withSchema(out).addValues(row.getValues()).addValues(added).build();
      counters.out();
      r.get(ENRICHED).outputWithTimestamp(enriched, ts);
    }

    /** A held row (its arrival record {@code held}) follows the after-rule: no key {@code when}. */
    private void giveUpHeld(Row held, String when, MultiOutputReceiver receiver) throws Exception {
      Row row = held.getRow("row");
      giveUp(
          row,
          new Instant(held.getInt64("timestamp_ms").longValue()),
          Lookup.NO_MATCH_AFTER_WAIT,
          "no table row had " + Lookup.keyText(key, row.getValue(key)) + " " + when,
          receiver);
    }

    private void giveUp(
        Row row, Instant ts, String reason, String message, MultiOutputReceiver receiver)
        throws Exception {
      if (afterWait == MissingKey.FILL_NULLS) {
        emit(row, fallback, ts, receiver);
        return;
      }
      DeadLetters.reject(
          router,
          receiver,
          RowJsonText.render(row),
          StringUtf8Coder.of(),
          new RecordRejectedException(stage, reason, message));
    }
  }
}
