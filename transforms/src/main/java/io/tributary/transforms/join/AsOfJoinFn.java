package io.tributary.transforms.join;

import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.json.RowJsonText;
import io.tributary.transforms.metrics.LiveMetrics;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.metrics.StageExit;
import io.tributary.transforms.values.Durations;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
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
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TupleTag;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The stateful half of {@link AsOfJoin}: per key, the dimension's versions and the held facts, one
 * event-time timer that releases facts once the watermark passed their time and prunes versions no
 * future fact can need. The keying {@code DoFn}s that feed it are nested here. Its rules are
 * described on {@link AsOfJoin}.
 *
 * <pre>{@code
 * keyedFactsAndVersions.apply("JoinAsOf", ParDo.of(new AsOfJoinFn(facts, version, out, null,
 *         Duration.ZERO, false, AsOfJoin.Unmatched.NULLS, fallback, StageCounters.of("as_of_join"), router,
 *         joinedTag, lateTag)).withOutputTags(joinedTag, TupleTagList.of(lateTag)));
 * }</pre>
 */
final class AsOfJoinFn extends DoFn<KV<String, RawUnionValue>, Row> {
  /** Union tag of a fact. */
  static final int FACT = 0;

  /** Union tag of a version. */
  static final int VERSION = 1;

  /** The key of facts whose key is null: no version ever has it. */
  static final String NULL_KEY = "\u0000null";

  /** Version fields: validity time (millis), order, delete flag, the added values. */
  static final String T = "t";

  static final String ORDER = "order";
  static final String DELETED = "deleted";
  static final String VALUES = "values";

  private final Schema out;
  private final @Nullable String factTime;
  private final Duration lateness;
  private final boolean bounded;
  private final AsOfJoin.Unmatched unmatched;
  private final List<Object> fallback;
  private final StageCounters counters;
  private final BadRecordRouter router;
  private final TupleTag<Row> joinedTag;
  private final TupleTag<Row> lateTag;
  private final Counter lateAccepted =
      LiveMetrics.counter(DeadLetters.NAMESPACE, AsOfJoin.LATE_ACCEPTED);
  private final Counter lateVersions =
      LiveMetrics.counter(DeadLetters.NAMESPACE, AsOfJoin.LATE_VERSIONS);
  private final Counter pruned = LiveMetrics.counter(DeadLetters.NAMESPACE, AsOfJoin.PRUNED);
  private final Counter unmatchedCount =
      LiveMetrics.counter(DeadLetters.NAMESPACE, AsOfJoin.UNMATCHED);

  /** Validity time (millis) to the version valid from then. */
  @StateId("versions")
  private final StateSpec<MapState<Long, Row>> versionsSpec;

  /** Facts waiting for the watermark to pass their time, with their element timestamps. */
  @StateId("held")
  private final StateSpec<BagState<TimestampedValue<Row>>> heldSpec;

  /** The earliest fact time among the held facts. */
  @StateId("heldMin")
  private final StateSpec<ValueState<Long>> heldMinSpec = StateSpecs.value(VarLongCoder.of());

  /** The earliest element timestamp among the held facts: the timer's output hold. */
  @StateId("heldHold")
  private final StateSpec<ValueState<Long>> heldHoldSpec = StateSpecs.value(VarLongCoder.of());

  /** The key's watermark: the latest time a timer of this key fired at. */
  @StateId("learned")
  private final StateSpec<ValueState<Long>> learnedSpec = StateSpecs.value(VarLongCoder.of());

  /** When the versions are next pruned, if no fact release prunes them first. */
  @StateId("pruneAt")
  private final StateSpec<ValueState<Long>> pruneAtSpec = StateSpecs.value(VarLongCoder.of());

  /** When the timer is set for: an element only moves it earlier (keeping its output hold). */
  @StateId("timerAt")
  private final StateSpec<ValueState<Long>> timerAtSpec = StateSpecs.value(VarLongCoder.of());

