package io.tributary.transforms.cdc;

import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.json.RowJsonText;
import io.tributary.transforms.metrics.LiveMetrics;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.metrics.StageExit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.InstantCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.MapState;
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
   * Keeps every version of a key in keyed state, one state entry per version, and emits the key's
   * change and history either on each accepted event or once at the end of the input.
   *
   * <p><b>State layout, and why.</b> A key with {@code n} versions used to live in one {@code
   * ValueState<List<Row>>} read, copied and rewritten whole on every event: {@code O(n)} per event,
   * {@code O(n²)} over a key's life. Now:
   *
   * <ul>
   *   <li>{@code versions}, a {@code MapState<CdcPosition, Row>}: one entry per version, so a
   *       redelivery is found by one lookup and a version is written once;
   *   <li>{@code newest}, a {@code ValueState<Row>}: the key's newest version, which an in-order
   *       event (position above the newest: the common case) compares with and closes;
   *   <li>the position index, in {@link Cdc.Emit#CHANGELOG} mode only: the key's positions in
   *       order, as {@code settled} (a {@code ValueState<List<CdcPosition>>}) followed by {@code
   *       appended} (a {@code BagState<CdcPosition>} that in-order events append to without reading
   *       it);
   *   <li>{@code floor} (the oldest kept position once {@code withStateTtl} compacted the key) and
   *       {@code expireAt}, as before.
   * </ul>
   *
   * <p>Cost per event, in state entries touched and independent of {@code n}: an in-order event
   * reads {@code newest} and writes {@code versions}, {@code newest} and (changelog) one {@code
   * appended} element; a redelivery or a superseded event in final-state mode reads one map entry.
   * A superseded (out-of-order) event in changelog mode must also find its neighbours — its
   * predecessor, whose {@code valid_to} it changes, and its successor, whose {@code source_ts} is
   * its own {@code valid_to}: it reads and rewrites the position index (positions only, 24 bytes
   * each, never the rows) and reads the two neighbouring rows. That is {@code O(n)} bytes of
   * positions for an out-of-order event, a small constant fraction of what the whole-list layout
   * read for every event; a two-level index (blocks of positions) would bring it to {@code O(√n)}
   * at the price of block splits and three more states, not worth it while out-of-order events are
   * the exception a CDC log makes them. Final state sorts the versions once, at the end of the
   * input.
   *
   * <p>Why not {@code OrderedListState}: its order is by {@code Instant} (a position is three
   * longs, and two versions at one millisecond would collide), and Beam 2.62's Flink runner keeps
   * it as one list it reads and sorts whole on every {@code readRange} — the cost this layout
   * removes. {@code MapState}, {@code ValueState} and {@code BagState} are native keyed state on
   * Flink and on the Direct runner.
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

    /** Every kept version of the key, by position. */
    @StateId("versions")
    private final StateSpec<MapState<CdcPosition, Row>> versionsSpec;

    /** The key's newest version (also in {@code versions}). */
    @StateId("newest")
    private final StateSpec<ValueState<Row>> newestSpec;

    /** The position index's sorted head; {@code appended} follows it (changelog mode only). */
    @StateId("settled")
    private final StateSpec<ValueState<List<CdcPosition>>> settledSpec =
        StateSpecs.value(ListCoder.of(CdcPosition.CODER));

    /** Positions of in-order events since the index was last rewritten, in order. */
    @StateId("appended")
    private final StateSpec<BagState<CdcPosition>> appendedSpec = StateSpecs.bag(CdcPosition.CODER);

    /**
     * Set once {@code expire} dropped older versions: the oldest kept position, below which an
     * event can no longer be placed.
     */
    @StateId("floor")
    private final StateSpec<ValueState<CdcPosition>> floorSpec =
        StateSpecs.value(CdcPosition.CODER);

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
      this.versionsSpec = StateSpecs.map(CdcPosition.CODER, RowCoder.of(events));
      this.newestSpec = StateSpecs.value(RowCoder.of(events));
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
        @StateId("versions") MapState<CdcPosition, Row> versions,
        @StateId("newest") ValueState<Row> newestState,
        @StateId("settled") ValueState<List<CdcPosition>> settled,
        @StateId("appended") BagState<CdcPosition> appended,
        @StateId("floor") ValueState<CdcPosition> floor,
        @StateId("expireAt") ValueState<Instant> expireAt,
        @TimerId("end") Timer end,
        @TimerId("expire") Timer expire,
        BoundedWindow window,
        MultiOutputReceiver out)
        throws Exception {
      Row event = element.getValue();
      CdcPosition at = CdcPosition.of(event);
      Row newest = newestState.read();
      int order = newest == null ? 1 : at.compareTo(CdcPosition.of(newest));
      if (order == 0 || (order < 0 && versions.get(at).read() != null)) {
        counters.exit(StageExit.DEDUPLICATED); // a redelivery: the first arrival wins
        return;
      }
      if (order < 0) {
        CdcPosition oldest = floor.read();
        if (oldest != null && at.compareTo(oldest) < 0) {
          rejectExpired(event, out);
          return;
        }
      }
      if (ttl != null) {
        Instant target = timestamp.plus(ttl);
        Instant planned = expireAt.read();
        if (planned == null || target.isAfter(planned)) {
          expireAt.write(target);
          expire.set(target);
        }
      }
      versions.put(at, event);
      counters.out(timestamp); // accepted: once per event, whatever and whenever it emits
      if (order > 0) {
        newestState.write(event);
      } else {
        superseded.inc();
      }
      if (emit != Cdc.Emit.CHANGELOG) {
        end.set(window.maxTimestamp());
        return;
      }
      if (order > 0) {
        appended.add(at);
        out.get(changesTag).output(toChange(event));
        out.get(historyTag).output(toHistory(event, null, true));
        if (newest != null) {
          out.get(historyTag).output(toHistory(newest, event, false));
        }
        return;
      }
      // Out of order: place it in the position index to find its neighbours.
      List<CdcPosition> positions = new ArrayList<>();
      List<CdcPosition> head = settled.read();
      if (head != null) {
        positions.addAll(head);
      }
      for (CdcPosition p : appended.read()) {
        positions.add(p); // each above everything before it: the concatenation is sorted
      }
      int i = -Collections.binarySearch(positions, at) - 1;
      Row successor = versions.get(positions.get(i)).read();
      out.get(historyTag).output(toHistory(event, successor, false));
      if (i > 0) {
        Row predecessor = versions.get(positions.get(i - 1)).read();
        out.get(historyTag).output(toHistory(predecessor, event, false));
      }
      positions.add(i, at);
      settled.write(positions);
      appended.clear();
    }

    private void rejectExpired(Row event, MultiOutputReceiver out) throws Exception {
      DeadLetters.reject(
          router,
          out,
          RowJsonText.render(event),
          StringUtf8Coder.of(),
          new RecordRejectedException(
              counters.stage(),
              "expired_state",
              "event at position "
                  + CdcPosition.of(event)
                  + " is older than the key's newest version and arrived after the key's "
                  + "older versions expired (withStateTtl "
                  + ttl
                  + "): it cannot be placed in the history nor told "
                  + "apart from a redelivery; replay the change log bounded to rebuild the exact history"));
    }

    @OnTimer("expire")
    public void onExpire(
        @StateId("versions") MapState<CdcPosition, Row> versions,
        @StateId("newest") ValueState<Row> newestState,
        @StateId("settled") ValueState<List<CdcPosition>> settled,
        @StateId("appended") BagState<CdcPosition> appended,
        @StateId("floor") ValueState<CdcPosition> floor,
        @StateId("expireAt") ValueState<Instant> expireAt) {
      expireAt.clear();
      Row newest = newestState.read();
      if (newest == null) {
        return;
      }
      if ("d".equals(newest.getString("op"))) {
        versions.clear();
        newestState.clear();
        settled.clear();
        appended.clear();
        floor.clear();
        expiredKeys.inc();
        return;
      }
      // Once per key and TTL, not per event: counting the versions may read them all.
      long kept = 0;
      for (CdcPosition unused : versions.keys().read()) {
        kept++;
      }
      if (kept > 1) {
        CdcPosition at = CdcPosition.of(newest);
        versions.clear();
        versions.put(at, newest);
        settled.write(new ArrayList<>(List.of(at)));
        appended.clear();
        floor.write(at);
        compacted.inc(kept - 1);
      }
    }

    @OnTimer("end")
    public void onEnd(
        @StateId("versions") MapState<CdcPosition, Row> versions,
        @StateId("newest") ValueState<Row> newestState,
        MultiOutputReceiver out) {
      List<Map.Entry<CdcPosition, Row>> sorted = new ArrayList<>();
      for (Map.Entry<CdcPosition, Row> e : versions.entries().read()) {
        sorted.add(e);
      }
      if (sorted.isEmpty()) {
        return;
      }
      sorted.sort(Map.Entry.comparingByKey()); // once per key, when the input ends
      Row last = sorted.get(sorted.size() - 1).getValue();
      out.get(changesTag).output(toChange(last));
      for (int i = 0; i < sorted.size(); i++) {
        Row next = i + 1 < sorted.size() ? sorted.get(i + 1).getValue() : null;
        out.get(historyTag).output(toHistory(sorted.get(i).getValue(), next, next == null));
      }
      versions.clear();
      newestState.clear();
    }

    private Row toChange(Row event) {
      Row image = event.getRow("row");
      List<Object> values = new ArrayList<>(image.getValues());
      values.add("d".equals(event.getString("op")));
      return Row.withSchema(changes).addValues(values).build();
    }

    /**
     * The history row of {@code event}, closed by {@code next} (null while none follows); {@code
     * last} says whether it is the key's newest version.
     */
    private Row toHistory(Row event, @Nullable Row next, boolean last) {
      List<Object> values = new ArrayList<>(event.getRow("row").getValues());
      values.add(event.getString("op"));
      values.add(CdcPosition.of(event).toString());
      values.add(event.getDateTime("source_ts"));
      values.add(next == null ? null : next.getDateTime("source_ts"));
      values.add(last && !"d".equals(event.getString("op")));
      return Row.withSchema(history).addValues(values).build();
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
