package io.tributary.transforms.lookup;

import io.tributary.testing.Counters;
import io.tributary.testing.EventScript;
import io.tributary.transforms.lookup.LookupTableTest.Descriptions;
import io.tributary.transforms.metrics.StageGraph;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@link MissingKey#WAIT} releasing held rows when a refreshed table read has their key, on both
 * runners: the scenario is an {@link EventScript} (a TestStream on the Direct runner, a real
 * unbounded source on Flink, whose watermark steps keep the arrival order), so no processing time
 * is involved. The bound is ten minutes and never passes; a key that never appears is a dead letter
 * when the input ends. {@link LookupWaitStreamTest} adds the bound, which needs TestStream's
 * processing-time advances (Direct only).
 *
 * <p>The scenario: read 1 (tick at 0 ms) has d1 only; r1 (d1) is enriched, r2 and r3 (d2) and r4
 * (d9) are held. Read 2 (tick at 10 ms) registers d2: its row, sent by key into the waiting stage,
 * releases r2 and r3 in arrival order. r6 (d1) after it is enriched at once. At the end r4 is a
 * dead letter, {@code no_match_after_wait}.
 */
@RunWith(JUnit4.class)
public class LookupWaitReleaseTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static Instant ms(long millis) {
    return new Instant(millis);
  }

  @Test
  public void aLaterReadReleasesHeldRowsInOrderAndTheEndDeadLettersTheRest() {
    LookupWaitStreamTest.READS.set(0);
    PCollection<String> all =
        EventScript.create()
            .add(ms(0), "tick:0") // read 1: d1 only
            .watermark(ms(1))
            .add(ms(1), "r1:d1")
            .add(ms(2), "r2:d2")
            .add(ms(3), "r3:d2")
            .add(ms(4), "r4:d9")
            .watermark(ms(5))
            // Read 2 registers d2: r2 and r3 leave, enriched, in the order they came.
            .add(ms(10), "tick:10")
            .watermark(ms(11))
            .add(ms(12), "r6:d1")
            .apply(p, "Events");
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new Descriptions());
    // The bound never passes here: only a later read or the end of input lets a row go.
    PCollection<Row> enriched =
        LookupWaitStreamTest.waitingLookup(all, handler, Duration.standardMinutes(10));
    handler.close();
    PAssert.that(LookupWaitStreamTest.sites(enriched))
        .containsInAnyOrder("r1@north", "r2@south", "r3@south", "r6@north");
    // Released rows keep their arrival order (d2); rows enriched at once (d1) are not ordered
    // against each other by the stage, and the Direct runner may hand them on in either order.
    PAssert.that(LookupWaitStreamTest.idsInOrder(enriched))
        .satisfies(
            lines -> {
              java.util.Set<String> got = new java.util.TreeSet<>();
              lines.forEach(got::add);
              org.junit.Assert.assertTrue(
                  "d2 released in arrival order, d1 both: " + got,
                  got.contains("d2:r2,r3")
                      && got.size() == 2
                      && (got.contains("d1:r1,r6") || got.contains("d1:r6,r1")));
              return null;
            });
    // d9's fingerprint: printf %s d9 | sha256sum | cut -c1-12
    PAssert.that(handler.getOutput())
        .containsInAnyOrder(
            "site_of_device/no_match_after_wait: no table row had key sha256:f0b8e894c1e3"
                + " (field 'device_id') when the input ended");
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "site_of_device"),
        5,
        4,
        Map.of("no_match_after_wait", 1L),
        Map.of());
  }
}
