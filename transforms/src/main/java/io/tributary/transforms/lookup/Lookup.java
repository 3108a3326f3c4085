package io.tributary.transforms.lookup;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.json.RowJsonText;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.values.Fingerprint;
import io.tributary.transforms.values.RowBytesCoder;
import io.tributary.transforms.values.Rows;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.InstantCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.MapCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.Schema.TypeName;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.PeriodicImpulse;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Adds fields of a small table to each row whose key field matches the table's key: a side-input
 * join, the table held in memory by every worker (a dimension: products, countries, devices).
 *
 * <p><b>The table.</b> Either a collection ({@link #from}: static, read with the pipeline) or a
 * {@link ReferenceTable} ({@link #fromTable}: a file or a PostgreSQL query read as a whole snapshot
 * when the pipeline starts). On an unbounded main input, {@link #withRefresh} re-reads the snapshot
 * every period (Beam's slowly-changing side input: a {@code PeriodicImpulse} ticks, each tick reads
 * the table, the newest snapshot replaces the side input in the global window). A row is enriched
 * from a table at most <i>period + one read</i> old: the staleness bound. On a bounded main input
 * the table is read once, so the result is the static lookup's.
 *
 * <p>The table must have at most one row per key (a current state, such as {@code
 * Cdc.Result#currentState()}); a key held twice fails the run, naming it by fingerprint (below),
 * rather than picking one row by chance. A table read by {@link #fromTable} holds at most {@link
 * #withMaxRows} rows (default {@value #DEFAULT_MAX_ROWS}): a bigger one fails the read, naming the
 * table and the limit, instead of running workers out of memory.
 *
 * <p><b>A row without a match</b> (or with a null key) follows {@link #withMissingKey}: {@link
 * MissingKey#FILL_NULLS} (the default) gives each added field its default, or null when it has
 * none; {@link MissingKey#DEAD_LETTER} rejects the row with reason {@value #NO_MATCH} to the
 * bad-record handler; {@link MissingKey#WAIT} holds the row in keyed state until a refreshed
 * snapshot has its key, at most {@link #withMaxWait}, and then follows {@link #withAfterWait} (a
 * dead letter with reason {@value #NO_MATCH_AFTER_WAIT}, or filled nulls), also when the input ends
 * first (see {@code WaitForKey} for how). With dead letters, waiting (or a {@link #withStageName})
 * the lookup is an {@link AccountedStage}: {@code in = out + dead_letter.<stage>.<reason>}, a held
 * row counted out or dead-lettered only when released. The added fields keep the table's types,
 * nullable unless a default is given (or the rule is dead letters, where every row that goes out
 * has a match); the table is read in the global window, so it applies to main input rows of any
 * window.
 *
 * <p><b>Keys in messages.</b> Keys are often personal data (customer ids, e-mail addresses, device
 * ids), so no message of the lookup (a dead letter's failure, a log line, an exception) holds a key
 * value: it names the key field and a fingerprint of the value, {@code sha256:} and the first 12
 * hex digits of the SHA-256 of its string form ({@link
 * io.tributary.transforms.values.Fingerprint#of}), e.g. {@code no table row has key
 * sha256:f0b8e894c1e3 (field 'device_id')} for device {@code d9}. To tell whether a suspect value
 * is the one meant, compute its fingerprint: {@code printf %s 'd9' | sha256sum | cut -c1-12} gives
 * {@code f0b8e894c1e3}. A dead letter's payload is the row itself, unchanged: scrub payloads with
 * the pipeline's privacy policy.
 *
 * <p>A {@code Lookup} is immutable: each {@code by} and {@code with...} call returns a changed
 * copy, so one configured lookup can be the base of several.
 *
 * <p>Why a side input and not Beam's {@code Join} (a CoGroupByKey on both sides): the table is
 * small and the main input keeps its windows, order and timestamps, with no shuffle of it.
 *
 * <pre>{@code
 * PCollection<Row> withCategory = orders.apply("CategoryOfProduct",
 *     Lookup.from(products).by("product_id").withField("category").withDefault("category", "unknown"));
 * PCollection<Row> withSite = readings.apply("SiteOfDevice",
 *     Lookup.fromTable(devices).by("device_id").withField("site")
 *         .withRefresh(Duration.standardMinutes(5))
 *         .withMissingKey(MissingKey.DEAD_LETTER)
 *         .withBadRecordErrorHandler(handler));
 * PCollection<Row> waited = readings.apply("SiteOfNewDevice",
 *     Lookup.fromTable(devices).by("device_id").withField("site")
 *         .withRefresh(Duration.standardMinutes(5))
 *         .withMissingKey(MissingKey.WAIT)
 *         .withMaxWait(Duration.standardMinutes(30))
 *         .withBadRecordErrorHandler(handler));
 * }</pre>
 */
@AutoValue
public abstract class Lookup extends PTransform<PCollection<Row>, PCollection<Row>> {
  /** The reason of a row rejected because its key has no row in the table. */
  public static final String NO_MATCH = "no_match";

  /**
   * The reason of a row rejected by {@link MissingKey#WAIT}: its key was still missing from the
   * table when {@link #withMaxWait} passed, or when the input ended.
   */
  public static final String NO_MATCH_AFTER_WAIT = "no_match_after_wait";

  /** The stage name of an accounted lookup unless {@link #withStageName} says otherwise. */
  public static final String STAGE = "lookup";

  /** Rows a {@link ReferenceTable} may hold unless {@link #withMaxRows} says otherwise. */
  public static final long DEFAULT_MAX_ROWS = 1_000_000L;

  /** The table as a collection ({@link #from}), or null. */
  abstract @Nullable PCollection<Row> table();

  /** The table as a snapshot source ({@link #fromTable}), or null. */
  abstract @Nullable ReferenceTable source();

  /** The input's key field ({@link #by}); required by {@link #expand}. */
  abstract @Nullable String key();

  /** The table's key field ({@link #by}). */
  abstract @Nullable String tableKey();

  /** The added fields, in order ({@link #withField}); at least one is required. */
  abstract List<String> fields();

  /** The text of an added field's value when no row matches, by field ({@link #withDefault}). */
  abstract Map<String, String> defaults();

  abstract MissingKey onMissing();

  abstract @Nullable String stageName();

  abstract ErrorHandler<BadRecord, ?> handler();

  abstract @Nullable Duration refresh();

  abstract @Nullable Instant refreshUntil();

  abstract long maxRows();

  abstract @Nullable Duration maxWait();

  abstract @Nullable MissingKey afterWait();

  abstract @Nullable PCollection<Instant> refreshTicks();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setTable(@Nullable PCollection<Row> table);

    abstract Builder setSource(@Nullable ReferenceTable source);

    abstract Builder setKey(@Nullable String key);

    abstract Builder setTableKey(@Nullable String tableKey);

    abstract Builder setFields(List<String> fields);

    abstract Builder setDefaults(Map<String, String> defaults);

    abstract Builder setOnMissing(MissingKey onMissing);

    abstract Builder setStageName(@Nullable String stageName);

    abstract Builder setHandler(ErrorHandler<BadRecord, ?> handler);

    abstract Builder setRefresh(@Nullable Duration refresh);

    abstract Builder setRefreshUntil(@Nullable Instant refreshUntil);

    abstract Builder setMaxRows(long maxRows);

    abstract Builder setMaxWait(@Nullable Duration maxWait);

    abstract Builder setAfterWait(@Nullable MissingKey afterWait);

    abstract Builder setRefreshTicks(@Nullable PCollection<Instant> refreshTicks);

    abstract Lookup build();
  }

  /** Only AutoValue's class extends it; build one with {@link #from} or {@link #fromTable}. */
  Lookup() {}

  /** The defaults: no key or field yet, filled nulls, the default error handler. */
  private static Builder builder() {
    return new AutoValue_Lookup.Builder()
        .setFields(List.of())
        .setDefaults(Map.of())
        .setOnMissing(MissingKey.FILL_NULLS)
        .setHandler(DeadLetters.defaultHandler())
        .setMaxRows(DEFAULT_MAX_ROWS);
  }

  /** Looks rows up in {@code table}, a collection with a schema; set the key with {@link #by}. */
  public static Lookup from(PCollection<Row> table) {
    checkArgument(table != null, "Lookup.from: table must not be null");
    checkArgument(table.hasSchema(), "Lookup.from: the table %s has no schema", table);
    return builder().setTable(table).build();
  }

  /**
   * Looks rows up in a snapshot of {@code table}, read when the pipeline starts (and every period
   * of {@link #withRefresh} on an unbounded main input); set the key with {@link #by}.
   */
  public static Lookup fromTable(ReferenceTable table) {
    checkArgument(table != null, "Lookup.fromTable: table must not be null");
    checkArgument(
        table.schema() != null, "Lookup.fromTable: table '%s' has no schema", table.name());
    return builder().setSource(table).build();
  }

  /** The key: field {@code field} of the input and of the table. Required. */
  public Lookup by(String field) {
    return by(field, field);
  }

  /** The key: field {@code field} of the input, {@code tableField} of the table. */
  public Lookup by(String field, String tableField) {
    checkArgument(field != null && !field.isEmpty(), "Lookup.by: field must not be empty");
    checkArgument(
        tableField != null && !tableField.isEmpty(), "Lookup.by: tableField must not be empty");
    return toBuilder().setKey(field).setTableKey(tableField).build();
  }

  /** Adds the table's field {@code field} to each row, after the input's fields. */
  public Lookup withField(String field) {
    checkArgument(field != null && !field.isEmpty(), "Lookup.withField: field must not be empty");
    checkArgument(!fields().contains(field), "Lookup.withField: field '%s' is added twice", field);
    List<String> all = new ArrayList<>(fields());
    all.add(field);
    return toBuilder().setFields(List.copyOf(all)).build();
  }

  /**
   * The value of added field {@code field} when no table row matches, written as text ({@code
   * unknown}, {@code 0}, {@code 0.00}, {@code false}) and parsed as the field's type.
   */
  public Lookup withDefault(String field, String value) {
    checkArgument(
        fields().contains(field),
        "Lookup.withDefault: '%s' is not an added field (withField)",
        field);
    checkArgument(value != null, "Lookup.withDefault: value must not be null");
    Map<String, String> all = new LinkedHashMap<>(defaults());
    all.put(field, value);
    return toBuilder().setDefaults(Collections.unmodifiableMap(all)).build();
  }

  /** What to do with a row whose key has no row in the table ({@link MissingKey#FILL_NULLS}). */
  public Lookup withMissingKey(MissingKey rule) {
    checkArgument(rule != null, "Lookup.withMissingKey: rule must not be null");
    return toBuilder().setOnMissing(rule).build();
  }

  /**
   * Makes the lookup an accounted stage named {@code name} (lower_snake_case, unique in the
   * pipeline): of its counters and of its rejections. Without it, a lookup with dead letters is
   * named {@value #STAGE} and one that fills nulls is not counted.
   */
  public Lookup withStageName(String name) {
    return toBuilder().setStageName(AccountedStage.checkName(name, "Lookup.withStageName")).build();
  }

  /** Sends rows without a match ({@link MissingKey#DEAD_LETTER}) to {@code handler}. */
  public Lookup withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgument(handler != null, "Lookup.withBadRecordErrorHandler: handler must not be null");
    return toBuilder().setHandler(handler).build();
  }

  /**
   * Re-reads the table every {@code period} while an unbounded main input runs (a bounded one reads
   * it once). A row is enriched from a snapshot at most {@code period} plus one read old.
   */
  public Lookup withRefresh(Duration period) {
    checkArgument(source() != null, "Lookup.withRefresh: needs a table read by Lookup.fromTable");
    checkArgument(
        period != null && period.getMillis() >= 1000,
        "Lookup.withRefresh: period must be at least 1 second, got %s",
        period);
    return toBuilder().setRefresh(period).build();
  }

  /** Stops refreshing at {@code stop}, so a test's unbounded pipeline can finish. */
  Lookup withRefreshUntil(Instant stop) {
    return toBuilder().setRefreshUntil(stop).build();
  }

  /**
   * The most rows a snapshot of the table may hold (default {@value #DEFAULT_MAX_ROWS}): every
   * worker holds the whole table in memory, so a bigger one fails the read, naming the table.
   */
  public Lookup withMaxRows(long max) {
    checkArgument(source() != null, "Lookup.withMaxRows: needs a table read by Lookup.fromTable");
    checkArgument(max > 0, "Lookup.withMaxRows: max must be > 0, got %s", max);
    return toBuilder().setMaxRows(max).build();
  }

  /**
   * How long a row may wait for its key with {@link MissingKey#WAIT}, in processing time from when
   * it reached the lookup: at least the refresh period (a shorter wait could see no re-read).
   */
  public Lookup withMaxWait(Duration bound) {
    checkArgument(
        bound != null && bound.getMillis() > 0,
        "Lookup.withMaxWait: bound must be > 0, got %s",
        bound);
    return toBuilder().setMaxWait(bound).build();
  }

  /**
   * What a row waiting with {@link MissingKey#WAIT} becomes when {@link #withMaxWait} passes, or
   * the input ends, before its key appears: {@link MissingKey#DEAD_LETTER} (the default; reason
   * {@value #NO_MATCH_AFTER_WAIT}) or {@link MissingKey#FILL_NULLS} (defaults, or nulls).
   */
  public Lookup withAfterWait(MissingKey rule) {
    checkArgument(
        rule == MissingKey.DEAD_LETTER || rule == MissingKey.FILL_NULLS,
        "Lookup.withAfterWait: rule must be DEAD_LETTER or FILL_NULLS, got %s",
        rule);
    return toBuilder().setAfterWait(rule).build();
  }

  /**
   * Reads the table at each of {@code ticks} instead of every refresh period, so a test can order
   * reads against its {@code TestStream} of rows; the ticks' millis order the snapshots.
   */
  Lookup withRefreshTicks(PCollection<Instant> ticks) {
    return toBuilder().setRefreshTicks(ticks).build();
  }

  /** The rule a row without a match finally follows: its own, or after waiting. */
  private MissingKey finalRule() {
    if (onMissing() != MissingKey.WAIT) {
      return onMissing();
    }
    return afterWait() == null ? MissingKey.DEAD_LETTER : afterWait();
  }

  private Schema tableSchema() {
    return table() != null ? table().getSchema() : source().schema();
  }

  /** The stage name of an accounted lookup: its own, or {@value #STAGE}. */
  private String stage() {
    return stageName() == null ? STAGE : stageName();
  }

  private boolean accounted() {
    return onMissing() != MissingKey.FILL_NULLS || stageName() != null;
  }

  /** The schema of the output for rows of {@code input}: its fields, then the added ones. */
  public Schema outputSchema(Schema input) {
    checkArgument(key() != null, "Lookup: by() is required");
    checkArgument(!fields().isEmpty(), "Lookup: withField() is required");
    checkWait();
    checkArgument(
        finalRule() == MissingKey.FILL_NULLS || defaults().isEmpty(),
        "Lookup.withDefault: defaults apply to missing keys only with MissingKey.FILL_NULLS (or WAIT"
            + " with withAfterWait(FILL_NULLS)), the rule is %s",
        onMissing());
    Schema t = tableSchema();
    checkArgument(
        input.hasField(key()),
        "Lookup.by: the input has no field '%s'; its fields are %s",
        key(),
        input.getFieldNames());
    checkArgument(
        t.hasField(tableKey()),
        "Lookup.by: the table has no field '%s'; its fields are %s",
        tableKey(),
        t.getFieldNames());
    TypeName in = input.getField(key()).getType().getTypeName();
    TypeName tk = t.getField(tableKey()).getType().getTypeName();
    checkArgument(
        in == tk && KEY_TYPES.contains(in),
        "Lookup.by: the keys must be of one type among %s; the input's '%s' is %s, the table's"
            + " '%s' is %s",
        KEY_TYPES,
        key(),
        in,
        tableKey(),
        tk);
    Schema.Builder b = Schema.builder().addFields(input.getFields());
    for (String f : fields()) {
      checkArgument(
          t.hasField(f),
          "Lookup.withField: the table has no field '%s'; its fields are %s",
          f,
          t.getFieldNames());
      checkArgument(
          !input.hasField(f),
          "Lookup.withField: the input already has a field '%s'; rename one of them first",
          f);
      FieldType type = t.getField(f).getType();
      String d = defaults().get(f);
      if (d == null && finalRule() == MissingKey.FILL_NULLS) {
        type = type.withNullable(true);
      } else if (d != null) {
        parseDefault("Lookup.withDefault", d, type, f);
      }
      b.addField(Field.of(f, type));
    }
    return b.build();
  }

  /** The settings of {@link MissingKey#WAIT} are all there, or none is. */
  private void checkWait() {
    if (onMissing() != MissingKey.WAIT) {
      checkArgument(
          maxWait() == null,
          "Lookup.withMaxWait: applies to MissingKey.WAIT only, the rule is %s",
          onMissing());
      checkArgument(
          afterWait() == null,
          "Lookup.withAfterWait: applies to MissingKey.WAIT only, the rule is %s",
          onMissing());
      return;
    }
    checkArgument(
        refresh() != null,
        "Lookup.withMissingKey(MissingKey.WAIT): needs withRefresh(period) on a table read by"
            + " Lookup.fromTable; a table that is never re-read cannot gain the key");
    checkArgument(
        maxWait() != null,
        "Lookup.withMissingKey(MissingKey.WAIT): needs withMaxWait(bound), how long a row may wait"
            + " for its key");
    checkArgument(
        !maxWait().isShorterThan(refresh()),
        "Lookup.withMaxWait: bound %s is shorter than the refresh period %s; a row would give up"
            + " before the table is re-read",
        maxWait(),
        refresh());
  }

  private static final Set<TypeName> KEY_TYPES =
      Set.of(TypeName.STRING, TypeName.INT32, TypeName.INT64, TypeName.BOOLEAN);

  @Override
  public PCollection<Row> expand(PCollection<Row> input) {
    Schema out = outputSchema(input.getSchema());
    Schema.Builder vb = Schema.builder();
    for (String f : fields()) {
      vb.addField(Field.of(f, tableSchema().getField(f).getType()));
    }
    Schema valueSchema = vb.build();
    String tk = tableKey();
    List<String> added = fields();
    PCollectionView<Map<String, Iterable<Row>>> multimap = null;
    PCollectionView<Map<String, Row>> snapshot = null;
    PCollection<KV<Long, Map<String, Row>>> reads = null;
    if (table() != null) {
      multimap =
          table()
              .apply("TableGlobalWindow", Window.<Row>into(new GlobalWindows()))
              .apply("KeyTable", ParDo.of(new KeyTableFn(tk, added, valueSchema)))
              .setCoder(KvCoder.of(StringUtf8Coder.of(), RowCoder.of(valueSchema)))
              .apply("TableView", View.asMultimap());
    } else {
      reads = snapshotReads(input, valueSchema);
      snapshot = newest(reads);
    }
    List<Object> fallback = new ArrayList<>();
    for (String f : fields()) {
      String d = defaults().get(f);
      fallback.add(
          d == null ? null : parseDefault("Lookup.withDefault", d, out.getField(f).getType(), f));
    }
    if (onMissing() == MissingKey.WAIT) {
      checkArgument(
          input.getWindowingStrategy().getWindowFn() instanceof GlobalWindows,
          "Lookup.withMissingKey(MissingKey.WAIT): the input must be in the global window (apply"
              + " the lookup before Window.into), it is windowed by %s",
          input.getWindowingStrategy().getWindowFn());
      return input.apply(
          "Lookup",
          new WaitForKey(
              key(),
              out,
              valueSchema,
              reads,
              snapshot,
              fallback,
              finalRule(),
              maxWait(),
              stage(),
              handler()));
    }
    LookupFn fn =
        new LookupFn(
            key(),
            tableKey(),
            out,
            multimap,
            snapshot,
            fallback,
            onMissing(),
            accounted() ? stage() : null,
            DeadLetters.routerFor(handler()));
    if (!accounted()) {
      // Filling nulls rejects nothing: the bad-record output stays empty and only needs a coder.
      PCollectionTuple result = input.apply("Lookup", fn.parDo());
      result.get(BadRecordRouter.BAD_RECORD_TAG).setCoder(BadRecord.getCoder(input.getPipeline()));
      return result.get(LookupFn.ENRICHED).setCoder(RowBytesCoder.of(out));
    }
    return input.apply("Lookup", new Enrich(fn, out, handler()));
  }

  /**
   * The table's snapshots, each with the millis of the tick that read it, in the global window:
   * read once for a bounded main input, else at the start and every refresh period (Beam's
   * slowly-changing side input pattern).
   */
  private PCollection<KV<Long, Map<String, Row>>> snapshotReads(
      PCollection<Row> input, Schema valueSchema) {
    Pipeline p = input.getPipeline();
    PCollection<Instant> ticks;
    if (refreshTicks() != null) {
      ticks =
          refreshTicks()
              .apply(
                  "EveryTick",
                  Window.<Instant>into(new GlobalWindows())
                      .triggering(Repeatedly.forever(AfterProcessingTime.pastFirstElementInPane()))
                      .discardingFiredPanes());
    } else if (input.isBounded() == PCollection.IsBounded.BOUNDED || refresh() == null) {
      ticks = p.apply("ReadOnce", Create.of(new Instant(0L)).withCoder(InstantCoder.of()));
    } else {
      PeriodicImpulse impulse = PeriodicImpulse.create().withInterval(refresh());
      if (refreshUntil() != null) {
        impulse = impulse.stopAt(refreshUntil());
      }
      ticks =
          p.apply("RefreshTicks", impulse)
              .apply(
                  "EveryTick",
                  Window.<Instant>into(new GlobalWindows())
                      .triggering(Repeatedly.forever(AfterProcessingTime.pastFirstElementInPane()))
                      .discardingFiredPanes());
    }
    return ticks
        .apply(
            "ReadTable",
            ParDo.of(new ReadSnapshotFn(source(), tableKey(), fields(), valueSchema, maxRows())))
        .setCoder(
            KvCoder.of(
                VarLongCoder.of(), MapCoder.of(StringUtf8Coder.of(), RowCoder.of(valueSchema))));
  }

  /**
   * The newest of {@code reads} as a side input: snapshots are combined to the newest per pane, so
   * a pane holding two reads (a read slower than the period) still gives one map.
   */
  private static PCollectionView<Map<String, Row>> newest(
      PCollection<KV<Long, Map<String, Row>>> reads) {
    return reads
        // The view is the combine's own singleton view: View.asSingleton() would add a second
        // global combine, whose pane can hold two of this one's outputs when two refreshes land
        // close together, and fail the run ("more than one element accessed as a singleton").
        .apply(
        "NewestSnapshot", Combine.globally(new NewestFn()).withoutDefaults().asSingletonView());
  }

  /** An accounted lookup: the same {@code DoFn}, its rejections given to the error handler. */
  static final class Enrich extends PTransform<PCollection<Row>, PCollection<Row>>
      implements AccountedStage {
    private final LookupFn fn;
    private final Schema out;
    private final ErrorHandler<BadRecord, ?> handler;

    Enrich(LookupFn fn, Schema out, ErrorHandler<BadRecord, ?> handler) {
      this.fn = fn;
      this.out = out;
      this.handler = handler;
    }

    @Override
    public String stageName() {
      return fn.stage;
    }

    @Override
    public PCollection<Row> expand(PCollection<Row> input) {
      PCollectionTuple result = input.apply("Enrich", fn.parDo());
      DeadLetters.register(handler, result);
      return result.get(LookupFn.ENRICHED).setCoder(RowBytesCoder.of(out));
    }
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .addIfNotNull(DisplayData.item("key", key()).withLabel("Input key field"))
        .addIfNotNull(DisplayData.item("tableKey", tableKey()).withLabel("Table key field"))
        .add(DisplayData.item("fields", String.join(",", fields())).withLabel("Added fields"))
        .add(
            DisplayData.item("defaults", defaults().toString()).withLabel("Defaults when no match"))
        .add(DisplayData.item("missingKey", onMissing().toString()).withLabel("Missing-key rule"))
        .addIfNotNull(
            DisplayData.item("stage", accounted() ? stage() : null).withLabel("Stage name"));
    if (source() != null) {
      builder
          .add(DisplayData.item("table", source().name()).withLabel("Reference table"))
          .add(DisplayData.item("maxRows", maxRows()).withLabel("Most rows of the table"))
          .addIfNotNull(
              DisplayData.item("refresh", refresh() == null ? null : refresh().toString())
                  .withLabel("Refresh period"))
          .addIfNotNull(
              DisplayData.item("maxWait", maxWait() == null ? null : maxWait().toString())
                  .withLabel("Longest wait for a missing key"))
          .addIfNotNull(
              DisplayData.item(
                      "afterWait", onMissing() == MissingKey.WAIT ? finalRule().toString() : null)
                  .withLabel("Rule after the wait"));
    }
  }

  /**
   * A default's text as a value of {@code type} (string, integer, double, boolean or decimal
   * fields), for {@code withDefault} of this transform and of the joins; {@code owner} names the
   * call in the error, e.g. {@code AsOfJoin.withDefault}.
   */
  public static Object parseDefault(String owner, String text, FieldType type, String field) {
    try {
      switch (type.getTypeName()) {
        case STRING:
          return text;
        case INT32:
          return Integer.parseInt(text);
        case INT64:
          return Long.parseLong(text);
        case DOUBLE:
          return Double.parseDouble(text);
        case BOOLEAN:
          checkArgument(text.equals("true") || text.equals("false"), "expected true or false");
          return Boolean.parseBoolean(text);
        case DECIMAL:
          return new BigDecimal(text);
        default:
          throw new IllegalArgumentException("defaults are for strings, numbers and booleans");
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          owner
              + ": '"
              + text
              + "' is no value of field '"
              + field
              + "' ("
              + type.getTypeName()
              + "): "
              + e.getMessage(),
          e);
    }
  }

  static final class KeyTableFn extends DoFn<Row, KV<String, Row>> {
    private final String key;
    private final List<String> fields;
    private final Schema values;

    KeyTableFn(String key, List<String> fields, Schema values) {
      this.key = key;
      this.fields = fields;
      this.values = values;
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<KV<String, Row>> out) {
      Object k = row.getValue(key);
      if (k == null) {
        return; // no input row has a null key that could match it
      }
      Row.Builder v = Row.withSchema(values);
      for (String f : fields) {
        v.addValue(row.getValue(f));
      }
      out.output(KV.of(String.valueOf(k), v.build()));
    }
  }

  /** Reads one snapshot of the table per tick: value rows by key, checked for size and keys. */
  static final class ReadSnapshotFn extends DoFn<Instant, KV<Long, Map<String, Row>>> {
    private final ReferenceTable table;
    private final String key;
    private final List<String> fields;
    private final Schema values;
    private final long maxRows;

    ReadSnapshotFn(
        ReferenceTable table, String key, List<String> fields, Schema values, long maxRows) {
      this.table = table;
      this.key = key;
      this.fields = fields;
      this.values = values;
      this.maxRows = maxRows;
    }

    @ProcessElement
    public void process(@Element Instant tick, OutputReceiver<KV<Long, Map<String, Row>>> out)
        throws IOException {
      out.output(KV.of(tick.getMillis(), read(table, key, fields, values, maxRows)));
    }
  }

  /** A snapshot of {@code table}: the added fields' values by key. */
  static Map<String, Row> read(
      ReferenceTable table, String key, List<String> fields, Schema values, long maxRows)
      throws IOException {
    Map<String, Row> rows = new HashMap<>();
    long[] count = {0};
    table.read(
        row -> {
          if (++count[0] > maxRows) {
            throw new IllegalStateException(
                "Lookup: table '"
                    + table.name()
                    + "' has more than "
                    + maxRows
                    + " rows, the limit of withMaxRows (max_rows): every worker holds the whole"
                    + " table in memory; raise the limit or select fewer rows");
          }
          Object k = row.getValue(key);
          if (k == null) {
            return; // no input row has a null key that could match it
          }
          Row.Builder v = Row.withSchema(values);
          for (String f : fields) {
            v.addValue(row.getValue(f));
          }
          if (rows.put(String.valueOf(k), v.build()) != null) {
            throw new IllegalStateException(
                "Lookup: table '"
                    + table.name()
                    + "' has more than one row with "
                    + keyText(key, k)
                    + "; a lookup table needs one row per key");
          }
        });
    return rows;
  }

  /**
   * How a message names a key value: by its field and {@link Fingerprint#of fingerprint}, {@code
   * key sha256:1a2b3c4d5e6f (field 'device_id')}, never the value itself (keys are often customer
   * ids, e-mail addresses, device ids). An operator holding a suspect value computes the same
   * fingerprint with {@code printf %s 'the value' | sha256sum | cut -c1-12}.
   */
  static String keyText(String field, Object value) {
    return "key " + Fingerprint.of(value) + " (field '" + field + "')";
  }

  /** Keeps the snapshot read at the newest tick. */
  static final class NewestFn
      extends Combine.CombineFn<
          KV<Long, Map<String, Row>>, KV<Long, Map<String, Row>>, Map<String, Row>> {
    @Override
    public KV<Long, Map<String, Row>> createAccumulator() {
      return KV.of(Long.MIN_VALUE, Map.of());
    }

    @Override
    public KV<Long, Map<String, Row>> addInput(
        KV<Long, Map<String, Row>> acc, KV<Long, Map<String, Row>> in) {
      return in.getKey() >= acc.getKey() ? in : acc;
    }

    @Override
    public KV<Long, Map<String, Row>> mergeAccumulators(Iterable<KV<Long, Map<String, Row>>> accs) {
      KV<Long, Map<String, Row>> newest = createAccumulator();
      for (KV<Long, Map<String, Row>> a : accs) {
        newest = addInput(newest, a);
      }
      return newest;
    }

    @Override
    public Map<String, Row> extractOutput(KV<Long, Map<String, Row>> acc) {
      return acc.getValue();
    }

    @Override
    public Coder<KV<Long, Map<String, Row>>> getAccumulatorCoder(
        CoderRegistry registry, Coder<KV<Long, Map<String, Row>>> input) {
      return input;
    }

    @Override
    public Coder<Map<String, Row>> getDefaultOutputCoder(
        CoderRegistry registry, Coder<KV<Long, Map<String, Row>>> input) {
      return ((KvCoder<Long, Map<String, Row>>) input).getValueCoder();
    }
  }

  static final class LookupFn extends DoFn<Row, Row> {
    static final TupleTag<Row> ENRICHED = new TupleTag<Row>() {};

    private final String key;
    private final String tableKey;
    private final Schema out;
    private final @Nullable PCollectionView<Map<String, Iterable<Row>>> multimap;
    private final @Nullable PCollectionView<Map<String, Row>> snapshot;
    private final List<Object> fallback;
    private final MissingKey onMissing;
    final @Nullable String stage;
    private final BadRecordRouter router;
    private final @Nullable StageCounters counters;

    LookupFn(
        String key,
        String tableKey,
        Schema out,
        @Nullable PCollectionView<Map<String, Iterable<Row>>> multimap,
        @Nullable PCollectionView<Map<String, Row>> snapshot,
        List<Object> fallback,
        MissingKey onMissing,
        @Nullable String stage,
        BadRecordRouter router) {
      this.key = key;
      this.tableKey = tableKey;
      this.out = out;
      this.multimap = multimap;
      this.snapshot = snapshot;
      this.fallback = new ArrayList<>(fallback);
      this.onMissing = onMissing;
      this.stage = stage;
      this.router = router;
      this.counters = stage == null ? null : StageCounters.of(stage);
    }

    ParDo.MultiOutput<Row, Row> parDo() {
      return ParDo.of(this)
          .withSideInputs(multimap != null ? multimap : snapshot)
          .withOutputTags(ENRICHED, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG));
    }

    @ProcessElement
    public void process(@Element Row row, ProcessContext c, MultiOutputReceiver receiver)
        throws Exception {
      if (counters != null) {
        counters.in();
      }
      Object k = row.getValue(key);
      Row match = k == null ? null : match(c, k);
      List<@Nullable Object> values = new ArrayList<>(out.getFieldCount());
      values.addAll(row.getValues());
      if (match != null) {
        values.addAll(match.getValues());
      } else if (onMissing == MissingKey.DEAD_LETTER) {
        DeadLetters.reject(
            router,
            receiver,
            RowJsonText.render(row),
            StringUtf8Coder.of(),
            new RecordRejectedException(
                stage,
                NO_MATCH,
                k == null
                    ? "the key field '" + key + "' is null"
                    : "no table row has " + keyText(key, k)));
        return;
      } else {
        values.addAll(fallback);
      }
      if (counters != null) {
        counters.out();
      }
      receiver.get(ENRICHED).output(Rows.build(out, values));
    }

    private @Nullable Row match(ProcessContext c, Object k) {
      if (snapshot != null) {
        return c.sideInput(snapshot).get(String.valueOf(k));
      }
      Iterable<Row> matches = c.sideInput(multimap).get(String.valueOf(k));
      Iterator<Row> it = matches == null ? null : matches.iterator();
      if (it == null || !it.hasNext()) {
        return null;
      }
      Row match = it.next();
      if (it.hasNext()) {
        throw new IllegalStateException(
            "Lookup: the table has more than one row with "
                + keyText(tableKey, k)
                + "; a lookup table needs one row per key");
      }
      return match;
    }
  }
}
