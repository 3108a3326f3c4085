package io.tributary.transforms.lookup;

import static io.tributary.transforms.lookup.LookupTableTest.DEVICE;
import static io.tributary.transforms.lookup.LookupTableTest.READING;
import static io.tributary.transforms.lookup.LookupTableTest.device;
import static io.tributary.transforms.lookup.LookupTableTest.reading;

import io.tributary.testing.Counters;
import io.tributary.transforms.lookup.LookupTableTest.Descriptions;
import io.tributary.transforms.metrics.StageGraph;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.InstantCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@link MissingKey#WAIT} on an unbounded input driven by one {@code TestStream}: its elements are
 * readings ({@code r2:d2}) and table reads ({@code tick:2}, given to {@code withRefreshTicks}), and
 * its processing-time advances move the bound. A key that appears in a later read releases its held
 * rows enriched and in order; a key that never appears is a dead letter once the bound passes.
 *
 * <p>Direct only (excluded from the Flink execution in transforms/pom.xml): the Flink runner does
 * not reproduce TestStream's processing-time advances, which this test needs for the bound. On
 * Flink the same stage runs in {@link LookupWaitTest} (end of input, exact counters) and {@link
 * LookupWaitReleaseTest} (a later read releases held rows in order).
 */
@RunWith(JUnit4.class)
public class LookupWaitStreamTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  /** Reads so far, in this JVM. */
  static final AtomicInteger READS = new AtomicInteger();

  /** Device d2 is registered from the second read on, d3 from the third. */
  static final class RegisteringDevice implements ReferenceTable {
    private static final long serialVersionUID = 1L;

    @Override
    public String name() {
      return "registering_device";
    }

    @Override
    public Schema schema() {
      return DEVICE;
    }

    @Override
    public void read(Consumer<Row> rows) {
      int read = READS.incrementAndGet();
      rows.accept(device("d1", "north"));
      if (read >= 2) {
        rows.accept(device("d2", "south"));
      }
      if (read >= 3) {
        rows.accept(device("d3", "east"));
      }
    }
  }

  private static TimestampedValue<String> at(String event, long millis) {
    return TimestampedValue.of(event, new Instant(millis));
  }

  /** The ids of each device in the order they arrived, one line per device at the end. */
  static final class IdsInOrderFn extends DoFn<KV<String, String>, String> {
    @StateId("ids")
    private final StateSpec<ValueState<String>> ids = StateSpecs.value(StringUtf8Coder.of());

    @TimerId("end")
    private final TimerSpec end = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    @ProcessElement
    public void process(
        @Element KV<String, String> e,
        @StateId("ids") ValueState<String> seen,
        @TimerId("end") Timer endTimer) {
      String before = seen.read();
      seen.write(before == null ? e.getKey() + ":" + e.getValue() : before + "," + e.getValue());
      endTimer.set(GlobalWindow.INSTANCE.maxTimestamp());
    }

    @OnTimer("end")
    public void onEnd(@StateId("ids") ValueState<String> seen, OutputReceiver<String> out) {
      out.output(seen.read());
    }
  }

  /** The table reads of a script: {@code tick:<millis>} elements, as the tick's instant. */
  static PCollection<Instant> ticks(PCollection<String> all) {
    return all.apply("Ticks", Filter.by((String e) -> e.startsWith("tick:")))
        .apply(
            "TickTime",
            MapElements.into(TypeDescriptor.of(Instant.class))
                .via((String e) -> new Instant(Long.parseLong(e.substring(5)))))
        .setCoder(InstantCoder.of());
  }

  /** The readings of a script: {@code <reading id>:<device id>} elements, as rows. */
  static PCollection<Row> readings(PCollection<String> all) {
    return all.apply("Readings", Filter.by((String e) -> e.startsWith("r")))
        .apply(
            "Reading",
            MapElements.into(TypeDescriptors.rows())
                .via(
                    (String e) ->
                        reading(e.substring(0, e.indexOf(':')), e.substring(e.indexOf(':') + 1))))
        .setRowSchema(READING);
  }

  /**
   * The readings of {@code all} through the stage under test: {@code site_of_device}, WAIT with
   * bound {@code maxWait}, the table {@link RegisteringDevice} read at each tick of {@code all}.
   */
  static PCollection<Row> waitingLookup(
      PCollection<String> all, BadRecordErrorHandler<?> handler, Duration maxWait) {
    return readings(all)
        .apply(
            Lookup.fromTable(new RegisteringDevice())
                .by("device_id")
                .withField("site")
                .withRefresh(Duration.standardSeconds(10))
                .withRefreshTicks(ticks(all))
                .withMissingKey(MissingKey.WAIT)
                .withMaxWait(maxWait)
                .withStageName("site_of_device")
                .withBadRecordErrorHandler(handler));
  }

  /** {@code <reading id>@<site>} of each enriched row. */
  static PCollection<String> sites(PCollection<Row> enriched) {
    return enriched.apply(
        "Sites",
        MapElements.into(TypeDescriptors.strings())
            .via(r -> r.getString("reading_id") + "@" + r.getString("site")));
  }

  /** {@code <device>:<reading ids in arrival order>}, one line per device, at the end. */
  static PCollection<String> idsInOrder(PCollection<Row> enriched) {
    return enriched
        .apply(
            "ByDevice",
            MapElements.into(
                    TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.strings()))
                .via(r -> KV.of(r.getString("device_id"), r.getString("reading_id"))))
        .apply("IdsInOrder", ParDo.of(new IdsInOrderFn()));
  }

  @Test
  public void aKeyThatAppearsReleasesItsRowsInOrderAndOneThatNeverDoesIsADeadLetter() {
    READS.set(0);
    TestStream<String> events =
        TestStream.create(StringUtf8Coder.of())
            .addElements(at("tick:1", 0)) // read 1: d1 only
            .advanceProcessingTime(Duration.standardSeconds(1))
            .addElements(
                at("r1:d1", 1), at("r2:d2", 2), at("r3:d2", 3), at("r4:d9", 4), at("r6:d3", 6))
            .advanceProcessingTime(Duration.standardSeconds(10))
            // Read 2 registers d2: its table row releases r2 and r3 (no later d2 reading could).
            .addElements(at("tick:2", 10))
            .advanceProcessingTime(Duration.standardSeconds(10))
            // Read 3 registers d3. r7 may see read 2 (then it is held behind r6), or read 3 while
            // r6 is still held (it joins r6 and both go), or after r6 left: whichever, r7 goes out
            // after r6. Read 4 releases r7 in the first case.
            .addElements(at("tick:3", 20))
            .addElements(at("r7:d3", 7))
            .addElements(at("tick:4", 30))
            .advanceProcessingTime(Duration.standardSeconds(10))
            // r4 arrived about 1 s in and waits at most 60 s: its bound passes here.
            .advanceProcessingTime(Duration.standardMinutes(2))
            .advanceWatermarkToInfinity();
    PCollection<String> all = p.apply(events);
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new Descriptions());
    PCollection<Row> enriched = waitingLookup(all, handler, Duration.standardMinutes(1));
    handler.close();
    PAssert.that(sites(enriched))
        .containsInAnyOrder("r1@north", "r2@south", "r3@south", "r6@east", "r7@east");
    PAssert.that(idsInOrder(enriched)).containsInAnyOrder("d1:r1", "d2:r2,r3", "d3:r6,r7");
    PAssert.that(handler.getOutput())
        .containsInAnyOrder(
            "site_of_device/no_match_after_wait: no table row had key sha256:f0b8e894c1e3 (field 'device_id')"
                + " within the wait of PT60S");
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "site_of_device"),
        6,
        5,
        Map.of("no_match_after_wait", 1L),
        Map.of());
  }
}
