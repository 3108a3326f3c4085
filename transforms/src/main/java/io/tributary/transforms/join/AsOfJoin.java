package io.tributary.transforms.join;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import io.tributary.transforms.cdc.Cdc;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.lookup.Lookup;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.metrics.StageExit;
import io.tributary.transforms.metrics.StageRole;
import io.tributary.transforms.values.Durations;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.Schema.TypeName;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.transforms.join.UnionCoder;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
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
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableList;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableMap;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * Joins each fact with the version of a dimension that was valid at the fact's own event time (a
 * temporal, or as-of, join): an order gets the product's category and price as they were when the
 * order was placed, not as they are now.
 *
 * <p><b>Inputs.</b> The facts are the transform's input; the dimension is a collection of
 * <em>versions</em> given to {@link #of}, typically {@code Cdc.Result#history()} (SCD type 2). A
 * version is valid from its {@link Join#withValidFrom validity time} ({@value Cdc#VALID_FROM} by
 * default) until the next version of its key; its own {@code valid_to} is not read, so the history
 * of a changelog (re-emitted versions included) and of a final-state run give the same answer. A
 * <b>delete</b> is a version too: a row whose delete marker ({@code op = 'd'}, as Cdc's history
 * writes it, by default; {@link Join#withDeleteWhen}) ends the key's validity until a later version
 * re-creates it. Two versions of one key with the same validity time: the one with the greater
 * {@link Join#withVersionOrder version order} ({@value Cdc#SOURCE_POSITION} by default) wins, so
 * the answer does not depend on arrival order.
 *
 * <p><b>When a fact is emitted (the hold/release rule).</b> Both sides are keyed and meet in one
 * stateful step (keyed state and an event-time timer per key, in the global window). A fact is held
 * until the watermark passes its time, then joined with the latest version whose validity time is
 * at or before the fact's time: so a dimension update that arrives <em>after</em> the fact, with an
 * earlier or equal validity time, is still taken. On a bounded input (both sides bounded) every
 * fact is released when the input ends. A fact that arrives when the watermark (as the key has
 * learned it from its own timers, a lower bound of the input watermark) has already passed its time
 * but not its time plus the {@link Join#withAllowedLateness allowed lateness} is joined at once
 * (counted in {@value #LATE_ACCEPTED}); a fact older than that, the key's <em>horizon</em>, is too
 * late: the versions it would need may have been pruned, so it goes to {@link Result#tooLate()} and
 * leaves by the {@link StageExit#TOO_LATE} exit instead of being joined with a wrong version. A
 * version whose validity time the key's watermark has already passed is still stored (counted in
 * {@value #LATE_VERSIONS}), but facts already emitted are not revised. As long as no fact is too
 * late and no version is late, a backfill and the live stream give the same rows (the Kappa
 * property; {@code AsOfJoinTest} runs both and compares).
 *
 * <p><b>No version.</b> A fact whose key has no version valid at its time (before the first
 * version, after a delete, a key the dimension never had, or a null key) is emitted with null
 * dimension fields by default (or a field's {@link Join#withDefault default}), like a left join and
 * like {@code Lookup}; with {@link Join#withUnmatchedAsDeadLetter()} it goes to the bad-record
 * handler instead, reason {@value #NO_VERSION}.
 *
 * <p><b>State and its cost.</b> Per key: the versions in a {@code MapState} keyed by validity time
 * (one entry per version: adding one is a single put, O(log n) in RocksDB), the held facts in a
 * {@code BagState}, and three longs. Versions no future fact can need are pruned: whenever a timer
 * proves the watermark passed {@code W}, only the latest version at or before {@code W - allowed
 * lateness} and the newer ones are kept (a delete at that point is dropped too, it answers like no
 * version), so a key's state holds the versions of about two lateness spans, however long the
 * stream runs. Releasing reads the key's kept versions once per timer firing (not once per fact)
 * into a sorted map, then finds each fact's version by binary search. Beam's {@code
 * OrderedListState} would look like the natural fit, but the Flink runner of Beam 2.62 reads the
 * whole list into a sorted map on every range read and keeps one element per timestamp, so it buys
 * nothing here.
 *
 * <p><b>Accounting.</b> An {@link AccountedStage} named {@value #STAGE} unless {@link
 * Join#withStageName} says otherwise. Facts are the record path: each counts once in {@code
 * stage.<stage>.in} and leaves once, joined on {@link Result#output()} ({@code out}, with or
 * without a version), dead-lettered (reasons {@value #NO_VERSION}, or {@value #NO_FACT_TIME} for a
 * fact whose {@link Join#withFactTime fact-time field} is null), or too late ({@code too_late}).
 * The dimension is reference data and is not counted here: it is held by the transform, not an
 * input of it, so {@code StageGraph} sees only the facts feeding this stage, and each version stays
 * counted by the stage that produced it (for a {@code Cdc} history, the Cdc stage's {@code out}).
 * The run's line stays balanced: every dimension change is read, and accepted, once.
 *
 * <p>The output has the facts' fields, then the dimension's added fields (nullable), in the global
 * window, each fact at its own timestamp; window it after the join.
 *
 * <pre>{@code
 * Cdc.Result products = productChanges.apply("ApplyProducts", Cdc.apply(PRODUCT, "product_id"));
 * AsOfJoin.Result joined = orders.apply("ProductAtOrderTime",
 *     AsOfJoin.of(products.history())
 *         .by("product_id")
 *         .withFields("category", "list_price")
 *         .withFactTime("created_at")
 *         .withAllowedLateness(Duration.standardMinutes(10))
 *         .withBadRecordErrorHandler(deadLetters));
 * PCollection<Row> enriched = joined.output();   // order fields + category, list_price
 * PCollection<Row> late = joined.tooLate();      // facts behind the key's horizon
 * }</pre>
 */
public final class AsOfJoin {
  private AsOfJoin() {}

  /** Default stage name of the accounting and of rejections. */
  public static final String STAGE = "as_of_join";

  /** Rejection reason (with {@link Join#withUnmatchedAsDeadLetter()}): no version at the time. */
  public static final String NO_VERSION = "no_dimension_version";

  /** Rejection reason: the fact-time field of {@link Join#withFactTime} is null. */
  public static final String NO_FACT_TIME = "missing_fact_time";

  /** Counter of facts joined at once because the key's watermark had passed their time. */
  public static final String LATE_ACCEPTED = "asof.late_accepted";

  /** Counter of versions that arrived after the key's watermark passed their validity time. */
  public static final String LATE_VERSIONS = "asof.late_versions";

  /** Counter of versions pruned from state (no future fact can need them). */
  public static final String PRUNED = "asof.pruned_versions";

  /** Counter of facts emitted without a version (null dimension fields). */
  public static final String UNMATCHED = "asof.unmatched";

  /** What happens to a fact with no version valid at its time. */
  public enum Unmatched {
    /** Emitted with null dimension fields (the default). */
    NULLS,
    /** Sent to the bad-record handler, reason {@value AsOfJoin#NO_VERSION}. */
    DEAD_LETTER
  }

  static final Set<TypeName> KEY_TYPES =
      Set.of(TypeName.STRING, TypeName.INT32, TypeName.INT64, TypeName.BOOLEAN);

  /** Joins facts with the versions in {@code dimension}, a collection with a schema. */
  public static Join of(PCollection<Row> dimension) {
    checkArgument(dimension != null, "AsOfJoin.of: dimension must not be null");
    checkArgument(
        dimension.hasSchema(), "AsOfJoin.of: the dimension %s has no schema", dimension.getName());
    Schema d = dimension.getSchema();
    return new AutoValue_AsOfJoin_Join.Builder()
        .setDimension(dimension)
        .setFields(ImmutableList.of())
        .setStageName(STAGE)
        .setValidFrom(Cdc.VALID_FROM)
        .setDeleteField(Cdc.OP)
        .setDeleteValue("d")
        .setVersionOrder(d.hasField(Cdc.SOURCE_POSITION) ? Cdc.SOURCE_POSITION : null)
        .setAllowedLateness(Duration.ZERO)
        .setUnmatched(Unmatched.NULLS)
        .setBadRecordErrorHandler(DeadLetters.defaultHandler())
        .setDefaults(ImmutableMap.of())
        .setRole(StageRole.STEP)
        .build();
  }

  /** The transform returned by {@link #of}. */
  @AutoValue
  public abstract static class Join extends PTransform<PCollection<Row>, Result>
      implements AccountedStage {
    abstract PCollection<Row> dimension();

    abstract @Nullable String key();

    abstract @Nullable String dimensionKey();

    abstract ImmutableList<String> fields();

    /** The stage name of the accounting ({@code stage.<name>.*}) and of rejections. */
    @Override
    public abstract String stageName();

    abstract @Nullable String factTime();

    abstract String validFrom();

    abstract @Nullable String deleteField();

    abstract @Nullable String deleteValue();

    abstract @Nullable String versionOrder();

    abstract Duration allowedLateness();

    abstract Unmatched unmatched();

    abstract ErrorHandler<BadRecord, ?> badRecordErrorHandler();

    abstract ImmutableMap<String, String> defaults();

    abstract StageRole role();

    /** {@link StageRole#STEP} unless {@link #withStageRole} says otherwise. */
    @Override
    public StageRole stageRole() {
      return role();
    }

    abstract Builder toBuilder();

    @AutoValue.Builder
    abstract static class Builder {
      abstract Builder setDimension(PCollection<Row> dimension);

      abstract Builder setKey(@Nullable String key);

      abstract Builder setDimensionKey(@Nullable String key);

      abstract Builder setFields(ImmutableList<String> fields);

      abstract Builder setStageName(String stageName);

      abstract Builder setFactTime(@Nullable String field);

      abstract Builder setValidFrom(String field);

      abstract Builder setDeleteField(@Nullable String field);

      abstract Builder setDeleteValue(@Nullable String value);

      abstract Builder setVersionOrder(@Nullable String field);

      abstract Builder setAllowedLateness(Duration lateness);

      abstract Builder setUnmatched(Unmatched unmatched);

      abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler);

      abstract Builder setDefaults(ImmutableMap<String, String> defaults);

      abstract Builder setRole(StageRole role);

      abstract Join build();
    }

    /** The key: field {@code field} of the facts and of the dimension. Required. */
    public Join by(String field) {
      return by(field, field);
    }

    /** The key: field {@code field} of the facts, {@code dimensionField} of the dimension. */
    public Join by(String field, String dimensionField) {
      checkArgument(field != null && !field.isEmpty(), "AsOfJoin.by: field must not be empty");
      checkArgument(
          dimensionField != null && !dimensionField.isEmpty(),
          "AsOfJoin.by: dimensionField must not be empty");
      return toBuilder().setKey(field).setDimensionKey(dimensionField).build();
    }

    /** The dimension's fields added to each fact, in order. Required. */
    public Join withFields(String... fields) {
      checkArgument(
          fields != null && fields.length > 0, "AsOfJoin.withFields: name at least one field");
      List<String> all = new ArrayList<>(fields());
      for (String f : fields) {
        checkArgument(f != null && !f.isEmpty(), "AsOfJoin.withFields: a field name is empty");
        checkArgument(!all.contains(f), "AsOfJoin.withFields: field '%s' is added twice", f);
        all.add(f);
      }
      return toBuilder().setFields(ImmutableList.copyOf(all)).build();
    }

    /** The stage name ({@value AsOfJoin#STAGE} by default), lower_snake_case, unique. */
    public Join withStageName(String stageName) {
      return toBuilder()
          .setStageName(AccountedStage.checkName(stageName, "AsOfJoin.withStageName"))
          .build();
    }

    /**
     * The fact's time is the value of this DATETIME field instead of the element's timestamp: for
     * facts whose timestamp is not their event time (the rows of a Cdc final state, say). The hold
     * still waits for the watermark to pass that time.
     */
    public Join withFactTime(String field) {
      checkArgument(
          field != null && !field.isEmpty(), "AsOfJoin.withFactTime: field must not be empty");
      return toBuilder().setFactTime(field).build();
    }

    /** The dimension's DATETIME field a version is valid from ({@value Cdc#VALID_FROM}). */
    public Join withValidFrom(String field) {
      checkArgument(
          field != null && !field.isEmpty(), "AsOfJoin.withValidFrom: field must not be empty");
      return toBuilder().setValidFrom(field).build();
    }

    /**
     * A version is a delete when its field {@code field}, as text, equals {@code value} (default:
     * {@code op = 'd'}, Cdc's history).
     */
    public Join withDeleteWhen(String field, String value) {
      checkArgument(
          field != null && !field.isEmpty(), "AsOfJoin.withDeleteWhen: field must not be empty");
      checkArgument(value != null, "AsOfJoin.withDeleteWhen: value must not be null");
      return toBuilder().setDeleteField(field).setDeleteValue(value).build();
    }

    /** The dimension has no deletes: every version is a live row. */
    public Join withoutDeletes() {
      return toBuilder().setDeleteField(null).setDeleteValue(null).build();
    }

    /**
     * The field that orders two versions of a key with the same validity time, compared as text,
     * the greater winning ({@value Cdc#SOURCE_POSITION} when the dimension has it; without one the
     * later arrival wins, which a bounded replay may not reproduce).
     */
    public Join withVersionOrder(String field) {
      checkArgument(
          field != null && !field.isEmpty(), "AsOfJoin.withVersionOrder: field must not be empty");
      return toBuilder().setVersionOrder(field).build();
    }

    /**
     * How far behind the key's watermark a fact may arrive and still be joined (default zero); the
     * versions of this span are kept in state.
     */
    public Join withAllowedLateness(Duration lateness) {
      checkArgument(
          lateness != null && !lateness.isShorterThan(Duration.ZERO),
          "AsOfJoin.withAllowedLateness: lateness must be >= 0, got %s",
          lateness);
      return toBuilder().setAllowedLateness(lateness).build();
    }

    /** A fact with no version valid at its time goes to the bad-record handler. */
    public Join withUnmatchedAsDeadLetter() {
      return toBuilder().setUnmatched(Unmatched.DEAD_LETTER).build();
    }

    /** What happens to a fact with no version valid at its time ({@link Unmatched#NULLS}). */
    public Join withUnmatched(Unmatched unmatched) {
      checkArgument(unmatched != null, "AsOfJoin.withUnmatched: unmatched must not be null");
      return toBuilder().setUnmatched(unmatched).build();
    }

    /**
     * The value of added field {@code field} for a fact with no version, or whose version holds
     * null there (instead of null), written as text ({@code unknown}, {@code 0}, {@code 0.00},
     * {@code false}) and parsed as the field's type; the field is then not nullable in the output,
     * whatever the dimension's schema says. Only with {@link Unmatched#NULLS}.
     */
    public Join withDefault(String field, String value) {
      checkArgument(
          fields().contains(field),
          "AsOfJoin.withDefault: '%s' is not an added field (withFields)",
          field);
      checkArgument(value != null, "AsOfJoin.withDefault: value must not be null");
      Map<String, String> all = new LinkedHashMap<>(defaults());
      all.put(field, value);
      return toBuilder().setDefaults(ImmutableMap.copyOf(all)).build();
    }

    /**
     * The stage's role in the run's accounting ({@link StageRole#STEP} by default). A join whose
     * facts are not the run's records but derived from them at another grain, such as a {@code Cdc}
     * stage's current state (one row per key, not per change), serves the record path: {@link
     * StageRole#SINK} keeps it balanced on its own, outside the run's line.
     */
    public Join withStageRole(StageRole role) {
      checkArgument(role != null, "AsOfJoin.withStageRole: role must not be null");
      return toBuilder().setRole(role).build();
    }

    /** Sends rejected facts to {@code handler} instead of failing the pipeline. */
    public Join withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
      checkArgument(
          handler != null, "AsOfJoin.withBadRecordErrorHandler: handler must not be null");
      return toBuilder().setBadRecordErrorHandler(handler).build();
    }

    /**
     * The output schema for facts of schema {@code facts}: their fields, then the added ones
     * (nullable). Checks every setting against both schemas, naming the call that is wrong.
     */
    public Schema outputSchema(Schema facts) {
      checkArgument(key() != null, "AsOfJoin: by() is required");
      checkArgument(!fields().isEmpty(), "AsOfJoin: withFields() is required");
      checkArgument(
          defaults().isEmpty() || unmatched() == Unmatched.NULLS,
          "AsOfJoin.withDefault: defaults apply to facts emitted without a version; with"
              + " withUnmatchedAsDeadLetter() there are none");
      Schema d = dimension().getSchema();
      checkArgument(
          facts.hasField(key()),
          "AsOfJoin.by: the facts have no field '%s'; their fields are %s",
          key(),
          facts.getFieldNames());
      checkArgument(
          d.hasField(dimensionKey()),
          "AsOfJoin.by: the dimension has no field '%s'; its fields are %s",
          dimensionKey(),
          d.getFieldNames());
      TypeName fk = facts.getField(key()).getType().getTypeName();
      TypeName dk = d.getField(dimensionKey()).getType().getTypeName();
      checkArgument(
          fk == dk && KEY_TYPES.contains(fk),
          "AsOfJoin.by: the keys must be of one type among %s; the facts' '%s' is %s, the"
              + " dimension's '%s' is %s",
          KEY_TYPES,
          key(),
          fk,
          dimensionKey(),
          dk);
      checkDateTime(d, validFrom(), "AsOfJoin.withValidFrom", "the dimension");
      if (factTime() != null) {
        checkDateTime(facts, factTime(), "AsOfJoin.withFactTime", "the facts");
      }
      if (deleteField() != null) {
        checkArgument(
            d.hasField(deleteField()),
            "AsOfJoin.withDeleteWhen: the dimension has no field '%s' (the default marks Cdc"
                + " history deletes, op = 'd'); name the delete marker with withDeleteWhen(field,"
                + " value) or call withoutDeletes(); its fields are %s",
            deleteField(),
            d.getFieldNames());
      }
      if (versionOrder() != null) {
        checkArgument(
            d.hasField(versionOrder()),
            "AsOfJoin.withVersionOrder: the dimension has no field '%s'; its fields are %s",
            versionOrder(),
            d.getFieldNames());
      }
      Schema.Builder b = Schema.builder().addFields(facts.getFields());
      for (String f : fields()) {
        checkArgument(
            d.hasField(f),
            "AsOfJoin.withFields: the dimension has no field '%s'; its fields are %s",
            f,
            d.getFieldNames());
        checkArgument(
            !facts.hasField(f),
            "AsOfJoin.withFields: the facts already have a field '%s'; rename one of them first",
            f);
        FieldType type = d.getField(f).getType();
        String fallback = defaults().get(f);
        if (fallback == null) {
          type = type.withNullable(true);
        } else {
          Lookup.parseDefault("AsOfJoin.withDefault", fallback, type, f);
          type = type.withNullable(false);
        }
        b.addField(Field.of(f, type));
      }
      return b.build();
    }

    /** The fallback values of the added fields for a fact with no version (null when unset). */
    List<Object> fallback(Schema out) {
      List<Object> values = new ArrayList<>();
      for (String f : fields()) {
        String d = defaults().get(f);
        values.add(
            d == null
                ? null
                : Lookup.parseDefault("AsOfJoin.withDefault", d, out.getField(f).getType(), f));
      }
      return values;
    }

    private static void checkDateTime(Schema s, String field, String call, String side) {
      checkArgument(
          s.hasField(field),
          "%s: %s have no field '%s'; fields: %s",
          call,
          side,
          field,
          s.getFieldNames());
      checkArgument(
          s.getField(field).getType().getTypeName() == TypeName.DATETIME,
          "%s: field '%s' of %s must be a DATETIME, got %s",
          call,
          field,
          side,
          s.getField(field).getType());
    }

    @Override
    public Result expand(PCollection<Row> facts) {
      checkArgument(facts.hasSchema(), "AsOfJoin: the facts %s have no schema", facts.getName());
      Schema factSchema = facts.getSchema();
      Schema out = outputSchema(factSchema);
      Schema values = AsOfJoinFn.valuesSchema(out, fields());
      Schema version = AsOfJoinFn.versionSchema(values);
      StageCounters counters = StageCounters.of(stageName());
      BadRecordRouter router = DeadLetters.routerFor(badRecordErrorHandler());
      UnionCoder union = UnionCoder.of(List.of(RowCoder.of(factSchema), RowCoder.of(version)));
      KvCoder<String, RawUnionValue> keyedCoder = KvCoder.of(StringUtf8Coder.of(), union);

      // Plain tags: an anonymous one would capture this transform, and with it the dimension.
      TupleTag<KV<String, RawUnionValue>> keyedFacts = new TupleTag<>("keyedFacts");
      PCollectionTuple keyed =
          facts
              .apply("FactsGlobalWindow", Window.<Row>into(new GlobalWindows()))
              .apply(
                  "KeyFacts",
                  ParDo.of(
                          new AsOfJoinFn.KeyFactsFn(
                              key(), factTime(), counters, router, keyedFacts))
                      .withOutputTags(keyedFacts, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
      DeadLetters.register(badRecordErrorHandler(), keyed);
      PCollection<KV<String, RawUnionValue>> versions =
          dimension()
              .apply("DimensionGlobalWindow", Window.<Row>into(new GlobalWindows()))
              .apply(
                  "KeyVersions",
                  ParDo.of(
                      new AsOfJoinFn.KeyVersionsFn(
                          dimensionKey(),
                          validFrom(),
                          deleteField(),
                          deleteValue(),
                          versionOrder(),
                          version,
                          values)))
              .setCoder(keyedCoder);
      boolean bounded =
          facts.isBounded() == PCollection.IsBounded.BOUNDED
              && dimension().isBounded() == PCollection.IsBounded.BOUNDED;
      TupleTag<Row> joinedTag = new TupleTag<>("joined");
      TupleTag<Row> lateTag = new TupleTag<>("tooLate");
      PCollectionTuple joined =
          PCollectionList.of(keyed.get(keyedFacts).setCoder(keyedCoder))
              .and(versions)
              .apply("FactsAndVersions", Flatten.pCollections())
              .apply(
                  "JoinAsOf",
                  ParDo.of(
                          new AsOfJoinFn(
                              factSchema,
                              version,
                              out,
                              factTime(),
                              allowedLateness(),
                              bounded,
                              unmatched(),
                              fallback(out),
                              counters,
                              router,
                              joinedTag,
                              lateTag))
                      .withOutputTags(
                          joinedTag, TupleTagList.of(lateTag).and(BadRecordRouter.BAD_RECORD_TAG)));
      DeadLetters.register(badRecordErrorHandler(), joined);
      return new Result(
          facts.getPipeline(),
          joined.get(joinedTag).setRowSchema(out),
          joinedTag,
          joined.get(lateTag).setRowSchema(factSchema),
          lateTag);
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      builder
          .add(DisplayData.item("stage", stageName()).withLabel("Stage name"))
          .addIfNotNull(DisplayData.item("key", key()).withLabel("Fact key field"))
          .addIfNotNull(
              DisplayData.item("dimensionKey", dimensionKey()).withLabel("Dimension key field"))
          .add(DisplayData.item("fields", String.join(",", fields())).withLabel("Added fields"))
          .add(
              DisplayData.item("factTime", factTime() == null ? "element timestamp" : factTime())
                  .withLabel("Fact time"))
          .add(DisplayData.item("validFrom", validFrom()).withLabel("Version valid from"))
          .add(
              DisplayData.item(
                      "deleteWhen",
                      deleteField() == null ? "none" : deleteField() + " = " + deleteValue())
                  .withLabel("Delete marker"))
          .add(
              DisplayData.item("versionOrder", versionOrder() == null ? "arrival" : versionOrder())
                  .withLabel("Order of versions with one validity time"))
          .add(
              DisplayData.item("allowedLateness", Durations.format(allowedLateness()))
                  .withLabel("Allowed lateness"))
          .add(DisplayData.item("unmatched", unmatched().name()).withLabel("Fact with no version"))
          .add(DisplayData.item("defaults", defaults().toString()).withLabel("Defaults when none"))
          .add(DisplayData.item("role", role().name()).withLabel("Accounting role"))
          .add(
              DisplayData.item(
                      "badRecordErrorHandler", badRecordErrorHandler().getClass().getSimpleName())
                  .withLabel("Bad-record handler"));
    }
  }

  /** The outputs of {@link Join}. */
  public static final class Result implements POutput {
    private final Pipeline pipeline;
    private final PCollection<Row> output;
    private final TupleTag<Row> outputTag;
    private final PCollection<Row> tooLate;
    private final TupleTag<Row> tooLateTag;

    Result(
        Pipeline pipeline,
        PCollection<Row> output,
        TupleTag<Row> outputTag,
        PCollection<Row> tooLate,
        TupleTag<Row> tooLateTag) {
      this.pipeline = pipeline;
      this.output = output;
      this.outputTag = outputTag;
      this.tooLate = tooLate;
      this.tooLateTag = tooLateTag;
    }

    /** Every fact joined with its version (null dimension fields when it has none). */
    public PCollection<Row> output() {
      return output;
    }

    /**
     * Facts that arrived behind their key's horizon (the watermark minus the allowed lateness), as
     * they came in; counted in {@code stage.<stage>.too_late}.
     */
    public PCollection<Row> tooLate() {
      return tooLate;
    }

    @Override
    public Pipeline getPipeline() {
      return pipeline;
    }

    @Override
    public Map<TupleTag<?>, PValue> expand() {
      return ImmutableMap.of(outputTag, output, tooLateTag, tooLate);
    }

    @Override
    public void finishSpecifyingOutput(
        String transformName, PInput input, PTransform<?, ?> transform) {}
  }
}