  @TimerId("tick")
  private final TimerSpec tickSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

  AsOfJoinFn(
      Schema facts,
      Schema version,
      Schema out,
      @Nullable String factTime,
      Duration lateness,
      boolean bounded,
      AsOfJoin.Unmatched unmatched,
      List<Object> fallback,
      StageCounters counters,
      BadRecordRouter router,
      TupleTag<Row> joinedTag,
      TupleTag<Row> lateTag) {
    this.versionsSpec = StateSpecs.map(VarLongCoder.of(), RowCoder.of(version));
    this.heldSpec = StateSpecs.bag(TimestampedValue.TimestampedValueCoder.of(RowCoder.of(facts)));
    this.out = out;
    this.factTime = factTime;
    this.lateness = lateness;
    this.bounded = bounded;
    this.unmatched = unmatched;
    this.fallback = new ArrayList<>(fallback);
    this.counters = counters;
    this.router = router;
    this.joinedTag = joinedTag;
    this.lateTag = lateTag;
  }

  /**
   * The added fields of a kept version: the output's types, all nullable (a delete holds nulls, and
   * a null value is replaced by the field's default only when the fact is joined).
   */
  static Schema valuesSchema(Schema out, List<String> fields) {
    Schema.Builder b = Schema.builder();
    for (String f : fields) {
      b.addField(out.getField(f).withNullable(true));
    }
    return b.build();
  }

  /** A version as the join keeps it. */
  static Schema versionSchema(Schema values) {
    return Schema.builder()
        .addInt64Field(T)
        .addNullableField(ORDER, Schema.FieldType.STRING)
        .addBooleanField(DELETED)
        .addRowField(VALUES, values)
        .build();
  }

  /**
   * The one timer is re-armed by later elements while it still holds the output watermark at the
   * earliest held fact (or at a prune point): its output timestamp is then earlier than the element
   * that re-arms it, and with {@link AsOfJoin.Join#withFactTime} the release time itself may be
   * earlier than the fact's element timestamp. Both are what the hold is for, so the skew check is
   * lifted; every fact is still output at its own timestamp, never before the hold.
   */
  @Override
  @SuppressWarnings("deprecation") // the only way to hold a timer behind the current element
  public Duration getAllowedTimestampSkew() {
    return Durations.ANY_TIMESTAMP_SKEW;
  }

  @ProcessElement
  public void process(
      @Element KV<String, RawUnionValue> element,
      @Timestamp Instant timestamp,
      @StateId("versions") MapState<Long, Row> versions,
      @StateId("held") BagState<TimestampedValue<Row>> held,
      @StateId("heldMin") ValueState<Long> heldMin,
      @StateId("heldHold") ValueState<Long> heldHold,
      @StateId("learned") ValueState<Long> learnedState,
      @StateId("pruneAt") ValueState<Long> pruneAt,
      @StateId("timerAt") ValueState<Long> timerAt,
      @TimerId("tick") Timer tick,
      BoundedWindow window,
      MultiOutputReceiver receiver)
      throws Exception {
    Long learned = learnedState.read();
    RawUnionValue value = element.getValue();
    if (value.getUnionTag() == VERSION) {
      Row version = (Row) value.getValue();
      long t = version.getInt64(T);
      Row existing = versions.get(t).read();
      if (existing == null || !wins(existing, version)) {
        versions.put(t, version);
      }
      if (learned != null && t <= learned) {
        lateVersions.inc(); // facts already released at or after t are not revised
      }
      if (!bounded && pruneAt.read() == null) {
        // Not before the element's own timestamp: the timer's output hold may not precede it.
        long at =
            Math.max(
                Math.max(t, learned == null ? t : learned) + lateness.getMillis(),
                timestamp.getMillis());
        pruneAt.write(Math.min(at, window.maxTimestamp().getMillis()));
        arm(tick, timerAt, heldMin.read(), heldHold.read(), pruneAt.read(), window, false);
      }
      return;
    }
    Row fact = (Row) value.getValue();
    long t = timeOf(fact, timestamp);
    if (learned != null && t < learned - lateness.getMillis()) {
      counters.exit(StageExit.TOO_LATE);
      receiver.get(lateTag).output(fact);
      return;
    }
    if (learned != null && t <= learned) {
      lateAccepted.inc();
      release(
          List.of(TimestampedValue.of(fact, timestamp)),
          sorted(versions),
          element.getKey(),
          receiver);
      return;
    }
    held.add(TimestampedValue.of(fact, timestamp));
    Long min = heldMin.read();
    if (min == null || t < min) {
      heldMin.write(t);
    }
    Long hold = heldHold.read();
    boolean lowered = hold == null || timestamp.getMillis() < hold;
    if (lowered) {
      heldHold.write(timestamp.getMillis());
    }
    arm(tick, timerAt, heldMin.read(), heldHold.read(), pruneAt.read(), window, lowered);
  }

