package io.tributary.transforms.dedup;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.LiveMetrics;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.metrics.StageExit;
import io.tributary.transforms.values.Durations;
import io.tributary.transforms.values.FieldPath;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableMap;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Drops repeated records by an id field, remembering each id for a time-to-live in event time.
 *
 * <p>Where it differs from Beam's {@code Deduplicate} and why we do not build on it: Beam's ({@code
 * Deduplicate.values()}, {@code keyedValues()}, {@code withRepresentativeValueFn}) keeps ids for 10
 * minutes of <em>processing</em> time by default ({@code withTimeDomain(EVENT_TIME)} switches it)
 * and drops duplicates without a trace. Its state-and-timer design is the same as here (a value
 * state per id, cleared by a timer), but it has no second output and no counter, and wrapping it
 * would mean re-reading its output to find what it dropped. This one keys by a named field of any
 * schema'd collection, expires ids by <em>event</em> time (so a replay of yesterday's file
 * deduplicates exactly as the live stream did), counts every dropped duplicate, and returns the
 * duplicates as their own output (or, {@link ById#withoutDuplicatesOutput}, only counts them: one
 * output, which Flink's batch translation chains with the next step).
 *
 * <p>An {@link AccountedStage} named {@value #STAGE} unless {@link ById#withStageName} says
 * otherwise (a pipeline with two Dedup stages names each): every record counts in {@code
 * tributary/stage.<stage>.in} and leaves either as a first arrival ({@code stage.<stage>.out}) or
 * as a duplicate ({@code stage.<stage>.deduplicated}, the {@link StageExit#DEDUPLICATED} exit).
 *
 * <p>When is a later copy a duplicate? When its event time is before the first copy's event time
 * plus the TTL. That rule reads no watermark, so a bounded replay and the live stream decide every
 * copy the same way (a copy that arrives after the first one's id was forgotten, far behind the
 * watermark, is accepted again).
 *
 * <p>Memory is bounded by the ids first seen within the TTL, and per-id overhead is one map entry.
 * Ids are not Beam keys: they are hashed into {@link #DEFAULT_BUCKETS} buckets (keys), each holding
 * a map of id to expiry and one event-time timer that sweeps expired ids at most {@code TTL/8}
 * after the watermark passes their expiry (on unbounded input; a bounded input is swept once, when
 * it ends, since batch runners fire timers only then). One key per id would leave a runner
 * garbage-collection timer per id behind: Beam's stateful ParDo sets one for every key and window,
 * and in the global window it never fires, which on Flink grew the heap with every id ever seen
 * (docs/performance.md measured it). Fewer keys also spare the Direct runner its cost of several
 * milliseconds per distinct key. Forgotten ids (swept, or replaced by a copy past its TTL) are
 * counted in {@code tributary/dedup.expired}. State and timers are Beam keyed state, so on Flink
 * they are part of checkpoints and savepoints and survive a restart (StreamingFaultIT kills a
 * TaskManager and re-sends old ids to prove it). Apply it before windowing: ids are remembered in
 * the global window, so duplicates that straddle a window boundary are still caught. The first
 * arrival of an id wins; later ones are duplicates even when their payload differs.
 *
 * <pre>{@code
 * Dedup.Result<Row> deduped = events.apply("Dedup",
 *     Dedup.<Row>byField("event_id").withTtl(Duration.standardHours(24)));
 * PCollection<Row> unique = deduped.output();
 * }</pre>
 */
public final class Dedup {
  private Dedup() {}

  /** Default id time-to-live: one day of event time. */
  public static final Duration DEFAULT_TTL = Duration.standardDays(1);

  /** Default number of buckets (Beam keys) the ids are hashed into. */
  public static final int DEFAULT_BUCKETS = 512;

  /** Default stage name of the accounting. */
  public static final String STAGE = "dedup";

  /** Counter of ids forgotten after their TTL, in namespace {@code tributary}. */
  public static final String EXPIRED = "dedup.expired";

  /** Deduplicates by the value of {@code field} (any type; compared by its string form). */
  public static <T> ById<T> byField(String field) {
    return new AutoValue_Dedup_ById.Builder<T>()
        .setField(FieldPath.of(field))
        .setStageName(STAGE)
        .setTtl(DEFAULT_TTL)
        .setBuckets(DEFAULT_BUCKETS)
        .setDuplicatesOutput(true)
        .build();
  }

  /** The transform returned by {@link #byField}. */
  @AutoValue
  public abstract static class ById<T> extends PTransform<PCollection<T>, Result<T>>
      implements AccountedStage {
    abstract FieldPath field();

    /** The stage name of the accounting ({@code stage.<name>.*}). */
    @Override
    public abstract String stageName();

    abstract Duration ttl();

    abstract int buckets();

    abstract boolean duplicatesOutput();

    abstract Builder<T> toBuilder();

    @AutoValue.Builder
    abstract static class Builder<T> {
      abstract Builder<T> setField(FieldPath field);

      abstract Builder<T> setStageName(String stageName);

      abstract Builder<T> setTtl(Duration ttl);

      abstract Builder<T> setBuckets(int buckets);

      abstract Builder<T> setDuplicatesOutput(boolean duplicatesOutput);

      abstract ById<T> build();
    }

    /**
     * The stage name ({@value Dedup#STAGE} by default), lower_snake_case and unique in the
     * pipeline: a pipeline that deduplicates twice names each stage.
     */
    public ById<T> withStageName(String stageName) {
      return toBuilder()
          .setStageName(AccountedStage.checkName(stageName, "Dedup.withStageName"))
          .build();
    }

    /** How long, in event time after an id is first seen, later copies count as duplicates. */
    public ById<T> withTtl(Duration ttl) {
      checkArgument(
          ttl != null && ttl.isLongerThan(Duration.ZERO),
          "Dedup.withTtl: ttl must be > 0, got %s",
          ttl);
      return toBuilder().setTtl(ttl).build();
    }

    /**
     * Drops duplicates without handing them to a second output: the step then has one output, which
     * Flink's batch translation chains with the next step, where a second output (even one nothing
     * reads) makes every first arrival cross a serialization boundary. Duplicates are still counted
     * ({@code stage.<stage>.deduplicated}); {@link Result#duplicates()} then fails, naming this
     * call. For pipelines that only count duplicates, as the clickstream job does.
     */
    public ById<T> withoutDuplicatesOutput() {
      return toBuilder().setDuplicatesOutput(false).build();
    }

    /**
     * How many Beam keys the ids are spread over: enough for the runner's parallelism (a few per
     * worker slot), few enough that per-key overhead stays small. Changing it changes the state
     * layout: resume from a savepoint only with the same value.
     */
    public ById<T> withBuckets(int buckets) {
      checkArgument(buckets > 0, "Dedup.withBuckets: buckets must be > 0, got %s", buckets);
      return toBuilder().setBuckets(buckets).build();
    }

    @Override
    public Result<T> expand(PCollection<T> input) {
      checkArgument(
          input.hasSchema(),
          "Dedup.byField: input %s has no schema; give it a Beam schema (Row, @DefaultSchema, Avro)",
          input.getName());
      field().checkIn(input.getSchema());
      SerializableFunction<T, Row> toRow = input.getToRowFunction();
      FieldPath path = field();
      int buckets = buckets();
      StageCounters counters = StageCounters.of(stageName());
      PCollection<KV<Integer, KV<String, T>>> keyed =
          input
              .apply(
                  "KeyById",
                  MapElements.into(
                          TypeDescriptors.kvs(
                              TypeDescriptors.integers(),
                              TypeDescriptors.kvs(
                                  TypeDescriptors.strings(), input.getTypeDescriptor())))
                      .via(
                          element -> {
                            counters.in();
                            String id = String.valueOf(path.get(toRow.apply(element)));
                            return KV.of(bucketOf(id, buckets), KV.of(id, element));
                          }))
              .setCoder(
                  KvCoder.of(VarIntCoder.of(), KvCoder.of(StringUtf8Coder.of(), input.getCoder())));
      TupleTag<T> unique = new TupleTag<T>() {};
      TupleTag<T> duplicates = duplicatesOutput() ? new TupleTag<T>() {} : null;
      PCollectionTuple result =
          keyed.apply(
              "DropDuplicates",
              ParDo.of(
                      new DedupFn<T>(
                          counters,
                          ttl(),
                          input.isBounded() == PCollection.IsBounded.BOUNDED,
                          unique,
                          duplicates))
                  .withOutputTags(
                      unique,
                      duplicates == null ? TupleTagList.empty() : TupleTagList.of(duplicates)));
      return new Result<>(
          input.getPipeline(),
          withSchemaOf(input, result.get(unique)),
          unique,
          duplicates == null ? null : withSchemaOf(input, result.get(duplicates)),
          duplicates);
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      builder
          .add(DisplayData.item("field", field().toString()).withLabel("Id field"))
          .add(DisplayData.item("stage", stageName()).withLabel("Stage name"))
          .add(
              DisplayData.item("ttl", Durations.format(ttl()))
                  .withLabel("Id time-to-live (event time)"))
          .add(DisplayData.item("buckets", buckets()).withLabel("Id buckets (keys)"))
          .add(
              DisplayData.item("duplicatesOutput", duplicatesOutput())
                  .withLabel("Duplicates as an output"));
    }
  }

  /** The bucket (Beam key) of an id: a mixed String hash, stable across JVMs. */
  static int bucketOf(String id, int buckets) {
    int h = id.hashCode();
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    return Math.floorMod(h, buckets);
  }

  /** The input's coder is its SchemaCoder, so copying it keeps the schema downstream. */
  private static <T> PCollection<T> withSchemaOf(PCollection<T> like, PCollection<T> pc) {
    return pc.setCoder(like.getCoder());
  }

  static final class DedupFn<T> extends DoFn<KV<Integer, KV<String, T>>, T> {
    private final Duration ttl;
    private final long granule;
    private final TupleTag<T> uniqueTag;
    private final @Nullable TupleTag<T> duplicatesTag;
    private final StageCounters counters;
    private final Counter expired = LiveMetrics.counter(DeadLetters.NAMESPACE, EXPIRED);

    /** Id to the event time (millis) until which later copies are duplicates. */
    @StateId("seen")
    private final StateSpec<MapState<String, Long>> seenSpec =
        StateSpecs.map(StringUtf8Coder.of(), VarLongCoder.of());

    /** When the sweep timer is set for, so an element only moves it earlier. */
    @StateId("sweepAt")
    private final StateSpec<ValueState<Long>> sweepAtSpec = StateSpecs.value(VarLongCoder.of());

    @TimerId("sweep")
    private final TimerSpec sweepSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    DedupFn(
        StageCounters counters,
        Duration ttl,
        boolean bounded,
        TupleTag<T> uniqueTag,
        @Nullable TupleTag<T> duplicatesTag) {
      this.counters = counters;
      this.ttl = ttl;
      // Unbounded input: sweeps on a grid of TTL/8 (at least a second), so each id is visited
      // about 8 times over its life instead of at every watermark step. Bounded input: a batch
      // runner fires timers only after the input ends, when a grid would sweep each bucket once
      // per grid step over the whole event-time span; one sweep at the end of the window instead.
      this.granule = bounded ? Long.MAX_VALUE : Math.max(1000L, ttl.getMillis() / 8);
      this.uniqueTag = uniqueTag;
      this.duplicatesTag = duplicatesTag;
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, KV<String, T>> element,
        @Timestamp Instant timestamp,
        @StateId("seen") MapState<String, Long> seen,
        @StateId("sweepAt") ValueState<Long> sweepAt,
        @TimerId("sweep") Timer sweep,
        BoundedWindow window,
        MultiOutputReceiver out) {
      String id = element.getValue().getKey();
      T value = element.getValue().getValue();
      Long until = seen.get(id).read();
      if (until != null && timestamp.getMillis() < until) {
        counters.exit(StageExit.DEDUPLICATED);
        if (duplicatesTag != null) {
          out.get(duplicatesTag).output(value);
        }
        return;
      }
      if (until != null) {
        expired.inc(); // past its TTL but not swept yet: this copy starts a new life
      }
      long limit = window.maxTimestamp().getMillis();
      long expiresAt = Math.min(timestamp.plus(ttl).getMillis(), limit);
      seen.put(id, expiresAt);
      long at = Math.min(ceilToGranule(expiresAt), limit);
      Long current = sweepAt.read();
      if (current == null || at < current) {
        sweep.set(new Instant(at));
        sweepAt.write(at);
      }
      counters.out(timestamp);
      out.get(uniqueTag).output(value);
    }

    @OnTimer("sweep")
    public void sweep(
        OnTimerContext context,
        @StateId("seen") MapState<String, Long> seen,
        @StateId("sweepAt") ValueState<Long> sweepAt,
        @TimerId("sweep") Timer sweep) {
      long now = context.fireTimestamp().getMillis();
      List<String> gone = new ArrayList<>();
      long next = Long.MAX_VALUE;
      for (Map.Entry<String, Long> entry : seen.entries().read()) {
        if (entry.getValue() <= now) {
          gone.add(entry.getKey());
        } else {
          next = Math.min(next, entry.getValue());
        }
      }
      gone.forEach(seen::remove);
      expired.inc(gone.size());
      if (next == Long.MAX_VALUE) {
        sweepAt.clear();
      } else {
        long at = Math.min(ceilToGranule(next), context.window().maxTimestamp().getMillis());
        sweep.set(new Instant(at));
        sweepAt.write(at);
      }
    }

    private long ceilToGranule(long millis) {
      if (granule == Long.MAX_VALUE) {
        return Long.MAX_VALUE; // capped to the window's end by the callers
      }
      long floor = Math.floorDiv(millis, granule) * granule;
      return floor == millis ? millis : floor + granule;
    }
  }

  /** The unique records and the dropped duplicates. */
  public static final class Result<T> implements POutput {
    private final Pipeline pipeline;
    private final PCollection<T> output;
    private final TupleTag<T> outputTag;
    private final @Nullable PCollection<T> duplicates;
    private final @Nullable TupleTag<T> duplicatesTag;

    Result(
        Pipeline pipeline,
        PCollection<T> output,
        TupleTag<T> outputTag,
        @Nullable PCollection<T> duplicates,
        @Nullable TupleTag<T> duplicatesTag) {
      this.pipeline = pipeline;
      this.output = output;
      this.outputTag = outputTag;
      this.duplicates = duplicates;
      this.duplicatesTag = duplicatesTag;
    }

    /** First arrivals of each id. */
    public PCollection<T> output() {
      return output;
    }

    /**
     * Later arrivals of an id within the TTL (already counted in {@code
     * tributary/stage.<stage>.deduplicated}).
     *
     * @throws IllegalStateException after {@link ById#withoutDuplicatesOutput()}
     */
    public PCollection<T> duplicates() {
      if (duplicates == null) {
        throw new IllegalStateException(
            "Dedup: no duplicates output; this Dedup was built withoutDuplicatesOutput()");
      }
      return duplicates;
    }

    @Override
    public Pipeline getPipeline() {
      return pipeline;
    }

    @Override
    public Map<TupleTag<?>, PValue> expand() {
      return duplicates == null
          ? ImmutableMap.of(outputTag, output)
          : ImmutableMap.of(outputTag, output, duplicatesTag, duplicates);
    }

    @Override
    public void finishSpecifyingOutput(
        String transformName, PInput input, PTransform<?, ?> transform) {}
  }
}
