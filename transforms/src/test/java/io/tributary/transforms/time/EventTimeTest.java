package io.tributary.transforms.time;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.tributary.testing.Counters;
import io.tributary.transforms.errors.Rejection;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.metrics.StageGraph;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** EventTime stamps rows from a field and rejects event times outside the RecordLimits range. */
@RunWith(JUnit4.class)
public class EventTimeTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final Schema SCHEMA =
      Schema.builder().addStringField("id").addDateTimeField("at").build();

  /** Joda can hold year +292278994 and year -0001; Beam cannot output the first as a timestamp. */
  private static Instant at(String iso) {
    return new Instant(java.time.Instant.parse(iso).toEpochMilli());
  }

  private static Row row(String id, Instant at) {
    return Row.withSchema(SCHEMA).addValues(id, at).build();
  }

  /** Collects bad records as "stage/reason" strings. */
  static final class ReasonsSink extends PTransform<PCollection<BadRecord>, PCollection<String>> {
    @Override
    public PCollection<String> expand(PCollection<BadRecord> input) {
      return input.apply(
          MapElements.into(TypeDescriptors.strings())
              .via(
                  r -> {
                    Rejection d = Rejection.from(r);
                    return d.stage() + "/" + d.reason();
                  }));
    }
  }

  /** "id@millis" of each element's timestamp, to check the stamping. */
  static final class TimestampFn extends DoFn<Row, String> {
    @ProcessElement
    public void process(@Element Row row, @Timestamp Instant ts, OutputReceiver<String> out) {
      out.output(row.getString("id") + "@" + ts.getMillis());
    }
  }

  @Test
  public void outOfRangeEventTimesBecomeDeadLettersWithARealHandler() {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new ReasonsSink());
    Instant ok = at("2026-11-01T09:00:00Z");
    PCollection<Row> stamped =
        p.apply(
                Create.of(
                        row("ok", ok),
                        row("first", RecordLimits.DEFAULT_MIN_EVENT_TIME),
                        row("far", at("+292278994-01-01T00:00:00Z")),
                        row("bc", at("-0001-01-01T00:00:00Z")),
                        row("y10k", RecordLimits.DEFAULT_MAX_EVENT_TIME))
                    .withRowSchema(SCHEMA))
            .apply(
                "EventTime",
                EventTime.fromField("at")
                    .withLimits(RecordLimits.defaults())
                    .withBadRecordErrorHandler(handler));
    handler.close();

    PAssert.that(stamped.apply(ParDo.of(new TimestampFn())))
        .containsInAnyOrder(
            "ok@" + ok.getMillis(), "first@" + RecordLimits.DEFAULT_MIN_EVENT_TIME.getMillis());
    PAssert.that(handler.getOutput())
        .containsInAnyOrder(
            "event_time/out_of_range", "event_time/out_of_range", "event_time/out_of_range");
    StageGraph graph = StageGraph.of(p);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertEquals(3, Counters.get(result, "dead_letter.event_time.out_of_range"));
    Counters.assertStage(
        Counters.stage(result, graph, "event_time"), 5, 2, Map.of("out_of_range", 3L), Map.of());
  }

  @Test
  public void narrowerLimitsAndStageApply() {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new ReasonsSink());
    PCollection<Row> stamped =
        p.apply(
                Create.of(
                        row("old", at("2019-12-31T23:59:59Z")),
                        row("new", at("2020-06-01T00:00:00Z")))
                    .withRowSchema(SCHEMA))
            .apply(
                EventTime.fromField("at")
                    .withLimits(
                        RecordLimits.defaults()
                            .withEventTimeRange(
                                at("2020-01-01T00:00:00Z"), at("2021-01-01T00:00:00Z")))
                    .withStageName("stamp")
                    .withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(
            stamped.apply(MapElements.into(TypeDescriptors.strings()).via(r -> r.getString("id"))))
        .containsInAnyOrder("new");
    PAssert.that(handler.getOutput()).containsInAnyOrder("stamp/out_of_range");
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "stamp"), 2, 1, Map.of("out_of_range", 1L), Map.of());
  }

  @Test
  public void withoutHandlerAnOutOfRangeEventTimeFailsThePipelineWithTheReason() {
    p.apply(Create.of(row("far", at("+292278994-01-01T00:00:00Z"))).withRowSchema(SCHEMA))
        .apply(EventTime.fromField("at"));
    Exception e = assertThrows(Exception.class, () -> p.run().waitUntilFinish());
    StringBuilder causes = new StringBuilder();
    for (Throwable t = e; t != null && causes.length() < 10_000; t = t.getCause()) {
      causes.append(t.getMessage()).append(" | ");
    }
    assertThat(causes.toString(), containsString("event time field 'at' must be in ["));
  }

  @Test
  public void constructionErrorsAndDisplayData() {
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> EventTime.fromField(" ")).getMessage(),
        containsString("EventTime.fromField"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class, () -> EventTime.fromField("at").withLimits(null))
            .getMessage(),
        containsString("EventTime.withLimits"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> EventTime.fromField("at").withBadRecordErrorHandler(null))
            .getMessage(),
        containsString("EventTime.withBadRecordErrorHandler"));
    assertThrows(IllegalArgumentException.class, () -> EventTime.fromField("at").withStageName(""));
    DisplayData data = DisplayData.from(EventTime.fromField("at").withStageName("stamp"));
    assertThat(data.toString(), containsString("stamp"));
    assertThat(data.asMap().keySet().toString(), containsString("eventTimeRange"));
    p.enableAbandonedNodeEnforcement(false);
  }
}
