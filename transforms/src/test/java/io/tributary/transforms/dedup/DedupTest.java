package io.tributary.transforms.dedup;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.tributary.transforms.metrics.RunAccounting;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class DedupTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final Schema SCHEMA =
      Schema.builder().addStringField("id").addInt64Field("n").build();
  private static final Instant T0 = new Instant(1_793_523_600_000L); // 2026-11-01T09:00Z

  private static TimestampedValue<Row> at(String id, long n, Duration offset) {
    return TimestampedValue.of(Row.withSchema(SCHEMA).addValues(id, n).build(), T0.plus(offset));
  }

  @Test
  public void dropsRepeatsCountsThemAndCatchesRepeatsAcrossWindowBoundaries() {
    // "b" is re-sent 2 minutes later: its copy falls into the next 1-minute window, which a
    // per-window dedup would miss. Dedup runs before windowing, so it is caught.
    PCollection<Row> input =
        p.apply(
                Create.timestamped(
                        at("a", 1, Duration.ZERO),
                        at("b", 2, Duration.standardSeconds(59)),
                        at("a", 1, Duration.standardSeconds(10)),
                        at("b", 2, Duration.standardSeconds(179)),
                        at("c", 3, Duration.standardSeconds(30)))
                    .withCoder(RowCoder.of(SCHEMA)))
            .setRowSchema(SCHEMA);
    Dedup.Result<Row> result =
        input.apply(Dedup.<Row>byField("id").withTtl(Duration.standardHours(1)));
    PCollection<Row> unique =
        result.output().apply(Window.into(FixedWindows.of(Duration.standardMinutes(1))));
    PAssert.that(unique)
        .containsInAnyOrder(
            Row.withSchema(SCHEMA).addValues("a", 1L).build(),
            Row.withSchema(SCHEMA).addValues("b", 2L).build(),
            Row.withSchema(SCHEMA).addValues("c", 3L).build());
    PAssert.that(result.duplicates())
        .containsInAnyOrder(
            Row.withSchema(SCHEMA).addValues("a", 1L).build(),
            Row.withSchema(SCHEMA).addValues("b", 2L).build());
    PipelineResult run = p.run();
    run.waitUntilFinish();
    assertEquals(2L, RunAccounting.from(run).deduplicated());
  }

  @Test
  public void ttlMustBePositive() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Dedup.byField("id").withTtl(Duration.ZERO));
    assertThat(e.getMessage(), containsString("Dedup.withTtl: ttl must be > 0"));
  }

  @Test
  public void inputWithoutSchemaIsRejectedNamingTheFix() {
    PCollection<String> strings = p.apply(Create.of("x"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> strings.apply(Dedup.<String>byField("id")));
    assertThat(e.getMessage(), containsString("has no schema"));
    p.enableAbandonedNodeEnforcement(false);
  }

  @Test
  public void displayDataShowsFieldAndTtl() {
    String data =
        DisplayData.from(Dedup.byField("event_id").withTtl(Duration.standardHours(2))).toString();
    assertThat(data, containsString("event_id"));
    assertThat(data, containsString("2h"));
  }
}
