package io.tributary.benchmarks;

import io.tributary.transforms.cdc.Cdc;
import io.tributary.transforms.values.Durations;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Impulse;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Cdc's cost per event as the versions per key grow: a STREAMING Flink job applies N change events
 * in changelog mode to N / V keys of V versions each, so every event goes through the per-key
 * history state as it arrives.
 *
 * <p>Synthetic input: an unbounded GenerateSequence stopped at N, one Debezium envelope per
 * element. Element {@code i} is version {@code v = i / keys} of key {@code i % keys} (the keys take
 * turns, so a key's versions arrive spread over the run, as on a real log); every tenth version of
 * a key arrives just before its predecessor, which is then an out-of-order event (superseded,
 * placed in the middle of the history). With state whose cost per event does not depend on the
 * versions already kept, events/s stays flat in V at a fixed N.
 *
 * <pre>{@code
 * java -cp ... io.tributary.benchmarks.BenchMain --variant=cdc-versions --lines=200000 --versions=1000
 * }</pre>
 */
final class CdcVersionsJob {
  static final Schema TABLE =
      Schema.builder().addStringField("id").addStringField("status").addInt64Field("qty").build();
  static final long BASE_MILLIS = Instant.parse("2026-11-01T00:00:00Z").getMillis();

  /** Out-of-order events of the last run ({@value Cdc#SUPERSEDED}), -1 before a run. */
  static long superseded = -1;

  private CdcVersionsJob() {}

  /** Waits for the run and returns its {@value Cdc#SUPERSEDED} counter. */
  static long superseded(PipelineResult run) {
    run.waitUntilFinish();
    long total = 0;
    for (MetricResult<Long> c :
        run.metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named("tributary", Cdc.SUPERSEDED))
                    .build())
            .getCounters()) {
      total += c.getAttempted();
    }
    return total;
  }

  /** The envelope of element {@code i}: which version of which key, out of order or not. */
  static String envelope(long i, long keys) {
    long key = i % keys;
    long v = i / keys;
    // Versions 8 and 9 (mod 10) of a key trade places: 9 arrives first, 8 after it.
    if (v % 10 == 8) {
      v++;
    } else if (v % 10 == 9) {
      v--;
    }
    long lsn = 1_000 + v * 10;
    return "{\"before\":null,\"after\":{\"id\":\"k"
        + key
        + "\",\"status\":\"s"
        + v
        + "\",\"qty\":"
        + v
        + "},\"op\":\""
        + (v == 0 ? "c" : "u")
        + "\",\"source\":{\"connector\":\"postgresql\",\"lsn\":"
        + lsn
        + ",\"txId\":"
        + lsn
        + ",\"ts_ms\":"
        + (BASE_MILLIS + v * 1_000)
        + "},\"ts_ms\":"
        + (BASE_MILLIS + v * 1_000 + 5)
        + "}";
  }

  static void build(Pipeline p, long n, long versionsPerKey) {
    long keys = Math.max(1, n / versionsPerKey);
    Cdc.Result result =
        p.apply("Impulse", Impulse.create())
            .apply("Envelopes", ParDo.of(new EnvelopesFn(n, keys)))
            .apply("Cdc", Cdc.apply(TABLE, "id").withEmit(Cdc.Emit.CHANGELOG));
    // One mark per history row (an event emits one or two): the last one ends the timing.
    result.history().apply("CountHistory", ParDo.of(new CountFn()));
  }

  /**
   * Emits the N envelopes in order from one element. Not GenerateSequence: the runner splits a
   * source into many strided parts that one reader drains in turn, which in a first run delivered
   * more than half the events out of order.
   */
  private static final class EnvelopesFn extends DoFn<byte[], String> {
    private final long n;
    private final long keys;

    EnvelopesFn(long n, long keys) {
      this.n = n;
      this.keys = keys;
    }

    @ProcessElement
    public void process(OutputReceiver<String> out) {
      Marks.first();
      for (long i = 0; i < n; i++) {
        out.outputWithTimestamp(envelope(i, keys), new Instant(BASE_MILLIS + i));
      }
    }

    @Override
    public Duration getAllowedTimestampSkew() {
      // The impulse is at the minimum timestamp; Long.MAX_VALUE would overflow there, once per
      // event.
      return Durations.ANY_TIMESTAMP_SKEW;
    }
  }

  private static final class CountFn extends DoFn<Row, Void> {
    @ProcessElement
    public void process(@Element Row unused) {
      Marks.aggregate(1, 0);
    }
  }
}
