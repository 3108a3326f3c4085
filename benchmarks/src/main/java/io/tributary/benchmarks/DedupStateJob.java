package io.tributary.benchmarks;

import io.tributary.transforms.dedup.Dedup;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Dedup state memory at a fixed TTL as N grows: Tributary's Dedup in a STREAMING Flink job whose
 * watermark advances with event time, so TTL timers fire during the run (a bounded file input
 * cannot show this: its watermark stays at the minimum until the input ends).
 *
 * <p>Synthetic input, no JSON: {@link SequenceSource}, N elements, event time 10 ms per element, a
 * watermark that follows the last element read ({@code --source=generate}: the first runs' {@code
 * GenerateSequence.to(N)}, a bounded read whose watermark does not move until the end), every id
 * sent twice in a row. With TTL t the live ids are about t / 10 ms whatever N is; {@code max heap
 * after GC} should stay flat in N for a short TTL and grow with N for a TTL longer than the input's
 * event-time span.
 */
final class DedupStateJob {
  static final Schema SCHEMA =
      Schema.builder().addStringField("event_id").addInt64Field("seq").build();
  static final long BASE_MILLIS = Instant.parse("2026-11-01T00:00:00Z").getMillis();

  /**
   * Unique elements seen so far, and the live heap after an explicit full GC at 45% and 90% of
   * them.
   */
  static final java.util.concurrent.atomic.AtomicLong UNIQUE =
      new java.util.concurrent.atomic.AtomicLong();

  static volatile long liveAt45 = -1;
  static volatile long liveAt90 = -1;

  private DedupStateJob() {}

  /** Heap in use right after a full GC, in MiB: the live set, keyed state and timers included. */
  static long liveHeapMiB() {
    System.gc();
    return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed()
        >> 20;
  }

  /** {@code generate}: the first runs' GenerateSequence.to(N) instead of {@link SequenceSource}. */
  static void build(Pipeline p, long n, Duration ttl, boolean generate) {
    long unique = n / 2;
    SequenceSource.read(p, n, BASE_MILLIS, 0, generate)
        .apply(
            "ToRow",
            MapElements.into(TypeDescriptors.rows())
                .via(
                    (Long i) -> {
                      return Row.withSchema(SCHEMA).attachValues("e-" + (i / 2), i);
                    }))
        .setRowSchema(SCHEMA)
        .apply(
            "MarkFirst",
            ParDo.of(
                new DoFn<Row, Row>() {
                  private transient boolean seen;

                  @ProcessElement
                  public void process(@Element Row r, OutputReceiver<Row> out) {
                    if (!seen) {
                      seen = true;
                      Marks.first();
                    }
                    out.output(r);
                  }
                }))
        .setRowSchema(SCHEMA)
        .apply("Dedup", Dedup.<Row>byField("event_id").withTtl(ttl))
        .output()
        .apply(
            "CountUnique",
            ParDo.of(
                new DoFn<Row, Void>() {
                  @ProcessElement
                  public void process(@Element Row unused) {
                    Marks.aggregate(1, 0);
                    long k = UNIQUE.incrementAndGet();
                    // One pause each, in the middle and near the end of the run: a clean live-set
                    // reading.
                    if (k == unique * 45 / 100) {
                      liveAt45 = liveHeapMiB();
                    } else if (k == unique * 90 / 100) {
                      liveAt90 = liveHeapMiB();
                    }
                  }
                }));
  }
}
