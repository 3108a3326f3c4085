package io.tributary.benchmarks;

import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.join.AsOfJoin;
import io.tributary.transforms.metrics.LiveMetrics;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * AsOfJoin state memory at a fixed allowed lateness as N grows: a STREAMING Flink job whose
 * watermark advances with event time, so release and prune timers fire during the run.
 *
 * <p>Synthetic input: {@link SequenceSource}, N elements, event time 10 ms per element, a watermark
 * that follows the last element read ({@code --source=generate}: the first runs' {@code
 * GenerateSequence.to(N)}, whose watermark does not move until the end). Every 10th element is a
 * new version of dimension key {@code (i / 10) % KEYS} (valid from its event time), the others are
 * facts of key {@code i % KEYS}: each key gets a new version every 100 s of event time. Without
 * pruning the versions kept grow with N (N / 10 in all); with pruning a key keeps about two
 * lateness spans of them, so the live heap after a full GC, read at 25, 50, 75 and 100% of the
 * facts joined, should stay flat in N.
 *
 * <pre>{@code
 * java -cp ... io.tributary.benchmarks.BenchMain --variant=asof-state --lines=1000000 --lateness=60
 * }</pre>
 */
final class AsOfJoinStateJob {
  static final int KEYS = 1000;
  static final Schema FACT = Schema.builder().addInt64Field("seq").addStringField("key").build();
  static final Schema DIM =
      Schema.builder()
          .addStringField("key")
          .addStringField("category")
          .addDateTimeField("valid_from")
          .build();
  static final long BASE_MILLIS = Instant.parse("2026-11-01T00:00:00Z").getMillis();

  /** Facts joined so far, and the live heap (MiB) after a full GC at 25/50/75/100% of them. */
  static final AtomicLong JOINED = new AtomicLong();

  static final long[] LIVE = {-1, -1, -1, -1};

  /** Versions and facts sent into the join so far (counted by the steps that make them). */
  static final AtomicLong VERSIONS_IN = new AtomicLong();

  static final AtomicLong FACTS_IN = new AtomicLong();

  /** {@link #versionsHeld()} and {@link #factsHeld()} at 25/50/75/100% of the facts joined. */
  static final long[] VERSIONS_AT_QUARTER = {-1, -1, -1, -1};

  static final long[] FACTS_AT_QUARTER = {-1, -1, -1, -1};

  private AsOfJoinStateJob() {}

  /** {@code generate}: the first runs' GenerateSequence.to(N) instead of {@link SequenceSource}. */
  static void build(Pipeline p, long n, Duration lateness, boolean generate) {
    long facts = n - (n + 9) / 10;
    PCollection<Long> seq = SequenceSource.read(p, n, BASE_MILLIS, 0, generate);
    PCollection<Row> versions =
        seq.apply("OnlyVersions", Filter.by((Long i) -> i % 10 == 0))
            .apply(
                "ToVersion",
                MapElements.into(TypeDescriptors.rows())
                    .via(
                        (Long i) -> {
                          VERSIONS_IN.incrementAndGet();
                          return Row.withSchema(DIM)
                              .attachValues(
                                  "k-" + ((i / 10) % KEYS),
                                  "c-" + i,
                                  new Instant(BASE_MILLIS + i * 10));
                        }))
            .setRowSchema(DIM);
    seq.apply("OnlyFacts", Filter.by((Long i) -> i % 10 != 0))
        .apply(
            "ToFact",
            MapElements.into(TypeDescriptors.rows())
                .via(
                    (Long i) -> {
                      Marks.first(); // keeps the earliest call: when the first fact went in
                      FACTS_IN.incrementAndGet();
                      return Row.withSchema(FACT).attachValues(i, "k-" + (i % KEYS));
                    }))
        .setRowSchema(FACT)
        .apply(
            "AsOfJoin",
            AsOfJoin.of(versions)
                .by("key")
                .withFields("category")
                .withoutDeletes()
                .withAllowedLateness(lateness))
        .output()
        .apply(
            "CountJoined",
            ParDo.of(
                new DoFn<Row, Void>() {
                  @ProcessElement
                  public void process(@Element Row unused) {
                    Marks.aggregate(1, 0);
                    long k = JOINED.incrementAndGet();
                    for (int q = 1; q <= 4; q++) {
                      if (k == facts * q / 4) {
                        VERSIONS_AT_QUARTER[q - 1] = versionsHeld();
                        FACTS_AT_QUARTER[q - 1] = factsHeld();
                        LIVE[q - 1] = DedupStateJob.liveHeapMiB();
                      }
                    }
                  }
                }));
  }

  /**
   * Versions the join keeps now: versions sent in minus its {@code asof.pruned_versions} counter
   * (read live through {@link LiveMetrics}; every version here has its own validity time, so none
   * replaces another). Versions still in flight to the join count as kept: an upper bound.
   */
  static long versionsHeld() {
    return VERSIONS_IN.get()
        - LiveMetrics.snapshot().getOrDefault(DeadLetters.NAMESPACE + "/" + AsOfJoin.PRUNED, 0L);
  }

  /**
   * Facts sent in and not yet joined: those the join holds until the watermark passes them, plus
   * those in flight to it or from it (an upper bound on the facts it holds).
   */
  static long factsHeld() {
    return FACTS_IN.get() - JOINED.get();
  }

  /** A {@code PROGRESS} line every {@code periodSeconds}: versions and facts sent, kept, joined. */
  static void startProgress(long periodSeconds) {
    Progress.start(
        periodSeconds,
        () ->
            "versions_in="
                + VERSIONS_IN.get()
                + " versions_held="
                + versionsHeld()
                + " facts_in="
                + FACTS_IN.get()
                + " joined="
                + JOINED.get()
                + " facts_not_joined="
                + factsHeld());
  }
}