  @OnTimer("tick")
  public void onTick(
      OnTimerContext context,
      @Key String key,
      @StateId("versions") MapState<Long, Row> versions,
      @StateId("held") BagState<TimestampedValue<Row>> held,
      @StateId("heldMin") ValueState<Long> heldMin,
      @StateId("heldHold") ValueState<Long> heldHold,
      @StateId("learned") ValueState<Long> learnedState,
      @StateId("pruneAt") ValueState<Long> pruneAt,
      @StateId("timerAt") ValueState<Long> timerAt,
      @TimerId("tick") Timer tick,
      MultiOutputReceiver receiver)
      throws Exception {
    long now = context.fireTimestamp().getMillis();
    timerAt.clear();
    Long learned = learnedState.read();
    if (learned == null || now > learned) {
      learned = now;
      learnedState.write(now);
    }
    NavigableMap<Long, Row> byTime = sorted(versions);
    List<TimestampedValue<Row>> due = new ArrayList<>();
    List<TimestampedValue<Row>> waiting = new ArrayList<>();
    for (TimestampedValue<Row> f : held.read()) {
      (timeOf(f.getValue(), f.getTimestamp()) <= learned ? due : waiting).add(f);
    }
    release(due, byTime, key, receiver);
    held.clear();
    Long min = null;
    Long hold = null;
    for (TimestampedValue<Row> f : waiting) {
      held.add(f);
      long t = timeOf(f.getValue(), f.getTimestamp());
      min = min == null ? t : Math.min(min, t);
      hold =
          hold == null
              ? f.getTimestamp().getMillis()
              : Math.min(hold, f.getTimestamp().getMillis());
    }
    writeOrClear(heldMin, min);
    writeOrClear(heldHold, hold);
    if (bounded || now >= context.window().maxTimestamp().getMillis()) {
      versions.clear(); // the input ended: nothing can need them
      pruneAt.clear();
      held.clear();
      heldMin.clear();
      heldHold.clear();
      return;
    }
    int kept = prune(byTime, versions, learned - lateness.getMillis());
    Long prunePoint = pruneAt.read();
    if (prunePoint != null && prunePoint <= now) {
      // Versions newer than the horizon become prunable one lateness span later, at the latest.
      prunePoint =
          kept > 1
              ? Math.min(
                  now + Math.max(1, lateness.getMillis()),
                  context.window().maxTimestamp().getMillis())
              : null;
      writeOrClear(pruneAt, prunePoint);
    }
    arm(tick, timerAt, min, hold, prunePoint, context.window(), true);
  }

