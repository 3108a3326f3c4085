package io.tributary.transforms.lookup;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.isIn;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PeriodicImpulse;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * A refreshing table on an unbounded main input: rows enriched after a refresh carry the new
 * snapshot's values. The main input and the refresh ticks are real {@code PeriodicImpulse}s (wall
 * clock), stopped after 15 s so the pipeline finishes; TestStream cannot drive this, since its
 * processing-time advances do not move {@code PeriodicImpulse}. Nothing is timed: the assertion is
 * on which snapshots the rows saw.
 */
@RunWith(JUnit4.class)
public class LookupRefreshTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  /** Reads so far, in this JVM (Direct and embedded Flink run in the test's JVM). */
  static final AtomicInteger READS = new AtomicInteger();

  /** Device d1 is at site "old" in the first two snapshots and at "new" from the third on. */
  static final class MovingDevice implements ReferenceTable {
    private static final long serialVersionUID = 1L;

    @Override
    public String name() {
      return "moving_device";
    }

    @Override
    public Schema schema() {
      return LookupTableTest.DEVICE;
    }

    @Override
    public void read(Consumer<Row> rows) {
      String site = READS.incrementAndGet() <= 2 ? "old" : "new";
      rows.accept(LookupTableTest.device("d1", site));
    }
  }

  @Test
  public void rowsAfterARefreshSeeTheNewSnapshot() {
    READS.set(0);
    Instant start = Instant.now();
    // One reading of device d1 every 250 ms for 15 s; the table is re-read every second. The
    // third read (about 2 s after the pipeline started) moves d1: even a pipeline that takes
    // several seconds to start on a busy machine has readings after it.
    PCollection<Row> readings =
        p.apply(
                "Ticks",
                PeriodicImpulse.create()
                    .withInterval(Duration.millis(250))
                    .stopAt(start.plus(Duration.standardSeconds(15))))
            .apply(
                "Readings",
                MapElements.into(TypeDescriptors.rows())
                    .via(t -> LookupTableTest.reading("r" + t.getMillis(), "d1")))
            .setRowSchema(LookupTableTest.READING);
    PCollection<String> sites =
        readings
            .apply(
                Lookup.fromTable(new MovingDevice())
                    .by("device_id")
                    .withField("site")
                    .withMissingKey(MissingKey.DEAD_LETTER)
                    .withRefresh(Duration.standardSeconds(1))
                    .withRefreshUntil(start.plus(Duration.standardSeconds(16))))
            .apply(
                "Site", MapElements.into(TypeDescriptors.strings()).via(r -> r.getString("site")));
    PAssert.that(sites)
        .satisfies(
            all -> {
              List<String> seen = new ArrayList<>();
              all.forEach(seen::add);
              // Each row saw a snapshot (none was rejected as no_match: the table always has d1),
              // and the rows after the third read saw the refreshed site.
              assertThat(seen, everyItem(isIn(Set.of("old", "new"))));
              assertThat(seen, hasItems("new"));
              return null;
            });
    p.run().waitUntilFinish();
  }
}
