package io.tributary.transforms.dedup;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.time.Durations;
import io.tributary.transforms.validate.FieldPath;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
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
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Drops repeated records by an id field, remembering each id for a time-to-live in event time.
 *
 * <p>Where it differs from Beam's {@code Deduplicate} and why we do not build on it: Beam's
 * ({@code Deduplicate.values()}, {@code keyedValues()}, {@code withRepresentativeValueFn}) keeps
 * ids for 10 minutes of <em>processing</em> time by default ({@code withTimeDomain(EVENT_TIME)}
 * switches it) and drops duplicates without a trace. Its state-and-timer design is the same as
 * here (a value state per id, cleared by a timer), but it has no second output and no counter,
 * and wrapping it would mean re-reading its output to find what it dropped. This one keys by a
 * named field of any schema'd collection, expires ids by <em>event</em> time (so a replay of
 * yesterday's file deduplicates exactly as the live stream did), counts every dropped duplicate
 * in {@code tributary/deduplicated}, and returns the duplicates as their own output.
 *
 * <p>Memory is bounded by the ids first seen within the TTL: each id's timer fires once the
 * watermark passes first-seen + TTL and clears its state, after which the same id is accepted
 * again (tested with TestStream and, on Flink, a scripted unbounded source). State and timers are
 * Beam keyed state, so on Flink they are part of checkpoints and savepoints and survive a restart.
 * Apply it before windowing: ids are remembered per key in the global window, so duplicates that
 * straddle a window boundary are still caught. The first arrival of an id wins; later ones are
 * duplicates even when their payload differs.
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

  /** Deduplicates by the value of {@code field} (any type; compared by its string form). */
  public static <T> ById<T> byField(String field) {
    return new AutoValue_Dedup_ById.Builder<T>().setField(FieldPath.of(field)).setTtl(DEFAULT_TTL).build();
  }

  /** The transform returned by {@link #byField}. */
  @AutoValue
  public abstract static class ById<T> extends PTransform<PCollection<T>, Result<T>> {
    abstract FieldPath field();

    abstract Duration ttl();

    abstract Builder<T> toBuilder();

    @AutoValue.Builder
    abstract static class Builder<T> {
      abstract Builder<T> setField(FieldPath field);

      abstract Builder<T> setTtl(Duration ttl);

      abstract ById<T> build();
    }

    /** How long, in event time after an id is first seen, later copies count as duplicates. */
    public ById<T> withTtl(Duration ttl) {
      checkArgument(ttl != null && ttl.isLongerThan(Duration.ZERO), "Dedup.withTtl: ttl must be > 0, got %s", ttl);
      return toBuilder().setTtl(ttl).build();
    }

    @Override
    public Result<T> expand(PCollection<T> input) {
      checkArgument(input.hasSchema(), "Dedup.byField: input %s has no schema; give it a Beam schema (Row, @DefaultSchema, Avro)", input.getName());
      field().checkIn(input.getSchema());
      SerializableFunction<T, Row> toRow = input.getToRowFunction();
      FieldPath path = field();
      PCollection<KV<String, T>> keyed =
          input
              .apply(
                  "KeyById",
                  MapElements.into(TypeDescriptors.kvs(TypeDescriptors.strings(), input.getTypeDescriptor()))
                      .via(element -> KV.of(String.valueOf(path.get(toRow.apply(element))), element)))
              .setCoder(KvCoder.of(StringUtf8Coder.of(), input.getCoder()));
      TupleTag<T> unique = new TupleTag<T>() {};
      TupleTag<T> duplicates = new TupleTag<T>() {};
      PCollectionTuple result =
          keyed.apply(
              "DropDuplicates",
              ParDo.of(new DedupFn<T>(ttl(), unique, duplicates)).withOutputTags(unique, TupleTagList.of(duplicates)));
      return new Result<>(
          input.getPipeline(), withSchemaOf(input, result.get(unique)), unique,
          withSchemaOf(input, result.get(duplicates)), duplicates);
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      builder
          .add(DisplayData.item("field", field().toString()).withLabel("Id field"))
          .add(DisplayData.item("ttl", Durations.format(ttl())).withLabel("Id time-to-live (event time)"));
    }
  }

  /** The input's coder is its SchemaCoder, so copying it keeps the schema downstream. */
  private static <T> PCollection<T> withSchemaOf(PCollection<T> like, PCollection<T> pc) {
    return pc.setCoder(like.getCoder());
  }

  static final class DedupFn<T> extends DoFn<KV<String, T>, T> {
    private final Duration ttl;
    private final TupleTag<T> duplicatesTag;
    private final Counter duplicates = Metrics.counter(DeadLetters.NAMESPACE, RunAccounting.DEDUPLICATED);

    @StateId("seen")
    private final StateSpec<ValueState<Boolean>> seenSpec = StateSpecs.value(BooleanCoder.of());

    @TimerId("expiry")
    private final TimerSpec expirySpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    private final TupleTag<T> uniqueTag;

    DedupFn(Duration ttl, TupleTag<T> uniqueTag, TupleTag<T> duplicatesTag) {
      this.ttl = ttl;
      this.uniqueTag = uniqueTag;
      this.duplicatesTag = duplicatesTag;
    }

    @ProcessElement
    public void process(
        @Element KV<String, T> element,
        @Timestamp Instant timestamp,
        @StateId("seen") ValueState<Boolean> seen,
        @TimerId("expiry") Timer expiry,
        BoundedWindow window,
        MultiOutputReceiver out) {
      if (Boolean.TRUE.equals(seen.read())) {
        duplicates.inc();
        out.get(duplicatesTag).output(element.getValue());
        return;
      }
      seen.write(true);
      Instant expiresAt = timestamp.plus(ttl);
      Instant limit = window.maxTimestamp();
      expiry.set(expiresAt.isAfter(limit) ? limit : expiresAt);
      out.get(uniqueTag).output(element.getValue());
    }

    @OnTimer("expiry")
    public void expire(@StateId("seen") ValueState<Boolean> seen) {
      seen.clear();
    }
  }

  /** The unique records and the dropped duplicates. */
  public static final class Result<T> implements POutput {
    private final Pipeline pipeline;
    private final PCollection<T> output;
    private final TupleTag<T> outputTag;
    private final PCollection<T> duplicates;
    private final TupleTag<T> duplicatesTag;

    Result(Pipeline pipeline, PCollection<T> output, TupleTag<T> outputTag, PCollection<T> duplicates, TupleTag<T> duplicatesTag) {
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

    /** Later arrivals of an id within the TTL (already counted in {@code tributary/deduplicated}). */
    public PCollection<T> duplicates() {
      return duplicates;
    }

    @Override
    public Pipeline getPipeline() {
      return pipeline;
    }

    @Override
    public Map<TupleTag<?>, PValue> expand() {
      return ImmutableMap.of(outputTag, output, duplicatesTag, duplicates);
    }

    @Override
    public void finishSpecifyingOutput(String transformName, PInput input, PTransform<?, ?> transform) {}
  }
}
