package io.tributary.io.jdbc;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.tributary.transforms.metrics.StageGraph;
import io.tributary.transforms.metrics.StageRole;
import java.math.BigDecimal;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.logicaltypes.SqlTypes;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** SQL generation and configuration of PostgresUpsert, without a database. */
@RunWith(JUnit4.class)
public class PostgresUpsertTest {
  static final Schema MART =
      Schema.builder()
          .addLogicalTypeField("dt", SqlTypes.DATE)
          .addStringField("category")
          .addInt64Field("orders")
          .addDecimalField("revenue")
          .addNullableField("note", Schema.FieldType.STRING)
          .build();

  @Test
  public void ddlAndUpsertFollowTheSchema() {
    PostgresTable t =
        PostgresTable.of("mart.daily_revenue", MART, List.of("dt", "category"), "pane_index");
    assertEquals(
        "CREATE TABLE IF NOT EXISTS \"mart\".\"daily_revenue\" (\n"
            + "  \"dt\" date NOT NULL,\n  \"category\" text NOT NULL,\n  \"orders\" bigint NOT NULL,\n"
            + "  \"revenue\" numeric NOT NULL,\n  \"note\" text,\n  \"pane_index\" bigint NOT NULL,\n"
            + "  PRIMARY KEY (\"dt\", \"category\")\n)",
        t.createSql());
    assertThat(
        t.upsertSql(),
        containsString(
            "ON CONFLICT (\"dt\", \"category\") DO UPDATE SET \"orders\" = EXCLUDED.\"orders\""));
    assertThat(t.upsertSql(), containsString("WHERE t.\"pane_index\" <= EXCLUDED.\"pane_index\""));
    assertEquals(
        "DELETE FROM \"mart\".\"daily_revenue\" WHERE \"dt\" = ? AND \"category\" = ?",
        t.deleteSql());
  }