  /** Joins each fact with the version valid at its time and emits it (or its rejection). */
  private void release(
      List<TimestampedValue<Row>> facts,
      NavigableMap<Long, Row> byTime,
      String key,
      MultiOutputReceiver receiver)
      throws Exception {
    for (TimestampedValue<Row> f : facts) {
      Row fact = f.getValue();
      long t = timeOf(fact, f.getTimestamp());
      Map.Entry<Long, Row> at = byTime.floorEntry(t);
      Row version = at == null || at.getValue().getBoolean(DELETED) ? null : at.getValue();
      if (version == null && unmatched == AsOfJoin.Unmatched.DEAD_LETTER) {
        DeadLetters.reject(
            router,
            receiver,
            RowJsonText.render(fact),
            StringUtf8Coder.of(),
            new RecordRejectedException(
                counters.stage(), AsOfJoin.NO_VERSION, noVersion(key, t, at, byTime)));
        continue;
      }
      Row.Builder b = Row.withSchema(out).addValues(fact.getValues());
      if (version == null) {
        unmatchedCount.inc();
        b.addValues(fallback);
      } else {
        List<@Nullable Object> values = version.getRow(VALUES).getValues();
        for (int i = 0; i < values.size(); i++) {
          Object v = values.get(i);
          b.addValue(v == null ? fallback.get(i) : v); // a default also stands for a null value
        }
      }
      counters.out(f.getTimestamp());
      receiver.get(joinedTag).outputWithTimestamp(b.build(), f.getTimestamp());
    }
  }

  private static String noVersion(
      String key, long t, Map.@Nullable Entry<Long, Row> at, NavigableMap<Long, Row> byTime) {
    String what = NULL_KEY.equals(key) ? "a fact with a null key" : "key '" + key + "'";
    if (at != null) {
      return what
          + " was deleted at "
          + new Instant(at.getKey())
          + ", before the fact's time "
          + new Instant(t)
          + ", and not re-created by then";
    }
    if (byTime.isEmpty()) {
      return "the dimension has no version of " + what + " (fact time " + new Instant(t) + ")";
    }
    return "the first version of "
        + what
        + " is valid from "
        + new Instant(byTime.firstKey())
        + ", after the fact's time "
        + new Instant(t);
  }

  /**
   * Keeps the latest version at or before {@code horizon} and every newer one (a delete at the
   * horizon answers like no version, so it goes too); returns how many are kept.
   */
  private int prune(NavigableMap<Long, Row> byTime, MapState<Long, Row> versions, long horizon) {
    Map.Entry<Long, Row> floor = byTime.floorEntry(horizon);
    if (floor == null) {
      return byTime.size();
    }
    int removed = 0;
    for (Long t : new ArrayList<>(byTime.headMap(floor.getKey(), false).keySet())) {
      versions.remove(t);
      byTime.remove(t);
      removed++;
    }
    if (floor.getValue().getBoolean(DELETED)) {
      versions.remove(floor.getKey());
      byTime.remove(floor.getKey());
      removed++;
    }
    pruned.inc(removed);
    return byTime.size();
  }

  /**
   * Sets the one timer: at the earliest held fact or prune point; at the end when bounded. From an
   * element it only moves the timer earlier or its output hold down ({@code force}), so the hold
   * never moves past a held fact.
   */
  private void arm(
      Timer tick,
      ValueState<Long> timerAt,
      @Nullable Long heldMin,
      @Nullable Long heldHold,
      @Nullable Long pruneAt,
      BoundedWindow window,
      boolean force) {
    if (heldMin == null && pruneAt == null) {
      return;
    }
    long target;
    if (bounded) {
      target = window.maxTimestamp().getMillis();
    } else {
      target = Long.MAX_VALUE;
      if (heldMin != null) {
        target = heldMin;
      }
      if (pruneAt != null) {
        target = Math.min(target, pruneAt);
      }
      target = Math.min(target, window.maxTimestamp().getMillis());
    }
    Long current = timerAt.read();
    if (!force && current != null && current <= target) {
      return;
    }
    long hold = heldHold == null ? target : Math.min(heldHold, target);
    tick.withOutputTimestamp(new Instant(hold)).set(new Instant(target));
    timerAt.write(target);
  }

  private long timeOf(Row fact, Instant timestamp) {
    if (factTime == null) {
      return timestamp.getMillis();
    }
    return fact.getDateTime(factTime).getMillis();
  }

