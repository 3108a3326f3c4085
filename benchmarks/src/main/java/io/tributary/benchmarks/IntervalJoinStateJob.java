package io.tributary.benchmarks;

import io.tributary.transforms.join.IntervalJoin;
import io.tributary.transforms.join.JoinType;
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
 * Interval-join state memory at a fixed bound as N grows: Tributary's IntervalJoin alone in a
 * STREAMING Flink job whose watermark advances with event time, so the expiry timers free state
 * during the run (a bounded input would hold every row until its end).
 *
 * <p>Synthetic input: an unbounded GenerateSequence stopped at N, event time 10 ms per element (the
 * watermark follows it). Even elements are left rows, odd ones right rows; element {@code 2k} and
 * {@code 2k+1} share device {@code k mod 1000}, so each left row has exactly one right row within
 * the bound (the same device comes back only 20 s of event time later, beyond a bound of a second
 * or two). With bound b the buffered rows are about (b + b) / 10 ms whatever N is, over a fixed set
 * of 1,000 keys: the live heap after a full GC at 25/50/75/100% of the N/2 joined rows should stay
 * flat in N.
 */
final class IntervalJoinStateJob {
  static final Schema LEFT = Schema.builder().addStringField("device").addInt64Field("seq").build();
  static final Schema RIGHT =
      Schema.builder().addStringField("device").addInt64Field("seq").build();
  static final long BASE_MILLIS = Instant.parse("2026-11-01T00:00:00Z").getMillis();
  static final int DEVICES = 1000;

  /** Joined rows so far, and the live heap after an explicit full GC at each quarter of them. */
  static final AtomicLong JOINED = new AtomicLong();

  static final long[] LIVE_AT_QUARTER = {-1, -1, -1, -1};

  private IntervalJoinStateJob() {}

  /**
   * Builds the job; {@code ratePerSecond} 0 reads as fast as it can, otherwise the source emits at
   * most that many elements per second (and so lets go of its lock between them, see
   * docs/performance.md).
   */
  static void build(Pipeline p, long n, Duration bound, long ratePerSecond) {
    long expected = n / 2;
    PCollection<Long> seq =
        p.apply(
                "Sequence",
                GenerateSequence.from(0)
                    .to(n)
                    .withRate(
                        ratePerSecond > 0 ? ratePerSecond : 1_000_000_000L,
                        Duration.standardSeconds(1)) // unbounded either way
                    .withTimestampFn(i -> new Instant(BASE_MILLIS + i * 10)))
            .apply(
                "MarkFirst",
                ParDo.of(
                    new DoFn<Long, Long>() {
                      private transient boolean seen;

                      @ProcessElement
                      public void process(@Element Long i, OutputReceiver<Long> out) {
                        if (!seen) {
                          seen = true;
                          Marks.first();
                        }
                        out.output(i);
                      }
                    }));
    PCollection<Row> left = side(seq, "Left", 0, LEFT);
    PCollection<Row> right = side(seq, "Right", 1, RIGHT);
    left.apply(
            "Join",
            IntervalJoin.of(right).on("device").within(bound, bound).withJoinType(JoinType.INNER))
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
                      if (k == expected * q / 4) {
                        LIVE_AT_QUARTER[q - 1] = DedupStateJob.liveHeapMiB();
                      }
                    }
                  }
                }));
  }

  private static PCollection<Row> side(
      PCollection<Long> seq, String name, int parity, Schema schema) {
    return seq.apply(name + "Only", Filter.by((Long i) -> i % 2 == parity))
        .apply(
            name + "ToRow",
            MapElements.into(TypeDescriptors.rows())
                .via((Long i) -> Row.withSchema(schema).attachValues("d-" + (i / 2) % DEVICES, i)))
        .setRowSchema(schema);
  }
}
