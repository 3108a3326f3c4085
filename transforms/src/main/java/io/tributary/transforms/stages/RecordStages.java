package io.tributary.transforms.stages;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.FusedStages;
import io.tributary.transforms.values.RowBytesCoder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Several {@link RecordStage}s run as one step: each row passes the stages in order inside one
 * {@code DoFn}, and the rejections of all of them leave on its one bad-record output. The run's
 * accounting still sees every stage with its own name, counters and rejections ({@link
 * FusedStages}); rows, dead letters and counts are those of the stages applied one after another.
 *
 * <pre>{@code
 * PCollection<Row> readings = decoded.apply("Prepare", RecordStages.of(
 *     Validate.withRules(rules).withBadRecordErrorHandler(handler),
 *     MapFields.of(Map.of("temperature_c", "(temperature - 32.0) * 5.0 / 9.0"))
 *         .withAppend(true).withBadRecordErrorHandler(handler),
 *     EventTime.fromField("ts").withBadRecordErrorHandler(handler)));
 * }</pre>
 *
 * <p>Why: on Flink's batch translation a step with a bad-record output has two consumers, so Flink
 * cannot chain the next step to it and serializes every row between them (and the dead letters'
 * consumer reads every row only to drop it). Three stages applied one by one pay that three times,
 * chained here once. On a streaming job Flink chains the steps either way; one step still saves the
 * copy of every row between chained operators.
 *
 * <p>Every stage must send rejections to the same handler (one step has one bad-record output), and
 * stage names must differ; {@link #of} says which pair breaks that.
 */
public final class RecordStages extends PTransform<PCollection<Row>, PCollection<Row>>
    implements FusedStages {
  private static final long serialVersionUID = 1L;

  private static final TupleTag<Row> PASSED = new TupleTag<Row>() {};

  private final List<RecordStage> stages;

  private RecordStages(List<RecordStage> stages) {
    this.stages = List.copyOf(stages);
  }

  /** {@code first}, then each of {@code more}, in one step. */
  public static RecordStages of(RecordStage first, RecordStage... more) {
    List<RecordStage> all = new ArrayList<>();
    all.add(first);
    all.addAll(List.of(more));
    return of(all);
  }

  /** The stages of {@code stages}, in their order, in one step; at least one. */
  public static RecordStages of(List<RecordStage> stages) {
    checkArgument(stages != null && !stages.isEmpty(), "RecordStages.of: give at least one stage");
    Set<String> names = new HashSet<>();
    for (int i = 0; i < stages.size(); i++) {
      RecordStage s = stages.get(i);
      checkArgument(s != null, "RecordStages.of: stage %s is null", i + 1);
      if (i > 0) {
        RecordStage before = stages.get(i - 1);
        FusedStages.checkFusable(
            "RecordStages.of",
            before,
            before.badRecordErrorHandler(),
            s,
            s.badRecordErrorHandler());
      }
      for (AccountedStage a : flat(s)) {
        checkArgument(
            names.add(a.stageName()),
            "RecordStages.of: two stages share the stage name '%s'; give each its own with"
                + " withStageName(...)",
            a.stageName());
      }
    }
    return new RecordStages(stages);
  }

  /**
   * Checks that a source may run these stages in its decoding step, for its method {@code call}:
   * they send rejections to the source's {@code handler}, and no stage takes one of {@code taken}
   * (the source's own stage names). Names the pair that breaks either.
   *
   * <pre>{@code
   * stages.checkRunnableBy("ReadThings.withStages", this, badRecordErrorHandler(), Set.of(stage()));
   * }</pre>
   */
  public void checkRunnableBy(
      String call, AccountedStage source, ErrorHandler<BadRecord, ?> handler, Set<String> taken) {
    RecordStage first = stages.get(0);
    FusedStages.checkFusable(call, source, handler, first, first.badRecordErrorHandler());
    for (AccountedStage s : fusedStages()) {
      checkArgument(
          !taken.contains(s.stageName()),
          "%s: two stages share the stage name '%s'; give each its own with withStageName(...)",
          call,
          s.stageName());
    }
  }

  /** The stages, in the order each row passes them. */
  public List<RecordStage> stages() {
    return stages;
  }

  /**
   * Each stage's per-row work, bound in order from rows of {@code input} (each stage's output
   * schema is the next one's input): for a step of another kind that runs these stages itself, e.g.
   * a source in its decoding step ({@link RecordFnChain}). Checks every stage as its {@code expand}
   * would.
   */
  public List<RecordFn> recordFns(Schema input) {
    List<RecordFn> fns = new ArrayList<>();
    Schema schema = input;
    for (RecordStage s : stages) {
      RecordFn fn = s.recordFn(schema);
      fns.add(fn);
      schema = fn.outputSchema();
    }
    return fns;
  }

  /** The handler every stage sends its rejections to. */
  public ErrorHandler<BadRecord, ?> badRecordErrorHandler() {
    return stages.get(0).badRecordErrorHandler();
  }

  @Override
  public List<AccountedStage> fusedStages() {
    List<AccountedStage> out = new ArrayList<>();
    for (RecordStage s : stages) {
      out.addAll(flat(s));
    }
    return out;
  }

  private static List<AccountedStage> flat(RecordStage s) {
    return s instanceof FusedStages f ? f.fusedStages() : List.of(s);
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> input) {
    return apply(input, "RunStages", recordFns(input.getSchema()), badRecordErrorHandler());
  }

  /**
   * Applies {@code fn} as the only stage of a step named {@code name}, its rejections to {@code
   * handler}: how a record stage's own {@code expand} runs it.
   *
   * <pre>{@code
   * return RecordStages.applyOne(input, "CheckRules", recordFn(input.getSchema()), handler);
   * }</pre>
   */
  public static PCollection<Row> applyOne(
      PCollection<Row> input, String name, RecordFn fn, ErrorHandler<BadRecord, ?> handler) {
    return apply(input, name, List.of(fn), handler);
  }

  private static PCollection<Row> apply(
      PCollection<Row> input, String name, List<RecordFn> fns, ErrorHandler<BadRecord, ?> handler) {
    RecordFnChain chain = RecordFnChain.of(fns);
    PCollectionTuple result =
        input.apply(
            name,
            ParDo.of(new StagesFn(chain, DeadLetters.routerFor(handler)))
                .withOutputTags(PASSED, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    DeadLetters.register(handler, result);
    return result.get(PASSED).setCoder(RowBytesCoder.of(chain.outputSchema()));
  }

  /** The names of the accounted stages, in order, comma-separated: for display data. */
  public String stageNames() {
    List<String> names = new ArrayList<>();
    for (AccountedStage s : fusedStages()) {
      names.add(s.stageName());
    }
    return String.join(", ", names);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("stages", stageNames()).withLabel("Stages"));
  }

  /** The stages' functions, one after another, on each row. */
  static final class StagesFn extends DoFn<Row, Row> {
    private final RecordFnChain chain;
    private final BadRecordRouter router;

    StagesFn(RecordFnChain chain, BadRecordRouter router) {
      this.chain = chain;
      this.router = router;
    }

    @Setup
    public void setup() throws Exception {
      chain.setup();
    }

    @ProcessElement
    public void process(@Element Row row, @Timestamp Instant timestamp, MultiOutputReceiver out)
        throws Exception {
      chain.run(row, timestamp, router, out, PASSED);
    }

    // A stage that stamps event time may move a record earlier than the element's timestamp
    // (lateness is judged downstream against the watermark); without one, no timestamp moves.
    @SuppressWarnings("deprecation")
    @Override
    public Duration getAllowedTimestampSkew() {
      return chain.allowedTimestampSkew();
    }
  }
}
