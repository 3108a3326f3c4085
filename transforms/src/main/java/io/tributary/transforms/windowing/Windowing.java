package io.tributary.transforms.windowing;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.LiveMetrics;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.metrics.StageExit;
import io.tributary.transforms.values.Durations;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.InstantCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.Impulse;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Windows a schema'd collection by a {@link WindowSpec} and routes records that are later than the
 * allowed lateness to their own output, counted, instead of letting a GroupByKey drop them.
 *
 * <p>Why a transform and not just {@code Window.into}: Beam's GroupByKey silently drops elements
 * whose window expired (window end + allowed lateness is behind its input watermark; the runner
 * only bumps an internal {@code droppedDueToLateness} counter). This transform decides lateness
 * <em>before</em> any GroupByKey, in one keyed stateful step in the global window:
 *
 * <ol>
 *   <li>It learns the watermark through event-time timers set at the end and at the expiry (end +
 *       lateness) of every window it admitted: a timer firing at {@code t} proves the input
 *       watermark passed {@code t}.
 *   <li>A record whose window expired before the learned watermark goes to {@link
 *       WindowedResult#tooLate()} as a {@link Row} of {@link #tooLateSchema(Schema)}, once per
 *       missed window; a record that missed every window it belongs to leaves the stage by its
 *       {@link StageExit#TOO_LATE} exit ({@code tributary/stage.<stage>.too_late}).
 *   <li>Every timer holds the step's output watermark at the learned watermark, so no GroupByKey
 *       downstream can see the watermark pass a window this step has admitted. Together that makes
 *       the accounting exact: every record is either in {@link WindowedResult#output()} and reaches
 *       the aggregation, or in {@link WindowedResult#tooLate()}.
 * </ol>
 *
 * <p>Counters in namespace {@code tributary}: {@code window.on_time} and {@code
 * window.late_accepted} (record-window pairs admitted before, or after, the watermark passed the
 * window end) and {@code window.missed} (record-window pairs in {@link WindowedResult#tooLate()}).
 * Panes are counted by {@link PaneMetadata#attach()}; the Window transform is {@link
 * WindowSpec#toWindow()}, so no empty on-time or final pane is emitted (issue 17: a watermark jump
 * past a window's end and expiry no longer adds an empty ON_TIME pane on Flink).
 *
 * <p>An {@link AccountedStage} named {@value #STAGE} unless {@link Into#withStageName} says
 * otherwise: every record counts once in {@code tributary/stage.<stage>.in} and leaves once, either
 * on {@link WindowedResult#output()} ({@code stage.<stage>.out}: admitted to at least one of its
 * windows, however many windows it is in) or by {@code stage.<stage>.too_late} (it missed every
 * window).
 *
 * <p>Costs and limits: the learning step has one key by default, so on Flink it runs in one task
 * slot (its per-record work is a few state reads); {@link Into#withRouterBuckets} spreads it over
 * several keys, each of which then learns every window point. It adds one timer firing per distinct
 * window end and expiry (per bucket), rounded up to whole seconds of event time (session windows
 * have a window per event). A bounded input skips the learning step: its watermark only moves once
 * the input is exhausted, so nothing is too late, {@link WindowedResult#tooLate()} is empty, and
 * the result is the batch answer.
 *
 * <pre>{@code
 * WindowedResult<Row> windowed = events.apply("Window",
 *     Windowing.<Row>of(WindowSpec.parse("fixed:1h;late=every;lateness=2h;accumulating")));
 * windowed.output().apply("Count", Combine.globally(Count.<Row>combineFn()).withoutDefaults());
 * windowed.tooLate().apply("WriteLate", ...);   // Rows: the input fields + missed_window_*, late_by_ms
 *
 * // A streaming job on Flink at parallelism 8: the router in up to 8 task slots, not one.
 * events.apply("Window", Windowing.<Row>of("fixed:1m;lateness=10m").withRouterBuckets(8));
 * }</pre>
 */
public final class Windowing {
  private Windowing() {}

  /** Too-late field: start of the window the record missed (null for the global window). */
  public static final String MISSED_WINDOW_START = "missed_window_start";

  /** Too-late field: end of the window the record missed (null for the global window). */
  public static final String MISSED_WINDOW_END = "missed_window_end";

  /** Too-late field: the watermark this stage had learned when the record arrived. */
  public static final String WATERMARK_AT_ARRIVAL = "watermark_at_arrival";

  /**
   * Too-late field: how long after its window closed the record arrived, at least: {@code
   * watermark_at_arrival - (missed_window_end + allowed lateness)}, in milliseconds.
   */
  public static final String LATE_BY_MS = "late_by_ms";

  /** Counter of record-window pairs admitted before the watermark passed the window end. */
  public static final String ON_TIME = "window.on_time";

  /** Counter of record-window pairs admitted after the window end, within the allowed lateness. */
  public static final String LATE_ACCEPTED = "window.late_accepted";

  /** Counter of record-window pairs routed to the too-late output. */
  public static final String MISSED = "window.missed";

  /** Default stage name of the accounting. */
  public static final String STAGE = "window";

  /** The most keys {@link Into#withRouterBuckets} spreads the too-late router over. */
  public static final int MAX_ROUTER_BUCKETS = 4096;

  /** Event-time resolution at which the router learns the watermark. */
  static final long RESOLUTION_MS = 1000;

  /** Windows by {@code spec}, routing too-late records to {@link WindowedResult#tooLate()}. */
  public static <T> Into<T> of(WindowSpec spec) {
    checkArgument(spec != null, "Windowing.of: spec must not be null");
    return new AutoValue_Windowing_Into<>(spec, STAGE, 1);
  }

  /** Parses {@code spec} (see {@link WindowSpec}) and windows by it. */
  public static <T> Into<T> of(String spec) {
    return of(WindowSpec.parse(spec));
  }

  /** The schema of too-late rows: {@code input}'s fields, then the four documented fields. */
  public static Schema tooLateSchema(Schema input) {
    for (String name :
        new String[] {MISSED_WINDOW_START, MISSED_WINDOW_END, WATERMARK_AT_ARRIVAL, LATE_BY_MS}) {
      checkArgument(
          !input.hasField(name),
          "Windowing.of: input field '%s' clashes with a too-late output field; rename it",
          name);
    }
    return Schema.builder()
        .addFields(input.getFields())
        .addNullableField(MISSED_WINDOW_START, FieldType.DATETIME)
        .addNullableField(MISSED_WINDOW_END, FieldType.DATETIME)
        .addDateTimeField(WATERMARK_AT_ARRIVAL)
        .addInt64Field(LATE_BY_MS)
        .build();
  }

  /** The transform returned by {@link #of(WindowSpec)}. */
  @AutoValue
  public abstract static class Into<T> extends PTransform<PCollection<T>, WindowedResult<T>>
      implements AccountedStage {
    abstract WindowSpec spec();

    /** The stage name of the accounting ({@code stage.<name>.*}). */
    @Override
    public abstract String stageName();

    /**
     * The stage name ({@value Windowing#STAGE} by default), lower_snake_case and unique in the
     * pipeline.
     */
    public Into<T> withStageName(String stageName) {
      return new AutoValue_Windowing_Into<>(
          spec(), AccountedStage.checkName(stageName, "Windowing.withStageName"), routerBuckets());
    }

    /**
     * Keys of the too-late router on unbounded input (1 by default; see {@link
     * #withRouterBuckets}).
     */
    public abstract int routerBuckets();

    /**
     * Spreads the too-late router of an unbounded input over {@code buckets} keys, so that on Flink
     * it runs in up to that many task slots instead of one. Records go to the buckets round-robin;
     * every window end and expiry a record brings is sent once to every bucket (each parallel
     * instance remembers what it sent), so every bucket learns the watermark at the same points and
     * no bucket holds the output watermark behind a window another bucket admitted. Every record is
     * still either admitted or too late, exactly once, and nothing admitted is dropped by a
     * GroupByKey; a bucket may learn the watermark at a few more points than one key would (the
     * window ends and expiries other buckets' records brought), so {@value
     * Windowing#WATERMARK_AT_ARRIVAL} can be closer to the true watermark. The default, 1, is the
     * single-key router of earlier versions; the number of buckets is part of a savepoint's state
     * (keep it when restoring). Ignored for bounded input, which has no router.
     */
    public Into<T> withRouterBuckets(int buckets) {
      checkArgument(
          buckets >= 1 && buckets <= MAX_ROUTER_BUCKETS,
          "Windowing.withRouterBuckets: expected 1 to %s buckets, got %s",
          MAX_ROUTER_BUCKETS,
          buckets);
      return new AutoValue_Windowing_Into<>(spec(), stageName(), buckets);
    }

    @Override
    public WindowedResult<T> expand(PCollection<T> input) {
      checkArgument(
          input.hasSchema(),
          "Windowing.of: input %s has no schema; give it a Beam schema (Row, @DefaultSchema, Avro)",
          input.getName());
      Schema lateSchema = tooLateSchema(input.getSchema());
      Coder<T> coder = input.getCoder();
      StageCounters counters = StageCounters.of(stageName());
      if (input.isBounded() == PCollection.IsBounded.BOUNDED) {
        // A bounded input's watermark stays at its minimum until the input is exhausted, so no
        // window can expire before every record reached the GroupByKey: nothing is too late and
        // the learning step (one timer round per window end) would only cost time.
        // Every record is admitted: counted in and out by the one step before the assignment.
        PCollection<T> output =
            input
                .apply("Admit", ParDo.of(new AdmitFn<T>(counters)))
                .setCoder(coder)
                .apply("Window", spec().<T>toWindow())
                .setSchema(
                    input.getSchema(),
                    coder.getEncodedTypeDescriptor(),
                    input.getToRowFunction(),
                    input.getFromRowFunction());
        PCollection<Row> none =
            input
                .getPipeline()
                .apply("NoTooLate", Create.empty(RowCoder.of(lateSchema)))
                .setRowSchema(lateSchema);
        return WindowedResult.of(input.getPipeline(), output, none);
      }
      if (routerBuckets() > 1) {
        return expandBucketed(input, coder, counters, lateSchema);
      }
      KvCoder<Integer, T> keyedCoder = KvCoder.of(VarIntCoder.of(), NullableCoder.of(coder));

      PCollection<KV<Integer, T>> keyed =
          input
              .apply("ToGlobalWindow", toGlobalWindow())
              .apply("KeyForRouter", ParDo.of(new KeyFn<T>(counters)))
              .setCoder(keyedCoder);
      // One seed element per router key, processed before the input watermark can move, so the
      // router holds its output watermark from the very first record on.
      PCollection<KV<Integer, T>> seed =
          input
              .getPipeline()
              .apply("RouterSeed", Impulse.create())
              .apply("SeedKey", ParDo.of(new SeedFn<T>()))
              .setCoder(keyedCoder);

      TupleTag<KV<T, List<Long>>> admitted = new TupleTag<KV<T, List<Long>>>() {};
      TupleTag<Row> tooLate = new TupleTag<Row>() {};
      PCollectionTuple routed =
          PCollectionList.of(keyed)
              .and(seed)
              .apply("WithSeed", Flatten.pCollections())
              .apply(
                  "RouteTooLate",
                  ParDo.of(
                          new RouteTooLateFn<T>(
                              router(counters, input, lateSchema, admitted, tooLate)))
                      .withOutputTags(admitted, TupleTagList.of(tooLate)));
      return result(input, coder, lateSchema, routed, admitted, tooLate);
    }

    /**
     * The router over {@link #routerBuckets()} keys: records round-robin, window points broadcast
     * to every bucket, one seed per bucket.
     */
    private WindowedResult<T> expandBucketed(
        PCollection<T> input, Coder<T> coder, StageCounters counters, Schema lateSchema) {
      int buckets = routerBuckets();
      KvCoder<Integer, KV<Long, T>> keyedCoder =
          KvCoder.of(VarIntCoder.of(), KvCoder.of(VarLongCoder.of(), NullableCoder.of(coder)));
      PCollection<KV<Integer, KV<Long, T>>> keyed =
          input
              .apply("ToGlobalWindow", toGlobalWindow())
              .apply(
                  "KeyForRouter",
                  ParDo.of(
                      new BucketKeyFn<T>(
                          counters, spec().windowFn(), spec().allowedLateness(), buckets)))
              .setCoder(keyedCoder);
      PCollection<KV<Integer, KV<Long, T>>> seed =
          input
              .getPipeline()
              .apply("RouterSeed", Impulse.create())
              .apply("SeedKeys", ParDo.of(new BucketSeedFn<T>(buckets)))
              .setCoder(keyedCoder);
      TupleTag<KV<T, List<Long>>> admitted = new TupleTag<KV<T, List<Long>>>() {};
      TupleTag<Row> tooLate = new TupleTag<Row>() {};
      PCollectionTuple routed =
          PCollectionList.of(keyed)
              .and(seed)
              .apply("WithSeed", Flatten.pCollections())
              .apply(
                  "RouteTooLate",
                  ParDo.of(
                          new RouteTooLateBucketFn<T>(
                              router(counters, input, lateSchema, admitted, tooLate)))
                      .withOutputTags(admitted, TupleTagList.of(tooLate)));
      return result(input, coder, lateSchema, routed, admitted, tooLate);
    }

    /** Every record into the global window, where the router's state and timers live. */
    private Window<T> toGlobalWindow() {
      return Window.<T>into(new GlobalWindows())
          .triggering(DefaultTrigger.of())
          .withAllowedLateness(Duration.ZERO)
          .discardingFiredPanes();
    }

    private Router<T> router(
        StageCounters counters,
        PCollection<T> input,
        Schema lateSchema,
        TupleTag<KV<T, List<Long>>> admitted,
        TupleTag<Row> tooLate) {
      return new Router<>(
          counters,
          spec().windowFn(),
          spec().allowedLateness(),
          input.getToRowFunction(),
          lateSchema,
          admitted,
          tooLate);
    }

    /**
     * The router's admitted records in their windows (minus missed windows), and its too-late rows.
     */
    private WindowedResult<T> result(
        PCollection<T> input,
        Coder<T> coder,
        Schema lateSchema,
        PCollectionTuple routed,
        TupleTag<KV<T, List<Long>>> admitted,
        TupleTag<Row> tooLate) {
      PCollection<T> output =
          routed
              .get(admitted)
              .setCoder(KvCoder.of(coder, ListCoder.of(VarLongCoder.of())))
              .apply("Window", spec().<KV<T, List<Long>>>toWindow())
              .apply("DropMissedWindows", ParDo.of(new DropMissedWindowsFn<T>()))
              .setSchema(
                  input.getSchema(),
                  coder.getEncodedTypeDescriptor(),
                  input.getToRowFunction(),
                  input.getFromRowFunction());
      PCollection<Row> late = routed.get(tooLate).setRowSchema(lateSchema);
      return WindowedResult.of(input.getPipeline(), output, late);
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      WindowSpec s = spec();
      builder
          .add(DisplayData.item("spec", s.toString()).withLabel("Window spec"))
          .add(DisplayData.item("stage", stageName()).withLabel("Stage name"))
          .add(DisplayData.item("routerBuckets", routerBuckets()).withLabel("Router buckets"))
          .add(
              DisplayData.item("windowFn", s.windowFn().getClass().getSimpleName())
                  .withLabel("Window function"))
          .add(DisplayData.item("trigger", s.trigger().toString()).withLabel("Trigger"))
          .add(
              DisplayData.item("allowedLateness", s.allowedLateness())
                  .withLabel("Allowed lateness"))
          .add(
              DisplayData.item("accumulationMode", s.accumulating() ? "ACCUMULATING" : "DISCARDING")
                  .withLabel("Accumulation mode"));
    }
  }

  /** Bounded input: nothing is too late, so every record is in and out here. */
  static final class AdmitFn<T> extends DoFn<T, T> {
    private final StageCounters counters;

    AdmitFn(StageCounters counters) {
      this.counters = counters;
    }

    @ProcessElement
    public void process(@Element T element, @Timestamp Instant timestamp, OutputReceiver<T> out) {
      counters.in();
      counters.out(timestamp);
      out.output(element);
    }
  }

  /** Keys every record for the router (counted in here; it leaves the stage in the router). */
  static final class KeyFn<T> extends DoFn<T, KV<Integer, T>> {
    private final StageCounters counters;

    KeyFn(StageCounters counters) {
      this.counters = counters;
    }

    @ProcessElement
    public void process(@Element T element, OutputReceiver<KV<Integer, T>> out) {
      counters.in();
      out.output(KV.of(0, element));
    }
  }

  static final class SeedFn<T> extends DoFn<byte[], KV<Integer, T>> {
    @ProcessElement
    public void process(OutputReceiver<KV<Integer, T>> out) {
      out.output(KV.of(0, null));
    }
  }

  /**
   * The router: one key, global window. State: the learned watermark (a lower bound of the input
   * watermark, inclusive), the pending learning points, and the next point the timer is set to.
   */
  static final class RouteTooLateFn<T> extends DoFn<KV<Integer, T>, KV<T, List<Long>>> {
    private final Router<T> router;

    @StateId("watermark")
    private final StateSpec<ValueState<Instant>> watermarkSpec =
        StateSpecs.value(InstantCoder.of());

    @StateId("points")
    private final StateSpec<MapState<Long, Boolean>> pointsSpec =
        StateSpecs.map(VarLongCoder.of(), BooleanCoder.of());

    @StateId("next")
    private final StateSpec<ValueState<Long>> nextSpec = StateSpecs.value(VarLongCoder.of());

    @TimerId("learn")
    private final TimerSpec learnSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    RouteTooLateFn(Router<T> router) {
      this.router = router;
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, T> element,
        @Timestamp Instant timestamp,
        @StateId("watermark") ValueState<Instant> watermark,
        @StateId("points") MapState<Long, Boolean> points,
        @StateId("next") ValueState<Long> next,
        @TimerId("learn") Timer learn,
        MultiOutputReceiver out)
        throws Exception {
      T value = element.getValue();
      if (value == null) {
        router.seed(watermark, next, learn);
      } else {
        router.record(value, timestamp, watermark, points, next, learn, out);
      }
    }

    @OnTimer("learn")
    public void learn(
        OnTimerContext context,
        @StateId("watermark") ValueState<Instant> watermark,
        @StateId("points") MapState<Long, Boolean> points,
        @StateId("next") ValueState<Long> next,
        @TimerId("learn") Timer learn) {
      Router.learn(context.fireTimestamp().getMillis(), watermark, points, next, learn);
    }

    // The hold must be allowed behind the current element's timestamp (see SimpleDoFnRunner):
    // it is the learned watermark, which is earlier than on-time records.
    @SuppressWarnings("deprecation")
    @Override
    public Duration getAllowedTimestampSkew() {
      return Durations.ANY_TIMESTAMP_SKEW;
    }
  }

  /**
   * The router over several keys ({@link Into#withRouterBuckets}): the same state and timer per
   * bucket as {@link RouteTooLateFn}; its input also carries the seed ({@link #SEED}, no value) and
   * the window points broadcast by {@link BucketKeyFn} (the point, no value). Its state and timer
   * declarations repeat {@link RouteTooLateFn}'s because Beam lets a DoFn reference only state
   * declared in its own class, not in a shared superclass.
   */
  static final class RouteTooLateBucketFn<T>
      extends DoFn<KV<Integer, KV<Long, T>>, KV<T, List<Long>>> {
    private final Router<T> router;

    @StateId("watermark")
    private final StateSpec<ValueState<Instant>> watermarkSpec =
        StateSpecs.value(InstantCoder.of());

    @StateId("points")
    private final StateSpec<MapState<Long, Boolean>> pointsSpec =
        StateSpecs.map(VarLongCoder.of(), BooleanCoder.of());

    @StateId("next")
    private final StateSpec<ValueState<Long>> nextSpec = StateSpecs.value(VarLongCoder.of());

    @TimerId("learn")
    private final TimerSpec learnSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    RouteTooLateBucketFn(Router<T> router) {
      this.router = router;
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, KV<Long, T>> element,
        @Timestamp Instant timestamp,
        @StateId("watermark") ValueState<Instant> watermark,
        @StateId("points") MapState<Long, Boolean> points,
        @StateId("next") ValueState<Long> next,
        @TimerId("learn") Timer learn,
        MultiOutputReceiver out)
        throws Exception {
      KV<Long, T> message = element.getValue();
      T value = message.getValue();
      if (value != null) {
        router.record(value, timestamp, watermark, points, next, learn, out);
      } else if (message.getKey() == SEED) {
        router.seed(watermark, next, learn);
      } else {
        Router.point(message.getKey(), watermark, points, next, learn);
      }
    }

    @OnTimer("learn")
    public void learn(
        OnTimerContext context,
        @StateId("watermark") ValueState<Instant> watermark,
        @StateId("points") MapState<Long, Boolean> points,
        @StateId("next") ValueState<Long> next,
        @TimerId("learn") Timer learn) {
      Router.learn(context.fireTimestamp().getMillis(), watermark, points, next, learn);
    }

    @SuppressWarnings("deprecation")
    @Override
    public Duration getAllowedTimestampSkew() {
      return Durations.ANY_TIMESTAMP_SKEW;
    }
  }

  /** The point value of a bucket's seed message (no window point is this small). */
  static final long SEED = Long.MIN_VALUE;

  /**
   * Keys records round-robin over the router's buckets, and sends every bucket each window end and
   * expiry point this instance has not sent yet (counted in here; a record leaves the stage in the
   * router).
   */
  static final class BucketKeyFn<T> extends DoFn<T, KV<Integer, KV<Long, T>>> {
    /** Points remembered per instance before the memory starts over (a resend is harmless). */
    private static final int REMEMBERED = 100_000;

    private final StageCounters counters;
    private final WindowFn<Object, BoundedWindow> windowFn;
    private final Duration lateness;
    private final int buckets;
    private transient @Nullable Set<Long> sent;
    private transient int nextBucket;

    BucketKeyFn(
        StageCounters counters,
        WindowFn<Object, BoundedWindow> windowFn,
        Duration lateness,
        int buckets) {
      this.counters = counters;
      this.windowFn = windowFn;
      this.lateness = lateness;
      this.buckets = buckets;
    }

    @Setup
    public void setup() {
      sent = new HashSet<>();
      nextBucket = ThreadLocalRandom.current().nextInt(buckets);
    }

    @ProcessElement
    public void process(
        @Element T element,
        @Timestamp Instant timestamp,
        OutputReceiver<KV<Integer, KV<Long, T>>> out)
        throws Exception {
      counters.in();
      Set<Long> memory = sent;
      if (memory == null) {
        setup();
        memory = sent;
      }
      for (BoundedWindow window : Router.assign(windowFn, element, timestamp)) {
        long end = Router.roundUp(window.maxTimestamp().getMillis());
        long expiry = Router.roundUp(Router.expiry(window.maxTimestamp(), lateness).getMillis());
        for (long point : new long[] {end, expiry}) {
          if (memory.add(point)) {
            for (int b = 0; b < buckets; b++) {
              out.output(KV.of(b, KV.of(point, null)));
            }
          }
        }
      }
      if (memory.size() > REMEMBERED) {
        memory.clear();
      }
      out.output(KV.of(nextBucket, KV.of(0L, element)));
      nextBucket = (nextBucket + 1) % buckets;
    }
  }

  /** One seed per bucket, so every bucket holds the output watermark from the first record on. */
  static final class BucketSeedFn<T> extends DoFn<byte[], KV<Integer, KV<Long, T>>> {
    private final int buckets;

    BucketSeedFn(int buckets) {
      this.buckets = buckets;
    }

    @ProcessElement
    public void process(OutputReceiver<KV<Integer, KV<Long, T>>> out) {
      for (int b = 0; b < buckets; b++) {
        out.output(KV.of(b, KV.of(SEED, null)));
      }
    }
  }

  /** What a router key does with a seed, a record, a broadcast point and its timer. */
  static final class Router<T> implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final long IDLE = GlobalWindow.INSTANCE.maxTimestamp().getMillis();

    private final WindowFn<Object, BoundedWindow> windowFn;
    private final Duration lateness;
    private final SerializableFunction<T, Row> toRow;
    private final Schema lateSchema;
    private final TupleTag<KV<T, List<Long>>> admittedTag;
    private final TupleTag<Row> tooLateTag;
    private final StageCounters counters;
    private final Counter missed = LiveMetrics.counter(DeadLetters.NAMESPACE, MISSED);
    private final Counter onTime = LiveMetrics.counter(DeadLetters.NAMESPACE, ON_TIME);
    private final Counter lateAccepted = LiveMetrics.counter(DeadLetters.NAMESPACE, LATE_ACCEPTED);

    Router(
        StageCounters counters,
        WindowFn<Object, BoundedWindow> windowFn,
        Duration lateness,
        SerializableFunction<T, Row> toRow,
        Schema lateSchema,
        TupleTag<KV<T, List<Long>>> admittedTag,
        TupleTag<Row> tooLateTag) {
      this.counters = counters;
      this.windowFn = windowFn;
      this.lateness = lateness;
      this.toRow = toRow;
      this.lateSchema = lateSchema;
      this.admittedTag = admittedTag;
      this.tooLateTag = tooLateTag;
    }

    /** The seed: a timer, and so a hold, from before the first record on. */
    void seed(ValueState<Instant> watermark, ValueState<Long> next, Timer learn) {
      if (next.read() == null) {
        arm(learn, next, IDLE, learned(watermark));
      }
    }

    /** A window point another bucket's record brought: learn at it too. */
    static void point(
        long point,
        ValueState<Instant> watermark,
        MapState<Long, Boolean> points,
        ValueState<Long> next,
        Timer learn) {
      Instant known = learned(watermark);
      if (point < known.getMillis()) {
        return; // already learned past it
      }
      points.put(point, Boolean.TRUE);
      Long nextPoint = next.read();
      if (nextPoint == null || point < nextPoint) {
        arm(learn, next, point, known);
      }
    }

    void record(
        T value,
        Instant timestamp,
        ValueState<Instant> watermark,
        MapState<Long, Boolean> points,
        ValueState<Long> next,
        Timer learn,
        DoFn.MultiOutputReceiver out)
        throws Exception {
      Instant known = learned(watermark);
      Long nextPoint = next.read();
      Collection<BoundedWindow> windows = assign(windowFn, value, timestamp);
      List<Long> missedWindows = new ArrayList<>(0);
      long earliest = Long.MAX_VALUE;
      for (BoundedWindow window : windows) {
        Instant end = window.maxTimestamp();
        Instant expiry = expiry(end, lateness);
        if (expiry.isBefore(known)) {
          missed.inc();
          missedWindows.add(end.getMillis());
          out.get(tooLateTag).output(lateRow(value, window, known));
          continue;
        }
        if (end.isBefore(known)) {
          lateAccepted.inc();
        } else {
          onTime.inc();
          long p = roundUp(end.getMillis());
          points.put(p, Boolean.TRUE);
          earliest = Math.min(earliest, p);
        }
        long p = roundUp(expiry.getMillis());
        points.put(p, Boolean.TRUE);
        earliest = Math.min(earliest, p);
      }
      if (missedWindows.size() == windows.size()) {
        counters.exit(StageExit.TOO_LATE);
        return;
      }
      // Admitted to at least one window: the record reaches the main output (DropMissedWindowsFn
      // drops only the record-window pairs routed as too late above), counted once however many
      // windows it is in.
      counters.out(timestamp);
      out.get(admittedTag).output(KV.of(value, missedWindows));
      if (nextPoint == null || earliest < nextPoint) {
        arm(learn, next, earliest, known);
      }
    }

    static void learn(
        long fired,
        ValueState<Instant> watermark,
        MapState<Long, Boolean> points,
        ValueState<Long> next,
        Timer learn) {
      // A timer at t fires once the input watermark is past t, so it is at least t + 1 ms.
      Instant known = new Instant(fired + 1);
      watermark.write(known);
      List<Long> done = new ArrayList<>();
      long earliest = Long.MAX_VALUE;
      for (Map.Entry<Long, Boolean> point : points.entries().read()) {
        if (point.getKey() <= fired) {
          done.add(point.getKey());
        } else {
          earliest = Math.min(earliest, point.getKey());
        }
      }
      for (Long p : done) {
        points.remove(p);
      }
      if (earliest != Long.MAX_VALUE) {
        arm(learn, next, earliest, known);
      } else if (fired < IDLE) {
        // Keep a timer, and so the hold, while idle: the next record's window may be behind the
        // input watermark, and only the hold keeps the GroupByKey from having seen that yet.
        arm(learn, next, IDLE, known);
      } else {
        next.clear();
      }
    }

    private static Instant learned(ValueState<Instant> watermark) {
      Instant known = watermark.read();
      return known == null ? BoundedWindow.TIMESTAMP_MIN_VALUE : known;
    }

    private static void arm(Timer learn, ValueState<Long> next, long at, Instant hold) {
      learn.withOutputTimestamp(hold).set(new Instant(at));
      next.write(at);
    }

    static Instant expiry(Instant end, Duration lateness) {
      long e = end.getMillis() + lateness.getMillis();
      return new Instant(Math.min(e < end.getMillis() ? IDLE : e, IDLE));
    }

    static long roundUp(long t) {
      if (t >= IDLE) {
        return IDLE;
      }
      long next = Math.floorDiv(t + 1 + RESOLUTION_MS - 1, RESOLUTION_MS) * RESOLUTION_MS - 1;
      return Math.min(next, IDLE);
    }

    static <T> Collection<BoundedWindow> assign(
        WindowFn<Object, BoundedWindow> windowFn, T value, Instant timestamp) throws Exception {
      return windowFn.assignWindows(
          windowFn.new AssignContext() {
            @Override
            public Object element() {
              return value;
            }

            @Override
            public Instant timestamp() {
              return timestamp;
            }

            @Override
            public BoundedWindow window() {
              return GlobalWindow.INSTANCE;
            }
          });
    }

    private Row lateRow(T value, BoundedWindow window, Instant known) {
      @Nullable Instant start = null;
      Instant end = window.maxTimestamp().plus(Duration.millis(1));
      @Nullable Instant endField = null;
      if (window instanceof IntervalWindow w) {
        start = w.start();
        endField = w.end();
        end = endField;
      }
      long lateBy = known.getMillis() - (end.getMillis() + lateness.getMillis());
      return Row.withSchema(lateSchema)
          .addValues(toRow.apply(value).getValues())
          .addValues(start, endField, known, Math.max(0, lateBy))
          .build();
    }
  }

  /** Unwraps admitted records, dropping the record-window pairs already routed as too late. */
  static final class DropMissedWindowsFn<T> extends DoFn<KV<T, List<Long>>, T> {
    @ProcessElement
    public void process(
        @Element KV<T, List<Long>> element, BoundedWindow window, OutputReceiver<T> out) {
      List<Long> missed = element.getValue();
      if (missed != null
          && !missed.isEmpty()
          && missed.contains(window.maxTimestamp().getMillis())) {
        return;
      }
      out.output(element.getKey());
    }
  }
}
