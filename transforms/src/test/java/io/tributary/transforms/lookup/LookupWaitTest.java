package io.tributary.transforms.lookup;

import static io.tributary.transforms.lookup.LookupTableTest.DEVICE;
import static io.tributary.transforms.lookup.LookupTableTest.DEVICES;
import static io.tributary.transforms.lookup.LookupTableTest.READING;
import static io.tributary.transforms.lookup.LookupTableTest.reading;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.tributary.testing.Counters;
import io.tributary.transforms.lookup.LookupTableTest.Descriptions;
import io.tributary.transforms.metrics.StageGraph;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@link MissingKey#WAIT} on a bounded input (both runners): the table is read once, so a missing
 * key cannot appear; held rows take the after-wait rule when the input ends, none is lost, and the
 * stage balances. Nothing is timed: the bound is an hour, so only the end of input releases them.
 * {@code LookupWaitStreamTest} covers a key that appears after a refresh and the bound (Direct).
 */
@RunWith(JUnit4.class)
public class LookupWaitTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private PCollection<Row> readings() {
    return p.apply(
        "Readings",
        Create.of(
                reading("r1", "d1"),
                reading("r2", "d9"),
                reading("r3", "d9"),
                reading("r4", null),
                reading("r5", "d2"))
            .withRowSchema(READING));
  }

  private static Lookup waiting() {
    return Lookup.fromTable(new RowsTable("devices", DEVICE, DEVICES))
        .by("device_id")
        .withField("site")
        .withRefresh(Duration.standardSeconds(10))
        .withMissingKey(MissingKey.WAIT)
        .withMaxWait(Duration.standardHours(1));
  }

  private static Row out(Schema s, String id, String device, String site) {
    return Row.withSchema(s).addValues(id, device, site).build();
  }

  @Test
  public void heldRowsAreDeadLettersAtTheEndOfInput() {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new Descriptions());
    PCollection<Row> enriched =
        readings()
            .apply(waiting().withStageName("site_of_device").withBadRecordErrorHandler(handler));
    handler.close();
    Schema s = enriched.getSchema();
    // Every row that goes out has a match (the after-wait rule is dead letters): site stays
    // required.
    assertEquals(false, s.getField("site").getType().getNullable());
    PAssert.that(enriched)
        .containsInAnyOrder(out(s, "r1", "d1", "north"), out(s, "r5", "d2", "south"));
    PAssert.that(handler.getOutput())
        .containsInAnyOrder(
            "site_of_device/no_match_after_wait: no table row had key sha256:f0b8e894c1e3 (field 'device_id')"
                + " when the input ended",
            "site_of_device/no_match_after_wait: no table row had key sha256:f0b8e894c1e3 (field 'device_id')"
                + " when the input ended",
            "site_of_device/no_match: the key field 'device_id' is null");
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "site_of_device"),
        5,
        2,
        Map.of("no_match_after_wait", 2L, "no_match", 1L),
        Map.of());
  }

  @Test
  public void heldRowsFillDefaultsAtTheEndOfInputWhenAskedTo() {
    PCollection<Row> enriched =
        readings()
            .apply(
                waiting().withAfterWait(MissingKey.FILL_NULLS).withDefault("site", "unregistered"));
    Schema s = enriched.getSchema();
    PAssert.that(enriched)
        .containsInAnyOrder(
            out(s, "r1", "d1", "north"),
            out(s, "r2", "d9", "unregistered"),
            out(s, "r3", "d9", "unregistered"),
            out(s, "r4", null, "unregistered"),
            out(s, "r5", "d2", "south"));
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    // A waiting lookup is a stage even when it fills: every row in went out once.
    Counters.assertStage(Counters.stage(run, graph, Lookup.STAGE), 5, 5, Map.of(), Map.of());
  }

  @Test
  public void badWaitSettingsNameTheCall() {
    Lookup base =
        Lookup.fromTable(new RowsTable("devices", DEVICE, DEVICES))
            .by("device_id")
            .withField("site");
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    base.withMissingKey(MissingKey.WAIT)
                        .withMaxWait(Duration.standardMinutes(1))
                        .outputSchema(READING))
            .getMessage(),
        containsString("Lookup.withMissingKey(MissingKey.WAIT): needs withRefresh(period)"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    base.withRefresh(Duration.standardMinutes(1))
                        .withMissingKey(MissingKey.WAIT)
                        .outputSchema(READING))
            .getMessage(),
        containsString("Lookup.withMissingKey(MissingKey.WAIT): needs withMaxWait(bound)"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    base.withRefresh(Duration.standardMinutes(10))
                        .withMissingKey(MissingKey.WAIT)
                        .withMaxWait(Duration.standardMinutes(1))
                        .outputSchema(READING))
            .getMessage(),
        containsString(
            "Lookup.withMaxWait: bound PT60S is shorter than the refresh period PT600S"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> base.withMaxWait(Duration.standardMinutes(1)).outputSchema(READING))
            .getMessage(),
        containsString(
            "Lookup.withMaxWait: applies to MissingKey.WAIT only, the rule is FILL_NULLS"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> base.withMaxWait(Duration.ZERO))
            .getMessage(),
        containsString("Lookup.withMaxWait: bound must be > 0, got PT0S"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> base.withAfterWait(MissingKey.WAIT))
            .getMessage(),
        containsString("Lookup.withAfterWait: rule must be DEAD_LETTER or FILL_NULLS, got WAIT"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> waiting().withDefault("site", "unknown").outputSchema(READING))
            .getMessage(),
        containsString("defaults apply to missing keys only with MissingKey.FILL_NULLS (or WAIT"));
  }

  @Test
  public void waitNeedsTheGlobalWindow() {
    Pipeline windowed = Pipeline.create();
    PCollection<Row> rows =
        windowed
            .apply(Create.of(reading("r1", "d1")).withRowSchema(READING))
            .apply(Window.into(FixedWindows.of(Duration.standardMinutes(1))));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> rows.apply(waiting())).getMessage(),
        containsString(
            "Lookup.withMissingKey(MissingKey.WAIT): the input must be in the global window"));
  }

  @Test
  public void displayDataListsTheWait() {
    DisplayData d = DisplayData.from(waiting().withAfterWait(MissingKey.FILL_NULLS));
    assertThat(d.toString(), containsString("WAIT"));
    assertThat(d.toString(), containsString("PT3600S"));
    assertThat(d.toString(), containsString("FILL_NULLS"));
  }
}
