package io.tributary.transforms.cdc;

import static io.tributary.transforms.cdc.CdcTest.change;
import static io.tributary.transforms.cdc.CdcTest.counter;
import static io.tributary.transforms.cdc.CdcTest.event;
import static io.tributary.transforms.cdc.CdcTest.version;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.tributary.testing.Counters;
import io.tributary.testing.EventScript;
import io.tributary.transforms.metrics.StageGraph;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
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
 * What the per-version state layout of {@link CdcHistory.ApplyFn} must get right beyond {@link
 * CdcTest}: many versions of one key, out-of-order events placed between versions kept in the
 * position index's sorted head and its appended tail, redeliveries of middle positions, and late
 * events after a compaction, on whichever runner this surefire execution targets.
 *
 * <p>Every event of key {@code k} here has {@code lsn} L, name {@code "vL"}, quantity L and source
 * time L × 100 ms, so an expected row is written from its position alone.
 */
@RunWith(JUnit4.class)
public class CdcHistoryTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static String at(long lsn) {
    return event(lsn == 10 ? "c" : "u", "k", "v" + lsn, lsn, lsn, lsn * 100);
  }

  /** Version {@code lsn} of k, closed at {@code to}'s source time (null: open, and current). */
  static Row closed(long lsn, Long to) {
    return version("k", "v" + lsn, lsn, lsn == 10 ? "c" : "u", lsn, lsn * 100, to, to == null);
  }

  static Row closedBy(long lsn, long next) {
    return closed(lsn, next * 100);
  }

  static Row changeAt(long lsn) {
    return change("k", "v" + lsn, lsn, false);
  }

  @Test
  public void changelogPlacesLateEventsBetweenVersionsOfTheIndexHeadAndTail() {
    // One element per watermark step keeps arrival order on both runners (see CdcTest). The
    // watermark stays behind every element's time (10 s), so nothing is late.
    long[] arrivals = {10, 20, 30, 40, 50, 25, 25, 30, 60, 55, 5, 70, 65, 10};
    EventScript script = EventScript.create();
    for (int i = 0; i < arrivals.length; i++) {
      script = script.add(new Instant(10_000), at(arrivals[i])).watermark(new Instant(i + 1));
    }
    Cdc.Result result = script.apply(p, "Events").apply("Apply", Cdc.apply(CdcTest.TABLE, "id"));

    PAssert.that(result.changes())
        .containsInAnyOrder(
            changeAt(10),
            changeAt(20),
            changeAt(30),
            changeAt(40),
            changeAt(50),
            changeAt(60),
            changeAt(70));
    PAssert.that(result.history())
        .containsInAnyOrder(
            closed(10, null),
            closed(20, null),
            closedBy(10, 20),
            closed(30, null),
            closedBy(20, 30),
            closed(40, null),
            closedBy(30, 40),
            closed(50, null),
            closedBy(40, 50),
            // 25 arrives after 50: it lies between 20 and 30, so it is closed by 30 and closes 20.
            closedBy(25, 30),
            closedBy(20, 25),
            // 25 and 30 again: redeliveries, nothing emitted.
            closed(60, null),
            closedBy(50, 60),
            // 55: between 50 (the index's sorted head since 25 rewrote it) and 60 (appended since).
            closedBy(55, 60),
            closedBy(50, 55),
            // 5: before every version, so it has no predecessor to re-emit.
            closedBy(5, 10),
            closed(70, null),
            closedBy(60, 70),
            closedBy(65, 70),
            closedBy(60, 65));
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    // 14 events: 11 positions accepted, 3 redeliveries (25, 30 and 10).
    Counters.assertStage(
        Counters.stage(run, graph, "cdc"), 14, 11, Map.of(), Map.of("deduplicated", 3L));
    assertEquals(4, counter(run, Cdc.SUPERSEDED)); // 25, 55, 5, 65
  }

  @Test
  public void afterCompactionAnEventAboveTheKeptVersionIsPlacedAndOneBelowItIsRejected() {
    // TTL 1 minute after the key's last event (10 s): the step to 70.001 s compacts k to 30.
    Instant t = new Instant(10_000);
    Instant later = new Instant(80_000);
    PCollection<String> stream =
        EventScript.create()
            .add(t, at(10))
            .watermark(new Instant(1))
            .add(t, at(20))
            .watermark(new Instant(2))
            .add(t, at(30))
            .watermark(new Instant(70_001))
            .add(later, at(50)) // newer than the kept 30: closes it
            .watermark(new Instant(70_002))
            .add(later, at(40)) // between the kept 30 and 50: placed
            .watermark(new Instant(70_003))
            .add(later, at(25)) // below the kept 30: its neighbours are gone
            .watermark(new Instant(70_004))
            .add(later, at(30)) // the kept version again: a redelivery
            .watermark(new Instant(70_005))
            .add(later, at(20)) // compacted away: not told from a redelivery any more
            .apply(p, "Events");
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new CdcTest.ReasonsSink());
    Cdc.Result result =
        stream.apply(
            "Apply",
            Cdc.apply(CdcTest.TABLE, "id")
                .withStateTtl(Duration.standardMinutes(1))
                .withBadRecordErrorHandler(handler));
    handler.close();

    PAssert.that(result.changes())
        .containsInAnyOrder(changeAt(10), changeAt(20), changeAt(30), changeAt(50));
    PAssert.that(result.history())
        .containsInAnyOrder(
            closed(10, null),
            closed(20, null),
            closedBy(10, 20),
            closed(30, null),
            closedBy(20, 30),
            closed(50, null),
            closedBy(30, 50),
            closedBy(40, 50),
            closedBy(30, 40));
    PAssert.that(handler.getOutput()).containsInAnyOrder("cdc/expired_state", "cdc/expired_state");
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "cdc"),
        8,
        5,
        Map.of("expired_state", 2L),
        Map.of("deduplicated", 1L));
    assertEquals(1, counter(run, Cdc.SUPERSEDED)); // 40
    // 10 and 20 at 70 s; 30 and 40 when the input ends (k then keeps 50).
    assertEquals(4, counter(run, Cdc.COMPACTED));
  }

  @Test
  public void finalStateOfAKeyWithThreeHundredShuffledVersionsAndRedeliveries() {
    int n = 300;
    List<String> input = new ArrayList<>();
    List<Row> expected = new ArrayList<>();
    for (long i = 1; i <= n; i++) {
      long lsn = i * 10;
      input.add(at(lsn));
      expected.add(closed(lsn, i == n ? null : (lsn + 10) * 100));
    }
    input.add(at(1_500)); // redeliveries: a middle position, the first and the last
    input.add(at(10));
    input.add(at(3_000));
    Collections.shuffle(input, new Random(19));

    Cdc.Result result =
        p.apply(Create.of(input).withCoder(StringUtf8Coder.of()))
            .apply("Apply", Cdc.apply(CdcTest.TABLE, "id"));

    PAssert.that(result.changes()).containsInAnyOrder(changeAt(3_000));
    PAssert.that(result.history()).containsInAnyOrder(expected);
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "cdc"), n + 3, n, Map.of(), Map.of("deduplicated", 3L));
  }

  @Test
  public void positionsOrderByLsnThenTransactionThenSequenceAndEncodeDeterministically()
      throws Exception {
    CdcPosition a = CdcPosition.of(10, 5, 2);
    assertTrue(a.compareTo(CdcPosition.of(11, 0, 0)) < 0);
    assertTrue(a.compareTo(CdcPosition.of(10, 6, 0)) < 0);
    assertTrue(a.compareTo(CdcPosition.of(10, 5, 3)) < 0);
    assertTrue(CdcPosition.of(-1, 0, 0).compareTo(CdcPosition.of(0, 0, 0)) < 0);
    assertEquals(0, a.compareTo(CdcPosition.of(10, 5, 2)));
    assertEquals(a, CdcPosition.of(10, 5, 2));
    assertEquals(Cdc.formatPosition(10, 5, 2), a.toString());
    CoderProperties.coderDecodeEncodeEqual(CdcPosition.CODER, a);
    CoderProperties.coderDecodeEncodeEqual(
        CdcPosition.CODER, CdcPosition.of(Long.MIN_VALUE, Long.MAX_VALUE, -1));
    CoderProperties.coderDeterministic(CdcPosition.CODER, a, CdcPosition.of(10, 5, 2));
    CdcPosition.CODER.verifyDeterministic();
  }
}
