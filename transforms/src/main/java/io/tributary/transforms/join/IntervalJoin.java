package io.tributary.transforms.join;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.GrainBoundary;
import io.tributary.transforms.metrics.LiveMetrics;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.metrics.StageExit;
import io.tributary.transforms.values.Durations;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.Schema.TypeName;
import org.apache.beam.sdk.state.MapState;
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
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableMap;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Joins two keyed streams of rows whose events fall within a bound of each other: right row {@code
 * b} matches left row {@code a} when their key fields are equal and {@code a.time - before <=
 * b.time <= a.time + after} (both edges inclusive). Event time is each element's timestamp: set it
 * from a field first with {@code EventTime} (or the spec's {@code EventTime} step).
 *
 * <pre>{@code
 * IntervalJoin.Result joined = clicks.apply("ClicksWithImpressions",
 *     IntervalJoin.of(impressions)
 *         .on("ad_id")
 *         .within(Duration.standardMinutes(10), Duration.ZERO)  // impression up to 10 min before
 *         .withJoinType(JoinType.LEFT)
 *         .withAllowedLateness(Duration.standardMinutes(2)));
 * joined.output();        // left fields, then right fields (clashing names prefixed "right_")
 * joined.tooLateLeft();   // clicks that arrived too late to be joined, with the clicks' schema
 * joined.tooLateRight();  // the same for impressions
 * }</pre>
 *
 * <p><b>How.</b> Both inputs are keyed by the join key and flattened into one stateful step in the
 * global window. Each row is buffered in the key's state; when it arrives, it is joined with every
 * buffered row of the other side within the bound, at once, so a match leaves as soon as both rows
 * are present. A joined row carries the later of the two timestamps; an unmatched row its own. A
 * row is held until the watermark passes the last time a partner could still arrive: a left row
 * until {@code time + after + allowed lateness}, a right row until {@code time + before + allowed
 * lateness}; then an event-time timer frees it and, for an outer side ({@link JoinType}), outputs
 * it once with the other side's fields null if it never matched. The timer holds the step's output
 * watermark at the oldest buffered row, so nothing this step outputs later is late downstream.
 *
 * <p><b>Too late.</b> A row is too late when its time plus the allowed lateness is behind the
 * watermark: it goes to {@link Result#tooLateLeft()} or {@link Result#tooLateRight()} and is
 * counted as {@code too_late}, never silently dropped. This is stricter than "too late to match
 * anything" on purpose: a row admitted later than that could still meet some partners but not those
 * already freed (or already output as unmatched), so the streaming result would differ from the
 * batch one without a trace. With this rule every admitted row meets every admitted partner, and
 * the result equals the batch join of the admitted rows. A stateful step cannot read the watermark
 * directly: it learns it per key from its own timers (a timer firing at {@code t} proves the
 * watermark reached {@code t}), so a key whose state has not yet been freed once admits late rows
 * it could still join correctly. A bounded input's watermark moves only when the input is
 * exhausted: nothing is too late and the result is the batch answer.
 *
 * <p><b>Output schema.</b> Every left field, then every right field except the key fields (their
 * values equal the left's; for an unmatched right row the left's key fields carry them). A right
 * field whose name a left field already has is renamed with a prefix ({@value #DEFAULT_PREFIX} by
 * default, {@link #withRightPrefix}); a flat row rather than Beam's {@code Join}'s nested {@code
 * lhs}/{@code rhs} rows, so the output feeds filters, aggregates and sinks that name fields
 * directly. Fields of a side that may be missing (the right's in a LEFT join) become nullable. A
 * row with a null key field matches nothing (as in SQL).
 *
 * <p><b>Accounting.</b> An {@link AccountedStage} named {@value #STAGE} unless {@link
 * #withStageName} says otherwise, and a {@link GrainBoundary}: it counts input records of both
 * sides, not joined rows. Every input record counts once in {@code stage.<stage>.in} and leaves
 * once: by {@code out} when it is in the output (joined with at least one partner, however many, or
 * output unmatched by an outer join), by {@code unmatched} ({@link StageExit#UNMATCHED}) when a
 * side that is not kept found no partner, or by {@code too_late}. So {@code in = out + unmatched +
 * too_late} holds exactly, and the run's line stays in records. The joined rows are a new grain
 * (one left row can match many right rows): their number is the counter {@code join.<stage>.rows},
 * and stages reading them are accounted as serving stages, as after an aggregation.
 *
 * <p><b>State.</b> Per key: the rows of both sides within their bound plus the allowed lateness of
 * the watermark, one sequence number, one timer, and one learned watermark (kept after the rows are
 * freed, so a key never forgets that the watermark passed). The runner also keeps its own per-key
 * cleanup timer in the global window; keys are the join key's distinct values, so a key space that
 * grows without end grows the state by a few hundred bytes per key. Each arriving row reads its
 * key's buffered rows to find partners, so the work per row grows with the rows one key holds
 * within the bound. The counters {@code join.<stage>.buffered} and {@code join.<stage>.freed} count
 * rows put in and freed from the state, so their difference is what it holds (live, in the workers'
 * JVM, through {@link LiveMetrics}). Measurements are in docs/performance.md.
 */
@AutoValue
public abstract class IntervalJoin extends PTransform<PCollection<Row>, IntervalJoin.Result>
    implements AccountedStage, GrainBoundary {
  /** Default stage name of the accounting. */
  public static final String STAGE = "interval_join";

  /** Default prefix of a right field whose name a left field already has. */
  public static final String DEFAULT_PREFIX = "right_";

  /** Prefix of the joined-rows counter {@code join.<stage>.rows}, in namespace tributary. */
  public static final String ROWS_COUNTER_PREFIX = "join.";

  /** Tag of {@link Result#output()} in {@link Result#expand()}. */
  public static final TupleTag<Row> OUTPUT = new TupleTag<Row>("output") {};

  /** Tag of {@link Result#tooLateLeft()} in {@link Result#expand()}. */
  public static final TupleTag<Row> TOO_LATE_LEFT = new TupleTag<Row>("tooLateLeft") {};

  /** Tag of {@link Result#tooLateRight()} in {@link Result#expand()}. */
  public static final TupleTag<Row> TOO_LATE_RIGHT = new TupleTag<Row>("tooLateRight") {};

  /** Key types whose string form is an exact identity (floating point and bytes are not). */
  static final Set<TypeName> KEY_TYPES =
      Set.of(
          TypeName.STRING,
          TypeName.BYTE,
          TypeName.INT16,
          TypeName.INT32,
          TypeName.INT64,
          TypeName.BOOLEAN,
          TypeName.DATETIME,
          TypeName.DECIMAL);

  private static final TupleTag<Row> RIGHT_INPUT = new TupleTag<Row>("right") {};

  abstract PCollection<Row> right();

  abstract List<String> keys();

  abstract @Nullable Duration before();

  abstract @Nullable Duration after();

  abstract Duration allowedLateness();

  abstract JoinType joinType();

  abstract String rightPrefix();

  /** The stage name of the accounting ({@code stage.<name>.*}). */
  @Override
  public abstract String stageName();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setRight(PCollection<Row> right);

    abstract Builder setKeys(List<String> keys);

    abstract Builder setBefore(Duration before);

    abstract Builder setAfter(Duration after);

    abstract Builder setAllowedLateness(Duration lateness);

    abstract Builder setJoinType(JoinType joinType);

    abstract Builder setRightPrefix(String prefix);

    abstract Builder setStageName(String stageName);

    abstract IntervalJoin build();
  }

  /**
   * Joins the input (the left side) with {@code right}, a collection of rows with a schema; set the
   * key with {@link #on} and the bound with {@link #within}. An INNER join with no allowed lateness
   * by default.
   */
  public static IntervalJoin of(PCollection<Row> right) {
    checkArgument(right != null, "IntervalJoin.of: right must not be null");
    checkArgument(
        right.hasSchema(),
        "IntervalJoin.of: the right input %s has no schema; give it a Beam schema",
        right.getName());
    return new AutoValue_IntervalJoin.Builder()
        .setRight(right)
        .setKeys(List.of())
        .setAllowedLateness(Duration.ZERO)
        .setJoinType(JoinType.INNER)
        .setRightPrefix(DEFAULT_PREFIX)
        .setStageName(STAGE)
        .build();
  }

  /** The key: fields of these names on both sides, of the same type. Required. */
  public IntervalJoin on(String... fields) {
    checkArgument(
        fields != null && fields.length > 0, "IntervalJoin.on: give at least one key field");
    for (String f : fields) {
      checkArgument(f != null && !f.isEmpty(), "IntervalJoin.on: a key field name is empty");
    }
    checkArgument(
        Set.copyOf(Arrays.asList(fields)).size() == fields.length,
        "IntervalJoin.on: a key field is named twice in %s",
        Arrays.asList(fields));
    return toBuilder().setKeys(List.of(fields)).build();
  }

  /**
   * The bound: a right row matches a left row when its time is at most {@code before} earlier and
   * at most {@code after} later than the left row's (both inclusive). Required.
   */
  public IntervalJoin within(Duration before, Duration after) {
    checkArgument(
        before != null && !before.isShorterThan(Duration.ZERO),
        "IntervalJoin.within: before must be >= 0, got %s",
        before);
    checkArgument(
        after != null && !after.isShorterThan(Duration.ZERO),
        "IntervalJoin.within: after must be >= 0, got %s",
        after);
    return toBuilder().setBefore(before).setAfter(after).build();
  }

  /**
   * How far behind the watermark a row may arrive and still be joined (default 0); later rows go to
   * the too-late outputs. Every buffered row is held this much longer.
   */
  public IntervalJoin withAllowedLateness(Duration lateness) {
    checkArgument(
        lateness != null && !lateness.isShorterThan(Duration.ZERO),
        "IntervalJoin.withAllowedLateness: lateness must be >= 0, got %s",
        lateness);
    return toBuilder().setAllowedLateness(lateness).build();
  }

  /** Which unmatched rows are output (default {@link JoinType#INNER}). */
  public IntervalJoin withJoinType(JoinType type) {
    checkArgument(type != null, "IntervalJoin.withJoinType: type must not be null");
    return toBuilder().setJoinType(type).build();
  }

  /**
   * The prefix of a right field whose name a left field already has (default {@value
   * #DEFAULT_PREFIX}).
   */
  public IntervalJoin withRightPrefix(String prefix) {
    checkArgument(
        prefix != null && prefix.matches("[A-Za-z_][A-Za-z0-9_]*"),
        "IntervalJoin.withRightPrefix: a prefix is letters, digits and _, not starting with a"
            + " digit; got '%s'",
        prefix);
    return toBuilder().setRightPrefix(prefix).build();
  }

  /**
   * The stage name ({@value #STAGE} by default), lower_snake_case and unique in the pipeline: a
   * pipeline with two joins names each.
   */
  public IntervalJoin withStageName(String stageName) {
    return toBuilder()
        .setStageName(AccountedStage.checkName(stageName, "IntervalJoin.withStageName"))
        .build();
  }

  /** The name of the joined-rows counter of stage {@code stage}: {@code join.<stage>.rows}. */
  public static String rowsCounter(String stage) {
    return ROWS_COUNTER_PREFIX + stage + ".rows";
  }

  /**
   * The name of the counter of rows put in the join's state, {@code join.<stage>.buffered}: every
   * input record with a key that is not too late. Minus {@link #freedCounter} it is the number of
   * rows the state holds now.
   */
  public static String bufferedCounter(String stage) {
    return ROWS_COUNTER_PREFIX + stage + ".buffered";
  }

  /**
   * The name of the counter of rows freed from the join's state by its expiry timer, {@code
   * join.<stage>.freed}; equal to {@link #bufferedCounter} once the input has ended.
   */
  public static String freedCounter(String stage) {
    return ROWS_COUNTER_PREFIX + stage + ".freed";
  }

  /** The right input is an input of this transform too, so the stage graph sees both feeders. */
  @Override
  public Map<TupleTag<?>, PValue> getAdditionalInputs() {
    return ImmutableMap.of(RIGHT_INPUT, right());
  }

  /**
   * The output schema for a left input of schema {@code left} (see the class doc).
   *
   * @throws IllegalArgumentException naming the call to fix when the key or the schemas do not fit
   */
  public Schema outputSchema(Schema left) {
    return shape(left).output;
  }

  private Shape shape(Schema left) {
    checkArgument(!keys().isEmpty(), "IntervalJoin: on(...) is required (the key fields)");
    checkArgument(
        before() != null && after() != null,
        "IntervalJoin: within(before, after) is required (the time bound)");
    return new Shape(left, right().getSchema(), keys(), joinType(), rightPrefix());
  }

  @Override
  public Result expand(PCollection<Row> left) {
    checkArgument(
        left.hasSchema(),
        "IntervalJoin: the left input %s has no schema; give it a Beam schema",
        left.getName());
    checkArgument(
        left.getPipeline() == right().getPipeline(),
        "IntervalJoin.of: the right input %s belongs to another pipeline",
        right().getName());
    checkGlobal(left, "left");
    checkGlobal(right(), "right");
    Shape shape = shape(left.getSchema());
    StageCounters counters = StageCounters.of(stageName());
    Schema union = shape.union;
    KvCoder<String, Row> keyedCoder = KvCoder.of(StringUtf8Coder.of(), RowCoder.of(union));
    // Plain tags, not anonymous subclasses (they would capture this transform and its inputs);
    // every
    // output's coder is set explicitly below.
    TupleTag<KV<String, Row>> keyedTag = new TupleTag<>("keyed");
    TupleTag<Row> nullKeyTag = new TupleTag<>("nullKey");
    PCollectionTuple leftKeyed =
        left.apply(
            "KeyLeft",
            ParDo.of(
                    new KeyFn(shape, true, joinType(), counters, stageName(), keyedTag, nullKeyTag))
                .withOutputTags(keyedTag, TupleTagList.of(nullKeyTag)));
    PCollectionTuple rightKeyed =
        right()
            .apply(
                "KeyRight",
                ParDo.of(
                        new KeyFn(
                            shape, false, joinType(), counters, stageName(), keyedTag, nullKeyTag))
                    .withOutputTags(keyedTag, TupleTagList.of(nullKeyTag)));
    TupleTag<Row> tooLateLeft = new TupleTag<>("tooLateLeft");
    TupleTag<Row> tooLateRight = new TupleTag<>("tooLateRight");
    TupleTag<Row> joinedTag = new TupleTag<>("joined");
    PCollectionTuple joined =
        PCollectionList.of(leftKeyed.get(keyedTag).setCoder(keyedCoder))
            .and(rightKeyed.get(keyedTag).setCoder(keyedCoder))
            .apply("BothSides", Flatten.pCollections())
            .apply(
                "JoinWithinBound",
                ParDo.of(
                        new JoinFn(
                            shape,
                            before().getMillis(),
                            after().getMillis(),
                            allowedLateness().getMillis(),
                            joinType(),
                            counters,
                            stageName(),
                            joinedTag,
                            tooLateLeft,
                            tooLateRight))
                    .withOutputTags(joinedTag, TupleTagList.of(tooLateLeft).and(tooLateRight)));
    PCollection<Row> output =
        PCollectionList.of(joined.get(joinedTag).setRowSchema(shape.output))
            .and(leftKeyed.get(nullKeyTag).setRowSchema(shape.output))
            .and(rightKeyed.get(nullKeyTag).setRowSchema(shape.output))
            .apply("Joined", Flatten.pCollections())
            .setRowSchema(shape.output);
    return new Result(
        left.getPipeline(),
        output,
        joined.get(tooLateLeft).setRowSchema(left.getSchema()),
        joined.get(tooLateRight).setRowSchema(right().getSchema()));
  }

  private static void checkGlobal(PCollection<Row> input, String side) {
    checkArgument(
        input.getWindowingStrategy().getWindowFn() instanceof GlobalWindows,
        "IntervalJoin: the %s input %s is windowed by %s; an interval join runs in the global"
            + " window: join before windowing (or re-window with Window.into(new GlobalWindows()))",
        side,
        input.getName(),
        input.getWindowingStrategy().getWindowFn().getClass().getSimpleName());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("keys", String.join(",", keys())).withLabel("Key fields"))
        .add(DisplayData.item("joinType", joinType().name()).withLabel("Join type"))
        .add(DisplayData.item("stage", stageName()).withLabel("Stage name"))
        .add(DisplayData.item("rightPrefix", rightPrefix()).withLabel("Prefix of clashing fields"))
        .add(
            DisplayData.item("allowedLateness", Durations.format(allowedLateness()))
                .withLabel("Allowed lateness"));
    if (before() != null && after() != null) {
      builder
          .add(
              DisplayData.item("before", Durations.format(before()))
                  .withLabel("Right rows up to this much earlier match"))
          .add(
              DisplayData.item("after", Durations.format(after()))
                  .withLabel("Right rows up to this much later match"));
    }
  }

  /** The schemas of a join: key, union of both sides (the state's element) and output. */
  static final class Shape implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    static final String LEFT = "left";
    static final String RIGHT = "right";
    static final String TS = "ts";
    static final String MATCHED = "matched";

    final Schema leftSchema;
    final Schema rightSchema;
    final Schema union;
    final Schema buffered;
    final Schema output;
    final int[] leftKeys;
    final int[] rightKeys;

    /** Per left field: its index among the right's key fields' positions, or -1. */
    final int[] leftKeyOfField;

    /** Right fields in the output (all but the key fields), by index. */
    final int[] rightOutFields;

    Shape(Schema left, Schema right, List<String> keys, JoinType type, String prefix) {
      this.leftSchema = left;
      this.rightSchema = right;
      leftKeys = new int[keys.size()];
      rightKeys = new int[keys.size()];
      for (int i = 0; i < keys.size(); i++) {
        String k = keys.get(i);
        checkArgument(
            left.hasField(k),
            "IntervalJoin.on: the left input has no field '%s'; its fields are %s",
            k,
            left.getFieldNames());
        checkArgument(
            right.hasField(k),
            "IntervalJoin.on: the right input has no field '%s'; its fields are %s",
            k,
            right.getFieldNames());
        TypeName lt = left.getField(k).getType().getTypeName();
        TypeName rt = right.getField(k).getType().getTypeName();
        checkArgument(
            lt == rt && KEY_TYPES.contains(lt),
            "IntervalJoin.on: key field '%s' must have one type among %s on both sides; the left's"
                + " is %s, the right's %s",
            k,
            KEY_TYPES,
            lt,
            rt);
        leftKeys[i] = left.indexOf(k);
        rightKeys[i] = right.indexOf(k);
      }
      Schema.Builder out = Schema.builder();
      leftKeyOfField = new int[left.getFieldCount()];
      for (int i = 0; i < left.getFieldCount(); i++) {
        Field f = left.getField(i);
        int key = keys.indexOf(f.getName());
        leftKeyOfField[i] = key;
        boolean nullable =
            f.getType().getNullable()
                || (key < 0
                    ? type.keepsRight()
                    : right.getField(f.getName()).getType().getNullable());
        out.addField(f.withNullable(nullable));
      }
      List<Integer> rightOut = new ArrayList<>();
      for (int j = 0; j < right.getFieldCount(); j++) {
        Field f = right.getField(j);
        if (keys.contains(f.getName())) {
          continue;
        }
        String name = left.hasField(f.getName()) ? prefix + f.getName() : f.getName();
        checkArgument(
            !left.hasField(name) && !out.build().hasField(name),
            "IntervalJoin.withRightPrefix: right field '%s' renamed '%s' still clashes with a"
                + " field of the output; choose another prefix",
            f.getName(),
            name);
        out.addField(f.withName(name).withNullable(f.getType().getNullable() || type.keepsLeft()));
        rightOut.add(j);
      }
      rightOutFields = rightOut.stream().mapToInt(Integer::intValue).toArray();
      output = out.build();
      union =
          Schema.builder()
              .addNullableField(LEFT, FieldType.row(left))
              .addNullableField(RIGHT, FieldType.row(right))
              .build();
      buffered =
          Schema.builder()
              .addInt64Field(TS)
              .addBooleanField(MATCHED)
              .addNullableField(LEFT, FieldType.row(left))
              .addNullableField(RIGHT, FieldType.row(right))
              .build();
    }

    /** The key of {@code row} as a string (length-prefixed values), or null if a field is null. */
    @Nullable String key(Row row, boolean isLeft) {
      int[] idx = isLeft ? leftKeys : rightKeys;
      StringBuilder sb = new StringBuilder();
      for (int i : idx) {
        Object v = row.getValue(i);
        if (v == null) {
          return null;
        }
        String s =
            v instanceof BigDecimal d ? d.stripTrailingZeros().toPlainString() : String.valueOf(v);
        sb.append(s.length()).append(':').append(s);
      }
      return sb.toString();
    }

    /** The output row of a left row {@code a} and a right row {@code b} (one may be null). */
    Row joined(@Nullable Row a, @Nullable Row b) {
      List<@Nullable Object> values = new ArrayList<>(output.getFieldCount());
      for (int i = 0; i < leftSchema.getFieldCount(); i++) {
        if (a != null) {
          values.add(a.getValue(i));
        } else if (b != null && leftKeyOfField[i] >= 0) {
          values.add(b.getValue(rightKeys[leftKeyOfField[i]]));
        } else {
          values.add(null);
        }
      }
      for (int j : rightOutFields) {
        values.add(b == null ? null : b.getValue(j));
      }
      return Row.withSchema(output).addValues(values).build();
    }
  }

  /** Keys each row of one side (counted in here); a null key cannot match and leaves at once. */
  static final class KeyFn extends DoFn<Row, KV<String, Row>> {
    private final Shape shape;
    private final boolean isLeft;
    private final boolean kept;
    private final StageCounters counters;
    private final String stage;
    private final TupleTag<KV<String, Row>> keyedTag;
    private final TupleTag<Row> nullKeyTag;
    private transient @Nullable Counter rows;

    KeyFn(
        Shape shape,
        boolean isLeft,
        JoinType type,
        StageCounters counters,
        String stage,
        TupleTag<KV<String, Row>> keyedTag,
        TupleTag<Row> nullKeyTag) {
      this.shape = shape;
      this.isLeft = isLeft;
      this.kept = isLeft ? type.keepsLeft() : type.keepsRight();
      this.counters = counters;
      this.stage = stage;
      this.keyedTag = keyedTag;
      this.nullKeyTag = nullKeyTag;
    }

    @ProcessElement
    public void process(@Element Row row, @Timestamp Instant timestamp, MultiOutputReceiver out) {
      counters.in();
      String key = shape.key(row, isLeft);
      if (key == null) {
        if (kept) {
          counters.out(timestamp);
          rowsCounter().inc();
          out.get(nullKeyTag).output(isLeft ? shape.joined(row, null) : shape.joined(null, row));
        } else {
          counters.exit(StageExit.UNMATCHED);
        }
        return;
      }
      Row union =
          Row.withSchema(shape.union).addValues(isLeft ? row : null, isLeft ? null : row).build();
      out.get(keyedTag).output(KV.of(key, union));
    }

    private Counter rowsCounter() {
      if (rows == null) {
        rows = LiveMetrics.counter(DeadLetters.NAMESPACE, IntervalJoin.rowsCounter(stage));
      }
      return rows;
    }
  }

  /**
   * The join: per key, the buffered rows of both sides (by arrival number), the learned watermark
   * and one expiry timer whose output timestamp holds the watermark at the oldest buffered row.
   */
  static final class JoinFn extends DoFn<KV<String, Row>, Row> {
    private static final long END = GlobalWindow.INSTANCE.maxTimestamp().getMillis();

    private final Shape shape;
    private final long before;
    private final long after;
    private final long lateness;
    private final JoinType type;
    private final StageCounters counters;
    private final String stage;
    private final TupleTag<Row> joinedTag;
    private final TupleTag<Row> tooLateLeftTag;
    private final TupleTag<Row> tooLateRightTag;
    private transient @Nullable Counter rows;
    private transient @Nullable Counter bufferedRows;
    private transient @Nullable Counter freedRows;

    @StateId("rows")
    private final StateSpec<MapState<Long, Row>> rowsSpec;

    @StateId("seq")
    private final StateSpec<ValueState<Long>> seqSpec = StateSpecs.value(VarLongCoder.of());

    @StateId("known")
    private final StateSpec<ValueState<Long>> knownSpec = StateSpecs.value(VarLongCoder.of());

    @StateId("timerAt")
    private final StateSpec<ValueState<Long>> timerAtSpec = StateSpecs.value(VarLongCoder.of());

    @StateId("holdAt")
    private final StateSpec<ValueState<Long>> holdAtSpec = StateSpecs.value(VarLongCoder.of());

    @TimerId("expire")
    private final TimerSpec expireSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    JoinFn(
        Shape shape,
        long before,
        long after,
        long lateness,
        JoinType type,
        StageCounters counters,
        String stage,
        TupleTag<Row> joinedTag,
        TupleTag<Row> tooLateLeftTag,
        TupleTag<Row> tooLateRightTag) {
      this.shape = shape;
      this.before = before;
      this.after = after;
      this.lateness = lateness;
      this.type = type;
      this.counters = counters;
      this.stage = stage;
      this.joinedTag = joinedTag;
      this.tooLateLeftTag = tooLateLeftTag;
      this.tooLateRightTag = tooLateRightTag;
      this.rowsSpec = StateSpecs.map(VarLongCoder.of(), RowCoder.of(shape.buffered));
    }

    @ProcessElement
    public void process(
        @Element KV<String, Row> element,
        @Timestamp Instant timestamp,
        @StateId("rows") MapState<Long, Row> buffered,
        @StateId("seq") ValueState<Long> seq,
        @StateId("known") ValueState<Long> known,
        @StateId("timerAt") ValueState<Long> timerAt,
        @StateId("holdAt") ValueState<Long> holdAt,
        @TimerId("expire") Timer expire,
        MultiOutputReceiver out) {
      Row union = element.getValue();
      Row leftRow = union.getRow(Shape.LEFT);
      boolean isLeft = leftRow != null;
      Row row = isLeft ? leftRow : union.getRow(Shape.RIGHT);
      long t = timestamp.getMillis();
      Long watermark = known.read();
      if (watermark != null && plus(t, lateness) < watermark) {
        // Partners of this row may already be freed (or output as unmatched): too late to join.
        counters.exit(StageExit.TOO_LATE);
        out.get(isLeft ? tooLateLeftTag : tooLateRightTag).output(row);
        return;
      }
      boolean matched = false;
      List<KV<Long, Row>> newlyMatched = new ArrayList<>();
      for (Map.Entry<Long, Row> e : buffered.entries().read()) {
        Row b = e.getValue();
        Row other = b.getRow(isLeft ? Shape.RIGHT : Shape.LEFT);
        if (other == null) {
          continue; // same side
        }
        long ot = b.getInt64(Shape.TS);
        long lt = isLeft ? t : ot;
        long rt = isLeft ? ot : t;
        if (rt < plus(lt, -before) || rt > plus(lt, after)) {
          continue;
        }
        matched = true;
        rowsCounter().inc();
        out.get(joinedTag)
            .outputWithTimestamp(
                isLeft ? shape.joined(row, other) : shape.joined(other, row),
                new Instant(Math.max(t, ot)));
        if (!Boolean.TRUE.equals(b.getBoolean(Shape.MATCHED))) {
          newlyMatched.add(KV.of(e.getKey(), b));
        }
      }
      for (KV<Long, Row> m : newlyMatched) {
        Row b = m.getValue();
        buffered.put(m.getKey(), Row.fromRow(b).withFieldValue(Shape.MATCHED, true).build());
        counters.out(new Instant(b.getInt64(Shape.TS)));
      }
      if (matched) {
        counters.out(timestamp);
      }
      Long n = seq.read();
      long next = n == null ? 0 : n + 1;
      seq.write(next);
      bufferedCounter().inc();
      buffered.put(
          next,
          Row.withSchema(shape.buffered)
              .addValues(t, matched, isLeft ? row : null, isLeft ? null : row)
              .build());
      long at = timerFor(expiry(t, isLeft));
      Long currentAt = timerAt.read();
      Long currentHold = holdAt.read();
      if (currentAt == null || currentHold == null || at < currentAt || t < currentHold) {
        long newAt = currentAt == null ? at : Math.min(at, currentAt);
        long newHold = currentHold == null ? t : Math.min(t, currentHold);
        expire.withOutputTimestamp(new Instant(newHold)).set(new Instant(newAt));
        timerAt.write(newAt);
        holdAt.write(newHold);
      }
    }

    @OnTimer("expire")
    public void onExpire(
        OnTimerContext context,
        @StateId("rows") MapState<Long, Row> buffered,
        @StateId("seq") ValueState<Long> seq,
        @StateId("known") ValueState<Long> known,
        @StateId("timerAt") ValueState<Long> timerAt,
        @StateId("holdAt") ValueState<Long> holdAt,
        @TimerId("expire") Timer expire) {
      long fired = context.fireTimestamp().getMillis();
      Long before = known.read();
      if (before == null || fired > before) {
        known.write(fired); // the watermark reached `fired`
      }
      boolean end = fired >= END;
      long nextAt = Long.MAX_VALUE;
      long nextHold = Long.MAX_VALUE;
      List<Long> freed = new ArrayList<>();
      for (Map.Entry<Long, Row> e : buffered.entries().read()) {
        Row b = e.getValue();
        long ts = b.getInt64(Shape.TS);
        Row leftRow = b.getRow(Shape.LEFT);
        boolean isLeft = leftRow != null;
        long expiry = expiry(ts, isLeft);
        if (!end && expiry >= fired) {
          nextAt = Math.min(nextAt, timerFor(expiry));
          nextHold = Math.min(nextHold, ts);
          continue;
        }
        freed.add(e.getKey());
        if (Boolean.TRUE.equals(b.getBoolean(Shape.MATCHED))) {
          continue; // counted out at its first match
        }
        if (isLeft ? type.keepsLeft() : type.keepsRight()) {
          counters.out(new Instant(ts));
          rowsCounter().inc();
          context.outputWithTimestamp(
              joinedTag,
              isLeft ? shape.joined(leftRow, null) : shape.joined(null, b.getRow(Shape.RIGHT)),
              new Instant(ts));
        } else {
          counters.exit(StageExit.UNMATCHED);
        }
      }
      freed.forEach(buffered::remove);
      freedCounter().inc(freed.size());
      if (nextAt == Long.MAX_VALUE) {
        seq.clear();
        timerAt.clear();
        holdAt.clear();
      } else {
        expire.withOutputTimestamp(new Instant(nextHold)).set(new Instant(nextAt));
        timerAt.write(nextAt);
        holdAt.write(nextHold);
      }
    }

    // Timers hold the output watermark at the oldest buffered row, behind the current element's
    // timestamp when that element is newer: allowed only with a skew that admits any timestamp (see
    // Windowing).
    @SuppressWarnings("deprecation")
    @Override
    public Duration getAllowedTimestampSkew() {
      return Durations.ANY_TIMESTAMP_SKEW;
    }

    /** The last event time at which a partner of a row of time {@code t} can still be admitted. */
    private long expiry(long t, boolean isLeft) {
      return plus(plus(t, isLeft ? after : before), lateness);
    }

    /** A timer freeing a row of expiry {@code e} fires once the watermark is past {@code e}. */
    private static long timerFor(long expiry) {
      return expiry >= END ? END : Math.min(expiry + 1, END);
    }

    private Counter rowsCounter() {
      if (rows == null) {
        rows = LiveMetrics.counter(DeadLetters.NAMESPACE, IntervalJoin.rowsCounter(stage));
      }
      return rows;
    }

    private Counter bufferedCounter() {
      if (bufferedRows == null) {
        bufferedRows =
            LiveMetrics.counter(DeadLetters.NAMESPACE, IntervalJoin.bufferedCounter(stage));
      }
      return bufferedRows;
    }

    private Counter freedCounter() {
      if (freedRows == null) {
        freedRows = LiveMetrics.counter(DeadLetters.NAMESPACE, IntervalJoin.freedCounter(stage));
      }
      return freedRows;
    }
  }

  /** Saturating addition, so bounds near the ends of time do not wrap. */
  static long plus(long a, long b) {
    long r = a + b;
    if (((a ^ r) & (b ^ r)) < 0) {
      return b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
    return Math.max(
        BoundedWindow.TIMESTAMP_MIN_VALUE.getMillis(),
        Math.min(r, BoundedWindow.TIMESTAMP_MAX_VALUE.getMillis()));
  }

  /** The joined rows and each side's too-late rows. */
  public static final class Result implements POutput {
    private final Pipeline pipeline;
    private final PCollection<Row> output;
    private final PCollection<Row> tooLateLeft;
    private final PCollection<Row> tooLateRight;

    Result(
        Pipeline pipeline,
        PCollection<Row> output,
        PCollection<Row> tooLateLeft,
        PCollection<Row> tooLateRight) {
      this.pipeline = pipeline;
      this.output = output;
      this.tooLateLeft = tooLateLeft;
      this.tooLateRight = tooLateRight;
    }

    /**
     * The joined rows (one per matched pair) and the unmatched rows of the kept sides, in the
     * global window, with the schema of {@link IntervalJoin#outputSchema}.
     */
    public PCollection<Row> output() {
      return output;
    }

    /** Left rows that arrived too late to be joined, unchanged (counted as {@code too_late}). */
    public PCollection<Row> tooLateLeft() {
      return tooLateLeft;
    }

    /** Right rows that arrived too late to be joined, unchanged (counted as {@code too_late}). */
    public PCollection<Row> tooLateRight() {
      return tooLateRight;
    }

    @Override
    public Pipeline getPipeline() {
      return pipeline;
    }

    @Override
    public Map<TupleTag<?>, PValue> expand() {
      return ImmutableMap.of(
          OUTPUT, output, TOO_LATE_LEFT, tooLateLeft, TOO_LATE_RIGHT, tooLateRight);
    }

    @Override
    public void finishSpecifyingOutput(
        String transformName, PInput input, PTransform<?, ?> transform) {}
  }
}
