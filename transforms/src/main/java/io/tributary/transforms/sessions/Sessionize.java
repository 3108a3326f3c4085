package io.tributary.transforms.sessions;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.values.Durations;
import io.tributary.transforms.values.FieldPath;
import io.tributary.transforms.windowing.PaneMetadata;
import io.tributary.transforms.windowing.WindowSpec;
import io.tributary.transforms.windowing.WindowedResult;
import io.tributary.transforms.windowing.Windowing;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableList;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Groups each user's events into activity sessions that end after a gap without events, and
 * summarises every session pane as one row: start, end, duration, events, converted or not.
 *
 * <p>Built on {@link Windowing}: a session spec ({@code session:<gap>} with optional early/late
 * firings and lateness) decides when summaries appear, and events later than the lateness go to
 * {@link WindowedResult#tooLate()} instead of being dropped. A late event that falls between two
 * sessions merges them: Beam merges the session windows, and the next pane summarises the merged
 * session (in accumulating mode, all its events; in discarding mode, what was not yet emitted).
 * Session start and end are the first and last event times; the window is {@code [start, end +
 * gap)}.
 *
 * <p>Output schema {@link #SUMMARY_SCHEMA}: {@code user} (the user field as text), {@code
 * session_start}, {@code session_end}, {@code duration_ms}, {@code events}, {@code converted}, then
 * the {@link PaneMetadata} fields.
 *
 * <p>An {@link AccountedStage} named {@value #STAGE} unless {@link ByUser#withStageName} says
 * otherwise. Its records are events, not summaries: every event counts in {@code
 * tributary/stage.<stage>.in} and leaves either into a session ({@code stage.<stage>.out}, the
 * events the summaries are computed from) or as too late ({@code stage.<stage>.too_late}). The
 * counting is the windowing step's, which runs under this stage's name.
 *
 * <pre>{@code
 * WindowedResult<Row> sessions = events.apply("Sessions",
 *     Sessionize.<Row>byUser("user_id")
 *         .withSpec(WindowSpec.parse("session:30m;late=every;lateness=1h;accumulating"))
 *         .withConversion("event_type", "purchase"));
 * sessions.output();   // one summary row per session and pane
 * sessions.tooLate();  // events beyond the lateness, see Windowing.tooLateSchema
 * }</pre>
 */
public final class Sessionize {
  private Sessionize() {}

  /** Default stage name of the accounting. */
  public static final String STAGE = "sessionize";

  /** Default inactivity gap that closes a session. */
  public static final Duration DEFAULT_GAP = Duration.standardMinutes(30);

  /** Schema of a session summary row. */
  public static final Schema SUMMARY_SCHEMA =
      Schema.builder()
          .addStringField("user")
          .addDateTimeField("session_start")
          .addDateTimeField("session_end")
          .addInt64Field("duration_ms")
          .addInt64Field("events")
          .addBooleanField("converted")
          .addFields(PaneMetadata.SCHEMA.getFields())
          .build();

  /** Sessions per value of {@code userField}, gap {@link #DEFAULT_GAP}, no lateness. */
  public static <T> ByUser<T> byUser(String userField) {
    checkArgument(
        userField != null && !userField.isBlank(),
        "Sessionize.byUser: userField must not be empty");
    return new AutoValue_Sessionize_ByUser.Builder<T>()
        .setUserField(FieldPath.of(userField))
        .setStageName(STAGE)
        .setSpec(WindowSpec.parse("session:30m"))
        .setConversionValues(ImmutableList.of())
        .build();
  }

  /** The transform returned by {@link #byUser}. */
  @AutoValue
  public abstract static class ByUser<T> extends PTransform<PCollection<T>, WindowedResult<Row>>
      implements AccountedStage {
    abstract FieldPath userField();

    /** The stage name of the accounting ({@code stage.<name>.*}). */
    @Override
    public abstract String stageName();

    abstract WindowSpec spec();

    abstract @Nullable FieldPath conversionField();

    abstract ImmutableList<String> conversionValues();

    abstract Builder<T> toBuilder();

    @AutoValue.Builder
    abstract static class Builder<T> {
      abstract Builder<T> setUserField(FieldPath field);

      abstract Builder<T> setStageName(String stageName);

      abstract Builder<T> setSpec(WindowSpec spec);

      abstract Builder<T> setConversionField(@Nullable FieldPath field);

      abstract Builder<T> setConversionValues(ImmutableList<String> values);

      abstract ByUser<T> build();
    }

    /**
     * The stage name ({@value Sessionize#STAGE} by default), lower_snake_case and unique in the
     * pipeline.
     */
    public ByUser<T> withStageName(String stageName) {
      return toBuilder()
          .setStageName(AccountedStage.checkName(stageName, "Sessionize.withStageName"))
          .build();
    }

    /** Closes a session after {@code gap} of event time without events (no lateness). */
    public ByUser<T> withGap(Duration gap) {
      checkArgument(
          gap != null && gap.isLongerThan(Duration.ZERO),
          "Sessionize.withGap: gap must be > 0, got %s",
          gap);
      return toBuilder().setSpec(WindowSpec.parse("session:" + Durations.format(gap))).build();
    }

    /** The full session spec, e.g. {@code session:30m;late=every;lateness=1h;accumulating}. */
    public ByUser<T> withSpec(WindowSpec spec) {
      checkArgument(
          spec != null && spec.kind() == WindowSpec.Kind.SESSION,
          "Sessionize.withSpec: expected a session spec (session:<gap>...), got %s",
          spec);
      return toBuilder().setSpec(spec).build();
    }

    /** A session is converted when any event's {@code field} (as text) is one of {@code values}. */
    public ByUser<T> withConversion(String field, String... values) {
      checkArgument(
          field != null && !field.isBlank(), "Sessionize.withConversion: field must not be empty");
      checkArgument(
          values != null && values.length > 0,
          "Sessionize.withConversion: give at least one value");
      return toBuilder()
          .setConversionField(FieldPath.of(field))
          .setConversionValues(ImmutableList.copyOf(values))
          .build();
    }

    @Override
    public WindowedResult<Row> expand(PCollection<T> input) {
      checkArgument(
          input.hasSchema(), "Sessionize.byUser: input %s has no schema", input.getName());
      userField().checkIn(input.getSchema());
      if (conversionField() != null) {
        conversionField().checkIn(input.getSchema());
      }
      WindowedResult<T> windowed =
          input.apply("Window", Windowing.<T>of(spec()).withStageName(stageName()));
      PCollection<Row> summaries =
          windowed
              .output()
              .apply(
                  "KeyByUser",
                  ParDo.of(
                      new KeyFn<T>(
                          input.getToRowFunction(),
                          userField(),
                          conversionField(),
                          conversionValues())))
              .setCoder(
                  KvCoder.of(
                      StringUtf8Coder.of(), KvCoder.of(VarLongCoder.of(), BooleanCoder.of())))
              .apply("Summarise", Combine.perKey(new SummaryFn()))
              .apply("ToRow", ParDo.of(new ToRowFn()))
              .setRowSchema(SUMMARY_SCHEMA);
      return WindowedResult.of(input.getPipeline(), summaries, windowed.tooLate());
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      builder
          .add(DisplayData.item("userField", userField().toString()).withLabel("User field"))
          .add(DisplayData.item("stage", stageName()).withLabel("Stage name"))
          .add(DisplayData.item("spec", spec().toString()).withLabel("Session spec"))
          .addIfNotNull(
              DisplayData.item(
                      "conversionField",
                      conversionField() == null ? null : conversionField().toString())
                  .withLabel("Conversion field"))
          .add(
              DisplayData.item("conversionValues", String.join(",", conversionValues()))
                  .withLabel("Conversion values"));
    }
  }

  static final class KeyFn<T> extends DoFn<T, KV<String, KV<Long, Boolean>>> {
    private final SerializableFunction<T, Row> toRow;
    private final FieldPath user;
    private final @Nullable FieldPath conversion;
    private final List<String> values;

    KeyFn(
        SerializableFunction<T, Row> toRow,
        FieldPath user,
        @Nullable FieldPath conversion,
        List<String> values) {
      this.toRow = toRow;
      this.user = user;
      this.conversion = conversion;
      this.values = values;
    }

    @ProcessElement
    public void process(
        @Element T element,
        @Timestamp Instant timestamp,
        OutputReceiver<KV<String, KV<Long, Boolean>>> out) {
      Row row = toRow.apply(element);
      boolean converted =
          conversion != null && values.contains(String.valueOf(conversion.get(row)));
      out.output(KV.of(String.valueOf(user.get(row)), KV.of(timestamp.getMillis(), converted)));
    }
  }

  /** Accumulator: {first event millis, last event millis, events, converted (0/1)}. */
  static final class SummaryFn extends Combine.CombineFn<KV<Long, Boolean>, long[], long[]> {
    @Override
    public long[] createAccumulator() {
      return new long[] {Long.MAX_VALUE, Long.MIN_VALUE, 0, 0};
    }

    @Override
    public long[] addInput(long[] acc, KV<Long, Boolean> event) {
      acc[0] = Math.min(acc[0], event.getKey());
      acc[1] = Math.max(acc[1], event.getKey());
      acc[2]++;
      acc[3] |= Boolean.TRUE.equals(event.getValue()) ? 1 : 0;
      return acc;
    }

    @Override
    public long[] mergeAccumulators(Iterable<long[]> accs) {
      long[] m = createAccumulator();
      for (long[] a : accs) {
        m[0] = Math.min(m[0], a[0]);
        m[1] = Math.max(m[1], a[1]);
        m[2] += a[2];
        m[3] |= a[3];
      }
      return m;
    }

    @Override
    public long[] extractOutput(long[] acc) {
      return acc;
    }

    @Override
    public Coder<long[]> getAccumulatorCoder(
        CoderRegistry registry, Coder<KV<Long, Boolean>> inputCoder) {
      return SummaryCoder.INSTANCE;
    }

    @Override
    public Coder<long[]> getDefaultOutputCoder(
        CoderRegistry registry, Coder<KV<Long, Boolean>> inputCoder) {
      return SummaryCoder.INSTANCE;
    }
  }

  static final class SummaryCoder extends CustomCoder<long[]> {
    static final SummaryCoder INSTANCE = new SummaryCoder();

    @Override
    public void encode(long[] value, OutputStream outStream) throws IOException {
      DataOutputStream out = new DataOutputStream(outStream);
      for (int i = 0; i < 4; i++) {
        out.writeLong(value[i]);
      }
      out.flush();
    }

    @Override
    public long[] decode(InputStream inStream) throws IOException {
      DataInputStream in = new DataInputStream(inStream);
      long[] v = new long[4];
      for (int i = 0; i < 4; i++) {
        v[i] = in.readLong();
      }
      return v;
    }

    @Override
    public void verifyDeterministic() {}
  }

  static final class ToRowFn extends DoFn<KV<String, long[]>, Row> {
    private final Counter early = PaneMetadata.paneCounter(PaneInfo.Timing.EARLY);
    private final Counter onTime = PaneMetadata.paneCounter(PaneInfo.Timing.ON_TIME);
    private final Counter late = PaneMetadata.paneCounter(PaneInfo.Timing.LATE);

    @ProcessElement
    public void process(
        @Element KV<String, long[]> session,
        BoundedWindow window,
        PaneInfo pane,
        OutputReceiver<Row> out) {
      PaneMetadata.count(pane, early, onTime, late);
      long[] s = session.getValue();
      out.output(
          Row.withSchema(SUMMARY_SCHEMA)
              .addValues(
                  session.getKey(),
                  new Instant(s[0]),
                  new Instant(s[1]),
                  s[1] - s[0],
                  s[2],
                  s[3] == 1)
              .addValues(PaneMetadata.of(window, pane).values())
              .build());
    }
  }
}
