package io.tributary.transforms.cdc;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.json.DecimalBound;
import io.tributary.transforms.json.DecodeJson;
import io.tributary.transforms.json.HardenedJson;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.StageCounters;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableList;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableMap;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * Applies a table's change events in Debezium's JSON envelope to materialize its current state and
 * its SCD type 2 history, keyed by primary key and ordered by source position.
 *
 * <p><b>Input.</b> One Debezium envelope per element, as JSON text: {@code before}, {@code after},
 * {@code op} ({@code c} create, {@code u} update, {@code d} delete, {@code r} snapshot read),
 * {@code source} and {@code ts_ms}. The {@code {"schema":...,"payload":...}} wrapper of Kafka
 * Connect's JsonConverter is unwrapped. A tombstone (the null value Debezium sends after a delete,
 * for log compaction) is the JSON text {@code null}; a Kafka source maps a null record value to it.
 *
 * <p><b>Order.</b> Events are ordered per primary key by their source position: {@code source.lsn}
 * if present, else {@code source.ts_ms}; ties are broken by {@code source.txId}, then by {@code
 * transaction.total_order} (the event's order within its transaction, present when Debezium's
 * transaction metadata is enabled), missing parts counting as 0. The position is rendered as {@code
 * source_position}, a string that sorts like the position. A table's events must all carry an
 * {@code lsn} or all lack one (every Debezium connector does one or the other).
 *
 * <p><b>What happens to each event.</b> {@code Cdc.apply} is an {@link AccountedStage} named
 * {@value #STAGE} unless {@link Apply#withStageName} says otherwise (a pipeline applying two tables
 * names each); every envelope counts once in {@code tributary/stage.<stage>.in} and leaves once:
 *
 * <ul>
 *   <li>a new position for its key is <em>accepted</em> and counted in {@code stage.<stage>.out},
 *       once per event whatever {@link Emit} mode emits for it: it becomes one version of the
 *       history. If a newer position of the key was already applied, it is also counted in {@code
 *       tributary/cdc.superseded}: it does not change the current state, but it still takes its
 *       place in the history, which is why superseded events are accepted, not an exit of their
 *       own;
 *   <li>a position already seen for its key (a redelivery) leaves by the {@code deduplicated} exit
 *       ({@code stage.<stage>.deduplicated}); the first arrival wins;
 *   <li>a tombstone is counted in {@code tributary/cdc.tombstones} and, since it repeats the delete
 *       before it, leaves by the {@code deduplicated} exit;
 *   <li>a malformed envelope goes to the bad-record handler, under the stage name, with one of the
 *       reasons {@code empty_line}, {@code too_large}, {@code too_deep}, {@code number_too_long},
 *       {@code duplicate_key}, {@code not_json}, {@code truncated_json}, {@code missing_op}, {@code
 *       unknown_op}, {@code missing_source}, {@code missing_position}, {@code missing_after},
 *       {@code missing_before}, {@code missing_field}, {@code unknown_field}, {@code wrong_type},
 *       {@code out_of_range}, {@code bad_timestamp} (parsing and the row images follow {@link
 *       DecodeJson}'s rules within {@link Apply#withLimits}; accepted events that broke a {@code
 *       COUNT} rule are counted in {@code tributary/noted.<stage>.<reason>});
 *   <li>with {@link Apply#withStateTtl}, an event older than a key's newest version that arrives
 *       after the key's older versions expired goes to the bad-record handler, reason {@code
 *       expired_state}.
 * </ul>
 *
 * <p><b>Structure.</b> Two halves, each its own class: {@code CdcEnvelope} turns an envelope into a
 * typed change event (or a rejection, or nothing for a tombstone), {@code CdcHistory} orders a
 * key's events and keeps and emits its history. This class holds the public API: the transform, its
 * schemas and its result.
 *
 * <p><b>Bounded and unbounded.</b> State is kept per primary key in Beam keyed state (all versions
 * seen for the key, one map-state entry each, so an in-order event costs the same however many
 * versions its key has; docs/cdc.md has the layout and its costs), so the result does not depend on
 * arrival order. With {@link Emit#FINAL_STATE} (the default for a bounded input) each key emits
 * once, when the input ends: its final change and its complete history. With {@link Emit#CHANGELOG}
 * (the default for an unbounded input) every accepted event emits at once: a change when it is the
 * key's newest position, and the history versions it created or whose {@code valid_to} it changed.
 * Applying that changelog in order (upsert by primary key; history upserted by primary key and
 * {@code source_position}) yields exactly the final state and history of the bounded run. For a
 * stream that runs for months, {@link Apply#withStateTtl} bounds the state to the newest version
 * per live key (deleted keys are forgotten after the TTL), at the price described there.
 *
 * <pre>{@code
 * Cdc.Result orders = changeLines.apply("ApplyOrders",
 *     Cdc.apply(ORDER_SCHEMA, "order_id").withBadRecordErrorHandler(deadLetters));
 * PCollection<Row> current = orders.currentState();   // one row per live order
 * PCollection<Row> changes = orders.changes();        // upserts and deletes (__deleted)
 * PCollection<Row> history = orders.history();        // SCD2: valid_from, valid_to, is_current, op
 *
 * // Unbounded, e.g. from Kafka: a changelog, with state bounded to 7 days after a key's last event
 * Cdc.Result live = kafkaValues.apply("ApplyOrdersLive",
 *     Cdc.apply(ORDER_SCHEMA, "order_id").withStateTtl(Duration.standardDays(7)).withBadRecordErrorHandler(deadLetters));
 * }</pre>
 */
public final class Cdc {
  private Cdc() {}

  /** Default stage name: of the accounting and of rejections. */
  public static final String STAGE = "cdc";

  /** Counter of accepted events older than the key's newest applied position. */
  public static final String SUPERSEDED = "cdc.superseded";

  /**
   * Counter of versions dropped from state by {@link Apply#withStateTtl} (live keys keep their
   * newest).
   */
  public static final String COMPACTED = "cdc.compacted_versions";

  /** Counter of deleted keys whose state {@link Apply#withStateTtl} cleared. */
  public static final String EXPIRED_KEYS = "cdc.expired_keys";

  /** Counter of tombstones (also counted as deduplicated). */
  public static final String TOMBSTONES = "cdc.tombstones";

  /** Boolean field of {@link Result#changes()}: true when the change deletes the key. */
  public static final String DELETED = "__deleted";

  /** History field: the Debezium op that made the version. */
  public static final String OP = "op";

  /** History field: the version's source position, a string that sorts like the position. */
  public static final String SOURCE_POSITION = "source_position";

  /** History field: when the version became valid ({@code source.ts_ms}). */
  public static final String VALID_FROM = "valid_from";

  /** History field: when the next version replaced it, null while none has. */
  public static final String VALID_TO = "valid_to";

  /** History field: whether this is the live version (never true for a delete). */
  public static final String IS_CURRENT = "is_current";

  /** When the transform emits. */
  public enum Emit {
    /** {@link #FINAL_STATE} for a bounded input, {@link #CHANGELOG} for an unbounded one. */
    AUTO,
    /** Once per key, when the input (the global window) ends. */
    FINAL_STATE,
    /** On every accepted event. */
    CHANGELOG
  }

  /** Applies change events of a table with {@code tableSchema}, keyed by {@code primaryKey}. */
  public static Apply apply(Schema tableSchema, String... primaryKey) {
    checkArgument(tableSchema != null, "Cdc.apply: tableSchema must not be null");
    checkArgument(
        primaryKey != null && primaryKey.length > 0,
        "Cdc.apply: at least one primary-key field is required");
    for (String field : primaryKey) {
      checkArgument(
          tableSchema.hasField(field),
          "Cdc.apply: primary-key field '%s' is not in the table schema; known fields: %s",
          field,
          tableSchema.getFieldNames());
    }
    for (String reserved :
        List.of(DELETED, OP, SOURCE_POSITION, VALID_FROM, VALID_TO, IS_CURRENT)) {
      checkArgument(
          !tableSchema.hasField(reserved),
          "Cdc.apply: the table schema has a field named '%s', which the history output reserves",
          reserved);
    }
    return new AutoValue_Cdc_Apply.Builder()
        .setTableSchema(tableSchema)
        .setStageName(STAGE)
        .setPrimaryKey(ImmutableList.copyOf(primaryKey))
        .setEmit(Emit.AUTO)
        .setLimits(RecordLimits.defaults())
        .setDecimalBounds(ImmutableMap.of())
        .setBadRecordErrorHandler(DeadLetters.defaultHandler())
        .build();
  }

  /**
   * The table schema with every non-key field nullable: the shape of a delete's {@code before}
   * image, which under PostgreSQL's default replica identity carries only the key.
   */
  public static Schema relaxedSchema(Schema tableSchema, List<String> primaryKey) {
    Schema.Builder b = Schema.builder();
    for (Field f : tableSchema.getFields()) {
      b.addField(primaryKey.contains(f.getName()) ? f : f.withNullable(true));
    }
    return b.build();
  }

  /** Schema of {@link Result#changes()}: the relaxed table schema plus {@value #DELETED}. */
  public static Schema changeSchema(Schema tableSchema, List<String> primaryKey) {
    return Schema.builder()
        .addFields(relaxedSchema(tableSchema, primaryKey).getFields())
        .addBooleanField(DELETED)
        .build();
  }

  /** Schema of {@link Result#history()}: the relaxed table schema plus the SCD2 fields. */
  public static Schema historySchema(Schema tableSchema, List<String> primaryKey) {
    return Schema.builder()
        .addFields(relaxedSchema(tableSchema, primaryKey).getFields())
        .addStringField(OP)
        .addStringField(SOURCE_POSITION)
        .addDateTimeField(VALID_FROM)
        .addNullableField(VALID_TO, FieldType.DATETIME)
        .addBooleanField(IS_CURRENT)
        .build();
  }

  /** The position as a string that sorts like the position (fixed-width, zero-padded). */
  public static String formatPosition(long pos, long tx, long seq) {
    return String.format("%019d.%019d.%010d", pos, tx, seq);
  }

  /** The transform returned by {@link #apply(Schema, String...)}. */
  @AutoValue
  public abstract static class Apply extends PTransform<PCollection<String>, Result>
      implements AccountedStage {
    abstract Schema tableSchema();

    /** The stage name: of the accounting ({@code stage.<name>.*}) and of every rejection. */
    @Override
    public abstract String stageName();

    abstract ImmutableList<String> primaryKey();

    abstract Emit emit();

    abstract @Nullable Duration stateTtl();

    abstract RecordLimits limits();

    abstract ImmutableMap<String, DecimalBound> decimalBounds();

    abstract ErrorHandler<BadRecord, ?> badRecordErrorHandler();

    abstract Builder toBuilder();

    @AutoValue.Builder
    abstract static class Builder {
      abstract Builder setTableSchema(Schema schema);

      abstract Builder setStageName(String stageName);

      abstract Builder setPrimaryKey(ImmutableList<String> primaryKey);

      abstract Builder setEmit(Emit emit);

      abstract Builder setStateTtl(@Nullable Duration ttl);

      abstract Builder setLimits(RecordLimits limits);

      abstract Builder setDecimalBounds(ImmutableMap<String, DecimalBound> bounds);

      abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler);

      abstract Apply build();
    }

    /**
     * The stage name ({@value Cdc#STAGE} by default): of the accounting and of every rejection,
     * lower_snake_case and unique in the pipeline (a pipeline applying two tables names each).
     */
    public Apply withStageName(String stageName) {
      return toBuilder()
          .setStageName(AccountedStage.checkName(stageName, "Cdc.withStageName"))
          .build();
    }

    /** Sends malformed envelopes to {@code handler} instead of failing the pipeline. */
    public Apply withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
      checkArgument(handler != null, "Cdc.withBadRecordErrorHandler: handler must not be null");
      return toBuilder().setBadRecordErrorHandler(handler).build();
    }

    /**
     * The per-record bounds and rules of the envelope parse and of the {@code before}/{@code after}
     * images; {@link RecordLimits#defaults()} unless set. Adds the reasons {@code too_large},
     * {@code too_deep}, {@code number_too_long}, {@code duplicate_key}, {@code unknown_field} (in
     * an image, under {@code REJECT}) and {@code out_of_range} (a value of an image that does not
     * fit its field, a {@code lsn}, {@code ts_ms}, {@code txId} or {@code total_order} beyond
     * INT64, or a {@code ts_ms} outside the event-time range); see {@link DecodeJson}.
     */
    public Apply withLimits(RecordLimits limits) {
      checkArgument(limits != null, "Cdc.withLimits: limits must not be null");
      return toBuilder().setLimits(limits).build();
    }

    /**
     * Precision and scale of the table's {@code DECIMAL} fields, keyed by field path: {@code
     * "price"} bounds both images, {@code "after.price"} or {@code "before.price"} only one.
     */
    public Apply withDecimalBounds(Map<String, DecimalBound> bounds) {
      return toBuilder()
          .setDecimalBounds(HardenedJson.checkBounds(bounds, "Cdc.withDecimalBounds"))
          .build();
    }

    /**
     * When to emit; {@link Emit#AUTO} by default (final state when bounded, changelog when not).
     */
    public Apply withEmit(Emit emit) {
      checkArgument(emit != null, "Cdc.withEmit: emit must not be null");
      return toBuilder().setEmit(emit).build();
    }

    /**
     * Bounds the state of a long-running changelog ({@link Emit#CHANGELOG}): {@code ttl} of event
     * time after a key's last event (element timestamp), a timer keeps only what ordering needs — a
     * live key keeps its newest version (counted in {@value #COMPACTED}), a deleted key is
     * forgotten (its delete kept for {@code ttl}, as Kafka keeps tombstones for {@code
     * delete.retention.ms}; counted in {@value #EXPIRED_KEYS}).
     *
     * <p>The price, for events later than {@code ttl}: an event older than a compacted key's newest
     * version can no longer be placed in the history, nor told apart from a redelivery; it goes to
     * the bad-record handler (reason {@code expired_state}) instead of being applied. An event for
     * a forgotten deleted key is applied as the key's first (a delete's redelivery then deletes
     * nothing, a create re-creates the key). Choose {@code ttl} above the longest redelivery delay
     * of the source; a bounded replay of the change log rebuilds the exact history.
     */
    public Apply withStateTtl(Duration ttl) {
      checkArgument(
          ttl != null && ttl.isLongerThan(Duration.ZERO),
          "Cdc.withStateTtl: ttl must be > 0, got %s",
          ttl);
      return toBuilder().setStateTtl(ttl).build();
    }

    @Override
    public Result expand(PCollection<String> input) {
      Schema relaxed = relaxedSchema(tableSchema(), primaryKey());
      Schema events = CdcEnvelope.eventSchema(relaxed);
      StageCounters counters = StageCounters.of(stageName());
      Schema changes = changeSchema(tableSchema(), primaryKey());
      Schema history = historySchema(tableSchema(), primaryKey());
      Emit emit = emit();
      if (emit == Emit.AUTO) {
        emit =
            input.isBounded() == PCollection.IsBounded.BOUNDED ? Emit.FINAL_STATE : Emit.CHANGELOG;
      }
      checkArgument(
          stateTtl() == null || emit == Emit.CHANGELOG,
          "Cdc.withStateTtl: only with Emit.CHANGELOG (an unbounded input, or withEmit(CHANGELOG)); "
              + "Emit.FINAL_STATE keeps every version until the input ends, which the history needs");

      HardenedJson.checkBoundPaths(
          tableSchema(), decimalBounds(), "Cdc.withDecimalBounds", "after.", "before.");
      TupleTag<KV<String, Row>> decodedTag = new TupleTag<KV<String, Row>>() {};
      PCollectionTuple decoded =
          input
              // State is per key for all time, not per window: a change applies to the row whatever
              // window its source assigned.
              .apply("GlobalWindow", Window.<String>into(new GlobalWindows()))
              .apply(
                  "DecodeEnvelope",
                  ParDo.of(
                          new CdcEnvelope.DecodeFn(
                              tableSchema(),
                              relaxed,
                              events,
                              primaryKey(),
                              HardenedJson.of(limits(), stageName())
                                  .withDecimalBounds(decimalBounds()),
                              DeadLetters.routerFor(badRecordErrorHandler()),
                              decodedTag,
                              counters))
                      .withOutputTags(decodedTag, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
      DeadLetters.register(badRecordErrorHandler(), decoded);

      TupleTag<Row> changesTag = new TupleTag<Row>() {};
      TupleTag<Row> historyTag = new TupleTag<Row>() {};
      PCollectionTuple applied =
          decoded
              .get(decodedTag)
              .setCoder(KvCoder.of(StringUtf8Coder.of(), RowCoder.of(events)))
              .apply(
                  "ApplyByKey",
                  ParDo.of(
                          new CdcHistory.ApplyFn(
                              events,
                              changes,
                              history,
                              emit,
                              stateTtl(),
                              changesTag,
                              historyTag,
                              DeadLetters.routerFor(badRecordErrorHandler()),
                              counters))
                      .withOutputTags(
                          changesTag,
                          stateTtl() == null
                              ? TupleTagList.of(historyTag)
                              : TupleTagList.of(historyTag).and(BadRecordRouter.BAD_RECORD_TAG)));
      if (stateTtl() != null) {
        DeadLetters.register(badRecordErrorHandler(), applied);
      }
      PCollection<Row> changeRows = applied.get(changesTag).setRowSchema(changes);
      PCollection<Row> historyRows = applied.get(historyTag).setRowSchema(history);
      PCollection<Row> current =
          changeRows
              .apply("CurrentState", ParDo.of(new CdcHistory.CurrentFn(tableSchema())))
              .setRowSchema(tableSchema());
      return new Result(
          input.getPipeline(), changeRows, changesTag, current, historyRows, historyTag);
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      builder
          .add(DisplayData.item("tableSchema", tableSchema().toString()).withLabel("Table schema"))
          .add(DisplayData.item("stage", stageName()).withLabel("Stage name"))
          .add(
              DisplayData.item("primaryKey", String.join(",", primaryKey()))
                  .withLabel("Primary key"))
          .add(DisplayData.item("emit", emit().name()).withLabel("Emit"))
          .add(DisplayData.item("limits", limits().toString()).withLabel("Per-record limits"))
          .add(
              DisplayData.item("decimalBounds", decimalBounds().toString())
                  .withLabel("Decimal precision and scale by field path"))
          .addIfNotNull(
              DisplayData.item("stateTtl", stateTtl() == null ? null : stateTtl().toString())
                  .withLabel("State TTL (event time after a key's last event)"))
          .add(
              DisplayData.item(
                      "position", "source.lsn | source.ts_ms, source.txId, transaction.total_order")
                  .withLabel("Ordering"))
          .add(
              DisplayData.item(
                      "badRecordErrorHandler", badRecordErrorHandler().getClass().getSimpleName())
                  .withLabel("Bad-record handler"));
    }
  }

  /** The outputs of {@link Apply}. */
  public static final class Result implements POutput {
    private final Pipeline pipeline;
    private final PCollection<Row> changes;
    private final TupleTag<Row> changesTag;
    private final PCollection<Row> currentState;
    private final PCollection<Row> history;
    private final TupleTag<Row> historyTag;

    Result(
        Pipeline pipeline,
        PCollection<Row> changes,
        TupleTag<Row> changesTag,
        PCollection<Row> currentState,
        PCollection<Row> history,
        TupleTag<Row> historyTag) {
      this.pipeline = pipeline;
      this.changes = changes;
      this.changesTag = changesTag;
      this.currentState = currentState;
      this.history = history;
      this.historyTag = historyTag;
    }

    /**
     * Current-state changes: rows of {@link #changeSchema} whose {@value #DELETED} field says
     * whether the key was deleted. Final state: one per key (deleted keys included, so a sink can
     * remove them); changelog: one per event that advanced its key.
     */
    public PCollection<Row> changes() {
      return changes;
    }

    /** The live rows (table schema): {@link #changes()} without the deletes. */
    public PCollection<Row> currentState() {
      return currentState;
    }

    /**
     * SCD type 2 versions, rows of {@link #historySchema}: one per accepted event. In changelog
     * mode a version is emitted again when a later-arriving event changes its {@code valid_to};
     * upsert by primary key and {@value #SOURCE_POSITION}.
     */
    public PCollection<Row> history() {
      return history;
    }

    @Override
    public Pipeline getPipeline() {
      return pipeline;
    }

    @Override
    public Map<TupleTag<?>, PValue> expand() {
      return ImmutableMap.of(changesTag, changes, historyTag, history);
    }

    @Override
    public void finishSpecifyingOutput(
        String transformName, PInput input, PTransform<?, ?> transform) {}
  }
}