  @Test
  public void constructionErrorsNameTheProblem() {
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> PostgresTable.of("x", MART, List.of("nope"), null))
            .getMessage(),
        containsString("'nope' is not in the schema"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> PostgresTable.of("x; drop table y", MART, List.of("dt"), null))
            .getMessage(),
        containsString("table name"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    PostgresUpsert.into(JdbcTarget.of("jdbc:postgresql://h/db", "u", "p"), "t")
                        .withBatchSize(0))
            .getMessage(),
        containsString("withBatchSize: rows must be > 0"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> JdbcTarget.of("jdbc:h2:mem:x", "u", "p"))
            .getMessage(),
        containsString("PostgreSQL JDBC URL"));
  }

  @Test
  public void retriesBackOffExponentiallyUpToTheLongestWaitAndNameBadValues() {
    JdbcTarget db = JdbcTarget.of("jdbc:postgresql://h/db", "u", "p");
    PostgresTable table = PostgresTable.of("t", MART, List.of("dt", "category"), null);
    PostgresWriter w = new PostgresWriter(db, table, 8, 200, 1000, null);
    assertEquals(
        List.of(200L, 400L, 800L, 1000L, 1000L),
        java.util.stream.IntStream.range(0, 5)
            .mapToObj(w::backoffMillis)
            .collect(java.util.stream.Collectors.toList()));
    assertEquals(
        Long.MAX_VALUE,
        new PostgresWriter(db, table, 80, 1, Long.MAX_VALUE, null).backoffMillis(70));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> PostgresUpsert.into(db, "t").withRetryBackoff(500, 100))
            .getMessage(),
        containsString(
            "PostgresUpsert.withRetryBackoff: maxMillis must be >= initialMillis (500), got 100"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class, () -> PostgresUpsert.into(db, "t").withRetries(-1))
            .getMessage(),
        containsString("PostgresUpsert.withRetries: maxRetries must be >= 0, got -1"));
    assertThat(
        DisplayData.from(PostgresUpsert.into(db, "t").withPrimaryKey("k")).toString(),
        allOf(containsString("maxRetries=8"), containsString("maxBackoffMillis=10000")));
  }

  @Test
  public void connectionErrorsAreTransientDataErrorsAreNot() {
    for (String state : new String[] {"08001", "08006", "57P01", "57P03", "40001", "40P01"}) {
      assertTrue(state, PostgresWriter.isTransient(new java.sql.SQLException("x", state)));
    }
    for (String state : new String[] {"23505", "22003", "42P01", "28P01"}) {
      assertFalse(state, PostgresWriter.isTransient(new java.sql.SQLException("x", state)));
    }
    assertTrue(
        PostgresWriter.isTransient(
            new java.sql.SQLException(
                "refused", (String) null, new java.net.ConnectException("Connection refused"))));
    assertFalse(PostgresWriter.isTransient(new java.sql.SQLException("no state")));
    assertEquals(
        "app@jdbc:postgresql://h/db?user=app&password=***&ssl=true",
        JdbcTarget.of("jdbc:postgresql://h/db?user=app&password=s3cret&ssl=true", "app", "")
            .toString());
  }

  @Test
  public void displayDataListsSettingsButNotThePassword() {
    String data =
        DisplayData.from(
                PostgresUpsert.into(
                        JdbcTarget.of("jdbc:postgresql://h:5432/shop", "app", "s3cret"),
                        "shop.orders")
                    .withPrimaryKey("order_id")
                    .withDeleteFlag("__deleted")
                    .withBatchSize(100)
                    .withRetries(2, 50))
            .toString();
    assertThat(data, containsString("app@jdbc:postgresql://h:5432/shop"));
    assertThat(data, containsString("shop.orders"));
    assertThat(data, containsString("order_id"));
    assertThat(data, containsString("__deleted"));
    assertThat(data, containsString("batchSize=100"));
    assertThat(data, not(containsString("s3cret")));
  }

  @Test
  public void displayDataShowsPartitionReplaces() {
    JdbcTarget db = JdbcTarget.of("jdbc:postgresql://h:5432/shop", "app", "");
    assertThat(
        DisplayData.from(
                PostgresUpsert.into(db, "mart")
                    .withPrimaryKey("dt", "category")
                    .withReplacedPartitions("dt", java.util.List.of("2026-11-01")))
            .toString(),
        containsString("partitions of dt incl. 2026-11-01"));
    assertThat(
        DisplayData.from(
                PostgresUpsert.into(db, "mart")
                    .withPrimaryKey("dt", "category")
                    .withReplacedTable())
            .toString(),
        containsString("whole table"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    PostgresUpsert.into(db, "mart").withReplacedPartitions("", java.util.List.of()))
            .getMessage(),
        containsString("PostgresUpsert.withReplacedPartitions: column must not be empty"));
  }

  @Test
  public void anAccountedSinkStageNamedAfterItsTable() {
    JdbcTarget db = JdbcTarget.of("jdbc:postgresql://h:5432/shop", "app", "");
    PostgresUpsert orders = PostgresUpsert.into(db, "shop.orders").withPrimaryKey("order_id");
    assertEquals("serve_shop_orders", orders.stageName());
    assertEquals(StageRole.SINK, orders.stageRole());
    assertEquals("orders_db", orders.withStageName("orders_db").stageName());
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> orders.withStageName("orders/db"))
            .getMessage(),
        containsString("PostgresUpsert.withStageName: a stage name must be lower_snake_case"));
    assertEquals("serve_mart", PostgresReplace.wholeTable(db, "Mart").stageName());
    assertEquals(StageRole.SINK, PostgresReplace.wholeTable(db, "mart").stageRole());
    // The replace keeps every setting of the upsert it came from, the stage name included.
    PostgresReplace replace =
        PostgresUpsert.into(db, "mart")
            .withPrimaryKey("dt", "category")
            .withBatchSize(7)
            .withStageName("mart_db")
            .withReplacedPartitions("dt", List.of());
    assertEquals("mart_db", replace.stageName());
    assertThat(DisplayData.from(replace).toString(), containsString("batchSize=7"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    PostgresUpsert.into(db, "mart")
                        .withPrimaryKey("dt")
                        .withDeleteFlag("__deleted")
                        .withReplacedTable())
            .getMessage(),
        containsString(
            "PostgresUpsert.withReplacedTable: cannot be combined with withDeleteFlag()"));

    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    PCollection<Row> rows =
        p.apply(
            Create.of(
                    Row.withSchema(MART)
                        .addValues(
                            java.time.LocalDate.of(2026, 11, 1), "a", 1L, BigDecimal.ONE, null)
                        .build())
                .withCoder(RowCoder.of(MART)));
    rows.apply("Upsert", PostgresUpsert.into(db, "mart").withPrimaryKey("dt", "category"));
    rows.apply(
        "Replace",
        PostgresReplace.partitions(db, "mart_by_day", "dt", List.of("2026-11-01"))
            .withPrimaryKey("dt", "category"));
    StageGraph graph = StageGraph.of(p);
    assertEquals(StageRole.SINK, graph.stage("serve_mart").role());
    assertEquals("Upsert", graph.stage("serve_mart").transform());
    assertEquals("Replace", graph.stage("serve_mart_by_day").transform());
    // A second sink into the same table needs a name of its own.
    rows.apply("Again", PostgresUpsert.into(db, "mart").withPrimaryKey("dt", "category"));
    assertThat(
        assertThrows(IllegalStateException.class, () -> StageGraph.of(p)).getMessage(),
        containsString("withStageName"));
  }
}
