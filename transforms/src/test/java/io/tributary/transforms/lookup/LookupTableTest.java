package io.tributary.transforms.lookup;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.tributary.testing.Counters;
import io.tributary.transforms.metrics.StageGraph;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline.PipelineExecutionException;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.MapCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Lookup from a {@link ReferenceTable} on a bounded input (read once), the missing-key rules with
 * their exact counters, and the row limit.
 */
@RunWith(JUnit4.class)
public class LookupTableTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Schema READING =
      Schema.builder().addStringField("reading_id").addNullableStringField("device_id").build();
  static final Schema DEVICE =
      Schema.builder().addStringField("device_id").addStringField("site").build();

  static Row reading(String id, String device) {
    return Row.withSchema(READING).addValues(id, device).build();
  }

  static Row device(String id, String site) {
    return Row.withSchema(DEVICE).addValues(id, site).build();
  }

  static final List<Row> DEVICES = List.of(device("d1", "north"), device("d2", "south"));

  private PCollection<Row> readings() {
    return readings("Readings");
  }

  private PCollection<Row> readings(String name) {
    return p.apply(
        name,
        Create.of(
                reading("r1", "d1"), reading("r2", "d2"), reading("r3", "d9"), reading("r4", null))
            .withRowSchema(READING));
  }

  private static Row out(Schema s, String id, String device, String site) {
    return Row.withSchema(s).addValues(id, device, site).build();
  }

  /** The description of each bad record: {@code <stage>/<reason>: <message>}. */
  static final class Descriptions extends PTransform<PCollection<BadRecord>, PCollection<String>> {
    @Override
    public PCollection<String> expand(PCollection<BadRecord> input) {
      return input.apply(
          MapElements.into(TypeDescriptors.strings()).via(r -> r.getFailure().getDescription()));
    }
  }

  @Test
  public void aTableReadOnceGivesWhatTheStaticLookupGives() {
    PCollection<Row> fromTable =
        readings()
            .apply(
                "FromTable",
                Lookup.fromTable(new RowsTable("devices", DEVICE, DEVICES))
                    .by("device_id")
                    .withField("site")
                    .withDefault("site", "unknown"));
    PCollection<Row> fromCollection =
        readings("SameReadings")
            .apply(
                "FromCollection",
                Lookup.from(p.apply("Devices", Create.of(DEVICES).withRowSchema(DEVICE)))
                    .by("device_id")
                    .withField("site")
                    .withDefault("site", "unknown"));
    assertEquals(fromCollection.getSchema(), fromTable.getSchema());
    Schema s = fromTable.getSchema();
    List<Row> expected =
        List.of(
            out(s, "r1", "d1", "north"),
            out(s, "r2", "d2", "south"),
            out(s, "r3", "d9", "unknown"),
            out(s, "r4", null, "unknown"));
    PAssert.that(fromTable).containsInAnyOrder(expected);
    PAssert.that(fromCollection).containsInAnyOrder(expected);
    p.run();
  }

  @Test
  public void fillNullsWithAStageNameCountsEveryRowOut() {
    PCollection<Row> enriched =
        readings()
            .apply(
                Lookup.fromTable(new RowsTable("devices", DEVICE, DEVICES))
                    .by("device_id")
                    .withField("site")
                    .withStageName("site_of_device"));
    Schema s = enriched.getSchema();
    assertEquals(true, s.getField("site").getType().getNullable());
    PAssert.that(enriched)
        .containsInAnyOrder(
            out(s, "r1", "d1", "north"),
            out(s, "r2", "d2", "south"),
            out(s, "r3", "d9", null),
            out(s, "r4", null, null));
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(Counters.stage(run, graph, "site_of_device"), 4, 4, Map.of(), Map.of());
  }

  @Test
  public void deadLetterRejectsRowsWithoutAMatchAndTheStageBalances() {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new Descriptions());
    PCollection<Row> enriched =
        readings()
            .apply(
                Lookup.fromTable(new RowsTable("devices", DEVICE, DEVICES))
                    .by("device_id")
                    .withField("site")
                    .withMissingKey(MissingKey.DEAD_LETTER)
                    .withBadRecordErrorHandler(handler));
    handler.close();
    Schema s = enriched.getSchema();
    // Every row that goes out has a match, so the added field keeps the table's (required) type.
    assertEquals(false, s.getField("site").getType().getNullable());
    PAssert.that(enriched)
        .containsInAnyOrder(out(s, "r1", "d1", "north"), out(s, "r2", "d2", "south"));
    PAssert.that(handler.getOutput())
        .containsInAnyOrder(
            "lookup/no_match: no table row has key sha256:f0b8e894c1e3 (field 'device_id')",
            "lookup/no_match: the key field 'device_id' is null");
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "lookup"), 4, 2, Map.of("no_match", 2L), Map.of());
  }

  @Test
  public void deadLetterWorksWithTheStaticTableToo() {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new Descriptions());
    PCollection<Row> enriched =
        readings()
            .apply(
                Lookup.from(p.apply("Devices", Create.of(DEVICES).withRowSchema(DEVICE)))
                    .by("device_id")
                    .withField("site")
                    .withMissingKey(MissingKey.DEAD_LETTER)
                    .withStageName("site_of_device")
                    .withBadRecordErrorHandler(handler));
    handler.close();
    Schema s = enriched.getSchema();
    PAssert.that(enriched)
        .containsInAnyOrder(out(s, "r1", "d1", "north"), out(s, "r2", "d2", "south"));
    PAssert.that(handler.getOutput())
        .containsInAnyOrder(
            "site_of_device/no_match: no table row has key sha256:f0b8e894c1e3 (field 'device_id')",
            "site_of_device/no_match: the key field 'device_id' is null");
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "site_of_device"), 4, 2, Map.of("no_match", 2L), Map.of());
  }

  @Test
  public void newestSnapshotWinsAPane() {
    // A pane holding several reads (a read slower than the refresh period) gives the newest one.
    Schema site = Schema.builder().addStringField("site").build();
    Map<String, Row> v1 = Map.of("d1", Row.withSchema(site).addValue("old").build());
    Map<String, Row> v2 = Map.of("d1", Row.withSchema(site).addValue("new").build());
    Map<String, Row> v3 = Map.of("d1", Row.withSchema(site).addValue("newest").build());
    PCollection<Map<String, Row>> newest =
        p.apply(
                Create.of(KV.of(1000L, v1), KV.of(3000L, v3), KV.of(2000L, v2))
                    .withCoder(
                        KvCoder.of(
                            VarLongCoder.of(),
                            MapCoder.of(StringUtf8Coder.of(), RowCoder.of(site)))))
            .apply(Combine.globally(new Lookup.NewestFn()).withoutDefaults())
            .setCoder(MapCoder.of(StringUtf8Coder.of(), RowCoder.of(site)));
    PAssert.that(newest).containsInAnyOrder(v3);
    p.run();
  }

  @Test
  public void aTableOverTheRowLimitFailsTheReadNamingTableAndLimit() {
    readings()
        .apply(
            Lookup.fromTable(
                    new RowsTable(
                        "devices",
                        DEVICE,
                        List.of(device("d1", "a"), device("d2", "b"), device("d3", "c"))))
                .by("device_id")
                .withField("site")
                .withMaxRows(2));
    PipelineExecutionException e = assertThrows(PipelineExecutionException.class, () -> p.run());
    assertThat(
        e.getMessage(),
        containsString("table 'devices' has more than 2 rows, the limit of withMaxRows"));
  }

  @Test
  public void aTableWithAKeyTwiceFailsTheReadNamingIt() {
    readings()
        .apply(
            Lookup.fromTable(
                    new RowsTable("devices", DEVICE, List.of(device("d1", "a"), device("d1", "b"))))
                .by("device_id")
                .withField("site"));
    PipelineExecutionException e = assertThrows(PipelineExecutionException.class, () -> p.run());
    assertThat(
        e.getMessage(),
        containsString(
            "table 'devices' has more than one row with key sha256:8b53639f152c (field 'device_id')"));
  }

  @Test
  public void badSettingsNameTheCall() {
    Lookup table = Lookup.fromTable(new RowsTable("devices", DEVICE, DEVICES));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> table.withMaxRows(0)).getMessage(),
        containsString("Lookup.withMaxRows: max must be > 0, got 0"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> table.withRefresh(org.joda.time.Duration.millis(10)))
            .getMessage(),
        containsString("Lookup.withRefresh: period must be at least 1 second"));
    Lookup deadLetters =
        table
            .by("device_id")
            .withField("site")
            .withDefault("site", "unknown")
            .withMissingKey(MissingKey.DEAD_LETTER);
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> deadLetters.outputSchema(READING))
            .getMessage(),
        containsString("defaults apply to missing keys only with MissingKey.FILL_NULLS"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> MissingKey.parse("later")).getMessage(),
        containsString("expected one of dead_letter, fill_nulls, wait, got 'later'"));
  }

  @Test
  public void displayDataListsEverySetting() {
    DisplayData d =
        DisplayData.from(
            Lookup.fromTable(new RowsTable("devices", DEVICE, DEVICES))
                .by("device_id")
                .withField("site")
                .withMissingKey(MissingKey.DEAD_LETTER)
                .withRefresh(org.joda.time.Duration.standardMinutes(5))
                .withMaxRows(1000));
    assertThat(d.toString(), containsString("devices"));
    assertThat(d.toString(), containsString("DEAD_LETTER"));
    assertThat(d.toString(), containsString("PT300S"));
    assertThat(d.toString(), containsString("1000"));
  }
}
