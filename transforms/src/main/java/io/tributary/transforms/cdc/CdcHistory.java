package io.tributary.transforms.cdc;

import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.json.RowJsonText;
import io.tributary.transforms.metrics.LiveMetrics;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.metrics.StageExit;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.InstantCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The second half of {@link Cdc#apply}: the per-key history state machine. It orders a key's change
 * events (rows of {@link CdcEnvelope#eventSchema}) by source position in keyed state, keeps the SCD
 * type 2 versions, bounds the state with {@code withStateTtl}, and emits current-state changes and
 * history versions, either on every accepted event ({@link Cdc.Emit#CHANGELOG}) or once per key
 * when the input ends ({@link Cdc.Emit#FINAL_STATE}). It knows nothing of the envelope's JSON,
 * which is {@link CdcEnvelope}'s.
 *
 * <p>Its accounting, on the stage's counters: an event at a new position for its key is
 * <em>accepted</em> and counted once in {@code stage.<stage>.out}, however many rows it emits and
 * whenever it emits them (superseded events included, also counted in {@value Cdc#SUPERSEDED}); a
 * position already seen (a redelivery) leaves by the {@link StageExit#DEDUPLICATED} exit; an event
 * that cannot be placed after its key's state was compacted is a rejection, reason {@code
 * expired_state}.
 *
 * <pre>{@code
 * decoded.apply("ApplyByKey", ParDo.of(new CdcHistory.ApplyFn(events, changes, history, emit,
 *         stateTtl, changesTag, historyTag, router, StageCounters.of("cdc")))
 *     .withOutputTags(changesTag, TupleTagList.of(historyTag)));
 * }</pre>
 */
final class CdcHistory {
  private CdcHistory() {}

  /**
   * Keeps every version of a key, sorted by position, in keyed state, and emits the key's change
   * and history either on each accepted event or once at the end of the input.
   */
  static final class ApplyFn extends DoFn<KV<String, Row>, Row> {
    private final Schema changes;
    private final Schema history;
    private final Cdc.Emit emit;
    private final TupleTag<Row> changesTag;
    private final TupleTag<Row> historyTag;
    private final StageCounters counters;
    private final Counter superseded = LiveMetrics.counter(DeadLetters.NAMESPACE, Cdc.SUPERSEDED);
    private final Counter compacted = LiveMetrics.counter(DeadLetters.NAMESPACE, Cdc.COMPACTED);
    private final Counter expiredKeys =
        LiveMetrics.counter(DeadLetters.NAMESPACE, Cdc.EXPIRED_KEYS);
    private final @Nullable Duration ttl;
    private final BadRecordRouter router;

    @StateId("versions")
    private final StateSpec<ValueState<List<Row>>> versionsSpec;

    /** True once {@code expire} dropped older versions: the kept one is no longer the first. */
    @StateId("compacted")
    private final StateSpec<ValueState<Boolean>> compactedSpec =
        StateSpecs.value(BooleanCoder.of());

    /**
     * When {@code expire} is set for, so a late element's older timestamp never brings it forward.
     */
    @StateId("expireAt")
    private final StateSpec<ValueState<Instant>> expireAtSpec = StateSpecs.value(InstantCoder.of());

    @TimerId("end")
    private final TimerSpec endSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    @TimerId("expire")
    private final TimerSpec expireSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    ApplyFn(
        Schema events,
        Schema changes,
        Schema history,
        Cdc.Emit emit,
        @Nullable Duration ttl,
        TupleTag<Row> changesTag,
        TupleTag<Row> historyTag,
        BadRecordRouter router,
        StageCounters counters) {
      this.counters = counters;
      this.versionsSpec = StateSpecs.value(ListCoder.of(RowCoder.of(events)));
      this.changes = changes;
      this.history = history;
      this.emit = emit;
      this.ttl = ttl;
      this.changesTag = changesTag;
      this.historyTag = historyTag;
      this.router = router;
    }

    @ProcessElement
    public void process(
        @Element KV<String, Row> element,
        @Timestamp Instant timestamp,
        @StateId("versions") ValueState<List<Row>> state,
        @StateId("compacted") ValueState<Boolean> compactedState,
        @StateId("expireAt") ValueState<Instant> expireAt,
        @TimerId("end") Timer end,
        @TimerId("expire") Timer expire,
        BoundedWindow window,
        MultiOutputReceiver out)
        throws Exception {
      Row event = element.getValue();
      List<Row> versions = state.read();
      versions = versions == null ? new ArrayList<>() : new ArrayList<>(versions);
      int at = 0;
      while (at < versions.size() && compare(versions.get(at), event) < 0) {
        at++;
      }
      if (at < versions.size() && compare(versions.get(at), event) == 0) {
        counters.exit(StageExit.DEDUPLICATED); // a redelivery: the first arrival wins
        return;
      }
      if (at == 0 && !versions.isEmpty() && Boolean.TRUE.equals(compactedState.read())) {
        DeadLetters.reject(
            router,
            out,
            RowJsonText.render(event),
            StringUtf8Coder.of(),
            new RecordRejectedException(
                counters.stage(),
                "expired_state",
                "event at position "
                    + Cdc.formatPosition(
                        event.getInt64("pos"), event.getInt64("tx"), event.getInt64("seq"))
                    + " is older than the key's newest version and arrived after the key's "
                    + "older versions expired (withStateTtl "
                    + ttl
                    + "): it cannot be placed in the history nor told "
                    + "apart from a redelivery; replay the change log bounded to rebuild the exact history"));
        return;
      }
      if (ttl != null) {
        Instant target = timestamp.plus(ttl);
        Instant planned = expireAt.read();
        if (planned == null || target.isAfter(planned)) {
          expireAt.write(target);
          expire.set(target);
        }
      }
      versions.add(at, event);
      state.write(versions);
      counters.out(timestamp); // accepted: once per event, whatever and whenever it emits
      boolean newest = at == versions.size() - 1;
      if (!newest) {
        superseded.inc();
      }
      if (emit == Cdc.Emit.CHANGELOG) {
        if (newest) {
          out.get(changesTag).output(toChange(event));
        }
        out.get(historyTag).output(toHistory(versions, at));
        if (at > 0) {
          out.get(historyTag).output(toHistory(versions, at - 1));
        }
      } else {
        end.set(window.maxTimestamp());
      }
    }

    @OnTimer("expire")
    public void onExpire(
        @StateId("versions") ValueState<List<Row>> state,
        @StateId("compacted") ValueState<Boolean> compactedState,
        @StateId("expireAt") ValueState<Instant> expireAt) {
      expireAt.clear();
      List<Row> versions = state.read();
      if (versions == null || versions.isEmpty()) {
        return;
      }
      Row newest = versions.get(versions.size() - 1);
      if ("d".equals(newest.getString("op"))) {
        state.clear();
        compactedState.clear();
        expiredKeys.inc();
      } else if (versions.size() > 1) {
        state.write(new ArrayList<>(List.of(newest)));
        compactedState.write(true);
        compacted.inc(versions.size() - 1);
      }
    }

    @OnTimer("end")
    public void onEnd(@StateId("versions") ValueState<List<Row>> state, MultiOutputReceiver out) {
      List<Row> versions = state.read();
      if (versions == null || versions.isEmpty()) {
        return;
      }
      out.get(changesTag).output(toChange(versions.get(versions.size() - 1)));
      for (int i = 0; i < versions.size(); i++) {
        out.get(historyTag).output(toHistory(versions, i));
      }
      state.clear();
    }

    private Row toChange(Row event) {
      Row image = event.getRow("row");
      List<Object> values = new ArrayList<>(image.getValues());
      values.add("d".equals(event.getString("op")));
      return Row.withSchema(changes).addValues(values).build();
    }

    private Row toHistory(List<Row> versions, int i) {
      Row event = versions.get(i);
      boolean last = i == versions.size() - 1;
      List<Object> values = new ArrayList<>(event.getRow("row").getValues());
      values.add(event.getString("op"));
      values.add(
          Cdc.formatPosition(event.getInt64("pos"), event.getInt64("tx"), event.getInt64("seq")));
      values.add(event.getDateTime("source_ts"));
      values.add(last ? null : versions.get(i + 1).getDateTime("source_ts"));
      values.add(last && !"d".equals(event.getString("op")));
      return Row.withSchema(history).addValues(values).build();
    }

    static int compare(Row a, Row b) {
      int c = Long.compare(a.getInt64("pos"), b.getInt64("pos"));
      if (c == 0) {
        c = Long.compare(a.getInt64("tx"), b.getInt64("tx"));
      }
      if (c == 0) {
        c = Long.compare(a.getInt64("seq"), b.getInt64("seq"));
      }
      return c;
    }
  }

  /** Upserts of the change stream, as rows of the (strict) table schema. */
  static final class CurrentFn extends DoFn<Row, Row> {
    private final Schema table;

    CurrentFn(Schema table) {
      this.table = table;
    }

    @ProcessElement
    public void process(@Element Row change, OutputReceiver<Row> out) {
      if (Boolean.TRUE.equals(change.getBoolean(Cdc.DELETED))) {
        return;
      }
      out.output(
          Row.withSchema(table)
              .addValues(change.getValues().subList(0, table.getFieldCount()))
              .build());
    }
  }
}
