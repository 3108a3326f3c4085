package io.tributary.transforms.privacy;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;
import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkState;

import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.json.RowJsonText;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.FusedStages;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.stages.RecordFn;
import io.tributary.transforms.stages.RecordStage;
import io.tributary.transforms.stages.RecordStages;
import io.tributary.transforms.stages.RecordTime;
import io.tributary.transforms.time.EventTime;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Applies a {@link PrivacyPolicy} to every row: a new PII field is covered by declaring it, not by
 * code. The output schema follows from the input's ({@link FieldProtector#outputSchema}).
 *
 * <p>Keys are checked when the pipeline is built (a missing or malformed keyset stops it there,
 * naming the source) and loaded again on each worker from their source; no key material travels in
 * the pipeline graph. A row that cannot be protected (encrypt with a null subject) goes to the
 * bad-record handler with its protected fields redacted, never in clear.
 *
 * <p>An {@link AccountedStage} named {@value #STAGE} unless {@link #withStageName} says otherwise:
 * every row counts in {@code tributary/stage.<stage>.in} and leaves either protected ({@code
 * stage.<stage>.out}) or as one rejection ({@code dead_letter.<stage>.cannot_protect}).
 *
 * <pre>{@code
 * PCollection<Row> safe = events.apply("Protect", Protect.with(policy)
 *     .withKeyset(Keyset.KeysetSource.env("TRIBUTARY_KEYSET"))
 *     .withSubjectKeys("/var/lib/tributary/subject-keys", "k1")
 *     .withBadRecordErrorHandler(handler));
 * }</pre>
 */
@AutoValue
public abstract class Protect extends PTransform<PCollection<Row>, PCollection<Row>>
    implements AccountedStage, FusedStages, RecordStage {
  /** Default stage name: of the accounting and of rejections. */
  public static final String STAGE = "protect";

  abstract PrivacyPolicy policy();

  /** The stage name: of the accounting ({@code stage.<name>.*}) and of every rejection. */
  @Override
  public abstract String stageName();

  abstract Keyset.@Nullable KeysetSource keyset();

  abstract @Nullable String subjectKeyDirectory();

  abstract @Nullable String indexKeyId();

  /** Where rows that cannot be protected go; the default handler (fail the run) unless set. */
  @Override
  public abstract ErrorHandler<BadRecord, ?> badRecordErrorHandler();

  abstract @Nullable EventTime eventTime();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setPolicy(PrivacyPolicy policy);

    abstract Builder setStageName(String stageName);

    abstract Builder setKeyset(Keyset.KeysetSource keyset);

    abstract Builder setSubjectKeyDirectory(String dir);

    abstract Builder setIndexKeyId(String id);

    abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler);

    abstract Builder setEventTime(@Nullable EventTime eventTime);

    abstract Protect build();
  }

  /** Protects rows by {@code policy}. */
  public static Protect with(PrivacyPolicy policy) {
    checkArgument(policy != null, "Protect.with: policy must not be null");
    return new AutoValue_Protect.Builder()
        .setPolicy(policy)
        .setStageName(STAGE)
        .setBadRecordErrorHandler(DeadLetters.defaultHandler())
        .build();
  }

  /** Where the keyset comes from (needed by tokenize and encrypt). */
  public Protect withKeyset(Keyset.KeysetSource source) {
    checkArgument(source != null, "Protect.withKeyset: source must not be null");
    return toBuilder().setKeyset(source).build();
  }

  /**
   * The per-subject key store for {@code encrypt}; subject ids are indexed with key {@code
   * indexKeyId}.
   */
  public Protect withSubjectKeys(String directory, String indexKeyId) {
    checkArgument(
        directory != null && !directory.isBlank(),
        "Protect.withSubjectKeys: directory must not be empty");
    checkArgument(
        indexKeyId != null && !indexKeyId.isBlank(),
        "Protect.withSubjectKeys: indexKeyId must not be empty");
    return toBuilder().setSubjectKeyDirectory(directory).setIndexKeyId(indexKeyId).build();
  }

  /**
   * The stage name ({@value #STAGE} by default): of the accounting and of every rejection,
   * lower_snake_case and unique in the pipeline.
   */
  public Protect withStageName(String stageName) {
    return toBuilder()
        .setStageName(AccountedStage.checkName(stageName, "Protect.withStageName"))
        .build();
  }

  /**
   * Rows that cannot be protected go to {@code handler} (redacted) instead of failing the pipeline.
   */
  public Protect withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgument(handler != null, "Protect.withBadRecordErrorHandler: handler must not be null");
    return toBuilder().setBadRecordErrorHandler(handler).build();
  }

  /**
   * Also sets each protected row's event time, as {@code eventTime} applied after this transform
   * would, in the same step: a second stage with its own name, counters and {@code out_of_range}
   * rejections (their payload is the protected row), without the serialization between two steps on
   * Flink ({@link FusedStages}). {@code eventTime} must send rejections to this transform's handler
   * ({@link #withBadRecordErrorHandler}, set before this call).
   *
   * <pre>{@code
   * events.apply("Protect", Protect.with(policy).withBadRecordErrorHandler(handler)
   *     .withEventTime(EventTime.fromField("event_time").withBadRecordErrorHandler(handler)));
   * }</pre>
   */
  public Protect withEventTime(EventTime eventTime) {
    checkArgument(eventTime != null, "Protect.withEventTime: eventTime must not be null");
    FusedStages.checkFusable(
        "Protect.withEventTime",
        this,
        badRecordErrorHandler(),
        eventTime,
        eventTime.badRecordErrorHandler());
    return toBuilder().setEventTime(eventTime).build();
  }

  @Override
  public List<AccountedStage> fusedStages() {
    return eventTime() == null ? List.of(this) : List.of(this, eventTime());
  }

  /**
   * The policy and key sources, e.g. to protect dead letters the same way ({@link
   * PayloadScrubber}).
   */
  public ProtectionSpec spec() {
    return ProtectionSpec.of(policy(), keyset(), subjectKeyDirectory(), indexKeyId());
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> input) {
    return RecordStages.applyOne(
        input, "ProtectFields", recordFn(input.getSchema()), badRecordErrorHandler());
  }

  /**
   * The protection of rows of {@code schema} (and the fused event-time stage, if any), as a stage
   * of a {@link RecordStages} step.
   */
  @Override
  public RecordFn recordFn(Schema schema) {
    checkState(
        !policy().needsKeys() || keyset() != null,
        "Protect: the policy tokenizes or encrypts, so withKeyset() is required");
    checkState(
        !policy().encrypts() || subjectKeyDirectory() != null,
        "Protect: the policy encrypts per subject, so withSubjectKeys() is required");
    // Fails here, at construction, if a key is missing or malformed.
    Schema out = spec().protector().outputSchema(schema);
    @Nullable RecordFn eventTimeFn = eventTime() == null ? null : eventTime().recordFn(out);
    return new ProtectFn(spec(), out, stageName(), eventTimeFn);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("policy", policy().toString()).withLabel("Privacy policy"))
        .add(DisplayData.item("stage", stageName()).withLabel("Stage name"))
        .addIfNotNull(
            DisplayData.item("eventTime", eventTime() == null ? null : eventTime().stageName())
                .withLabel("Fused event-time stage"))
        .addIfNotNull(
            DisplayData.item("keyset", keyset() == null ? null : keyset().toString())
                .withLabel("Keyset source"))
        .addIfNotNull(
            DisplayData.item(
                    "subjectKeys",
                    subjectKeyDirectory() == null
                        ? null
                        : SubjectKeyTable.display(subjectKeyDirectory()))
                .withLabel("Subject key store"));
  }

  /** Carries the key *sources* only; each worker loads the keys in {@code @Setup}. */
  static final class ProtectFn extends RecordFn {
    private static final long serialVersionUID = 1L;
    private final ProtectionSpec spec;
    private final String stage;
    private final StageCounters counters;

    /** The fused event-time stage ({@link Protect#withEventTime}), run on each protected row. */
    private final @Nullable RecordFn eventTime;

    private transient FieldProtector protector;

    ProtectFn(ProtectionSpec spec, Schema out, String stage, @Nullable RecordFn eventTime) {
      super(out);
      this.spec = spec;
      this.stage = stage;
      this.counters = StageCounters.of(stage);
      this.eventTime = eventTime;
    }

    @Override
    public boolean movesTimestamp() {
      return eventTime != null && eventTime.movesTimestamp();
    }

    @Override
    public void setup() {
      protector = spec.protector();
    }

    @Override
    public @Nullable Row apply(
        Row row, RecordTime time, BadRecordRouter router, DoFn.MultiOutputReceiver receiver)
        throws Exception {
      counters.in();
      Row protectedRow;
      try {
        protectedRow = protector.protect(row, outputSchema());
      } catch (IllegalArgumentException e) {
        DeadLetters.reject(
            router,
            receiver,
            redacted(row),
            StringUtf8Coder.of(),
            new RecordRejectedException(stage, "cannot_protect", e.getMessage()));
        return null;
      }
      counters.out(time.get());
      return eventTime == null
          ? protectedRow
          : eventTime.apply(protectedRow, time, router, receiver);
    }

    /** The row as JSON with every policy field replaced by a marker: never PII in clear. */
    private String redacted(Row row) {
      List<Object> values = new ArrayList<>();
      Schema.Builder schema = Schema.builder();
      for (Schema.Field f : row.getSchema().getFields()) {
        if (protector.fields().containsKey(f.getName())) {
          schema.addNullableField(f.getName(), Schema.FieldType.STRING);
          values.add(row.getValue(f.getName()) == null ? null : "[redacted]");
        } else {
          schema.addField(f);
          values.add(row.getValue(f.getName()));
        }
      }
      return RowJsonText.render(Row.withSchema(schema.build()).addValues(values).build());
    }
  }
}
