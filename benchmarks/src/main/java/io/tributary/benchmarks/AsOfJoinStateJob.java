package io.tributary.benchmarks;

import io.tributary.transforms.join.AsOfJoin;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.GenerateSequence;
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
 * <p>Synthetic input: an unbounded GenerateSequence stopped at N, event time 10 ms per element.
 * Every 10th element is a new version of dimension key {@code (i / 10) % KEYS} (valid from its
 * event time), the others are facts of key {@code i % KEYS}: each key gets a new version every 100
 * s of event time. Without pruning the versions kept grow with N (N / 10 in all); with pruning a
 * key keeps about two lateness spans of them, so the live heap after a full GC, read at 25, 50, 75
 * and 100% of the facts joined, should stay flat in N.
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

  private AsOfJoinStateJob() {}

  static void build(Pipeline p, long n, Duration lateness) {
    long facts = n - (n + 9) / 10;
    PCollection<Long> seq =
        p.apply(
            "Sequence",
            GenerateSequence.from(0)
                .to(n)
                .withRate(1_000_000_000L, Duration.standardSeconds(1)) // unbounded, never binds
                .withTimestampFn(i -> new Instant(BASE_MILLIS + i * 10)));
    PCollection<Row> versions =
        seq.apply("OnlyVersions", Filter.by((Long i) -> i % 10 == 0))
            .apply(
                "ToVersion",
                MapElements.into(TypeDescriptors.rows())
                    .via(
                        (Long i) ->
                            Row.withSchema(DIM)
                                .attachValues(
                                    "k-" + ((i / 10) % KEYS),
                                    "c-" + i,
                                    new Instant(BASE_MILLIS + i * 10))))
            .setRowSchema(DIM);
    seq.apply("OnlyFacts", Filter.by((Long i) -> i % 10 != 0))
        .apply(
            "ToFact",
            MapElements.into(TypeDescriptors.rows())
                .via(
                    (Long i) -> {
                      Marks.first(); // keeps the earliest call: when the first fact went in
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
                        LIVE[q - 1] = DedupStateJob.liveHeapMiB();
                      }
                    }
                  }
                }));
  }
}