  private static NavigableMap<Long, Row> sorted(MapState<Long, Row> versions) {
    NavigableMap<Long, Row> byTime = new TreeMap<>();
    for (Map.Entry<Long, Row> e : versions.entries().read()) {
      byTime.put(e.getKey(), e.getValue());
    }
    return byTime;
  }

  /** Whether {@code a} wins over {@code b}, two versions with one validity time. */
  static boolean wins(Row a, Row b) {
    String oa = a.getString(ORDER);
    String ob = b.getString(ORDER);
    if (oa == null || ob == null) {
      return false; // no order: the later arrival wins
    }
    return oa.compareTo(ob) >= 0;
  }

  private static void writeOrClear(ValueState<Long> state, @Nullable Long value) {
    if (value == null) {
      state.clear();
    } else {
      state.write(value);
    }
  }

  /** Keys each fact by its key field (null: {@link #NULL_KEY}); counts it in. */
  static final class KeyFactsFn extends DoFn<Row, KV<String, RawUnionValue>> {
    private final String key;
    private final @Nullable String factTime;
    private final StageCounters counters;
    private final BadRecordRouter router;
    private final TupleTag<KV<String, RawUnionValue>> keyedTag;

    KeyFactsFn(
        String key,
        @Nullable String factTime,
        StageCounters counters,
        BadRecordRouter router,
        TupleTag<KV<String, RawUnionValue>> keyedTag) {
      this.key = key;
      this.factTime = factTime;
      this.counters = counters;
      this.router = router;
      this.keyedTag = keyedTag;
    }

    @ProcessElement
    public void process(@Element Row fact, MultiOutputReceiver receiver) throws Exception {
      counters.in();
      if (factTime != null && fact.getValue(factTime) == null) {
        DeadLetters.reject(
            router,
            receiver,
            RowJsonText.render(fact),
            StringUtf8Coder.of(),
            new RecordRejectedException(
                counters.stage(),
                AsOfJoin.NO_FACT_TIME,
                "the fact-time field '" + factTime + "' is null: the fact has no time to join at"));
        return;
      }
      Object k = fact.getValue(key);
      receiver
          .get(keyedTag)
          .output(KV.of(k == null ? NULL_KEY : String.valueOf(k), new RawUnionValue(FACT, fact)));
    }
  }

  /** Turns each dimension row into a version, keyed; rows with a null key or time match nothing. */
  static final class KeyVersionsFn extends DoFn<Row, KV<String, RawUnionValue>> {
    private final String key;
    private final String validFrom;
    private final @Nullable String deleteField;
    private final @Nullable String deleteValue;
    private final @Nullable String order;
    private final Schema version;
    private final Schema values;

    KeyVersionsFn(
        String key,
        String validFrom,
        @Nullable String deleteField,
        @Nullable String deleteValue,
        @Nullable String order,
        Schema version,
        Schema values) {
      this.key = key;
      this.validFrom = validFrom;
      this.deleteField = deleteField;
      this.deleteValue = deleteValue;
      this.order = order;
      this.version = version;
      this.values = values;
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<KV<String, RawUnionValue>> receiver) {
      Object k = row.getValue(key);
      if (k == null || row.getValue(validFrom) == null) {
        return; // reference data: it cannot be valid for any fact
      }
      boolean deleted =
          deleteField != null
              && deleteValue.equals(String.valueOf(row.<Object>getValue(deleteField)));
      Row.Builder v = Row.withSchema(values);
      for (Field f : values.getFields()) {
        v.addValue(deleted ? null : row.getValue(f.getName()));
      }
      Object o = order == null ? null : row.getValue(order);
      Row versionRow =
          Row.withSchema(version)
              .addValues(
                  row.getDateTime(validFrom).getMillis(),
                  o == null ? null : String.valueOf(o),
                  deleted,
                  v.build())
              .build();
      receiver.output(KV.of(String.valueOf(k), new RawUnionValue(VERSION, versionRow)));
    }
  }
}
