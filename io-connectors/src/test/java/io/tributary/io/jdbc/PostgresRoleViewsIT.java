package io.tributary.io.jdbc;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.tributary.io.jdbc.testing.Postgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Least-privilege serving on a real PostgreSQL 16 server: the serving step creates the roles, one
 * view per role and the grants from a declarative config; then the test logs in as each role and
 * checks what it can and cannot read. No pipeline runs here, so the result is the same on both
 * failsafe executions.
 */
@RunWith(JUnit4.class)
public class PostgresRoleViewsIT {
  static final String CONFIG =
      "{\"table\": \"public.customers\", \"schema\": \"serving\", \"roles\": ["
          + "{\"role\": \"analyst\", \"columns\": {\"customer_id\": \"clear\", \"email_token\": \"clear\", \"country\": \"clear\"}},"
          + "{\"role\": \"support\", \"columns\": {\"customer_id\": \"clear\", \"email\": \"mask:email\", \"ip\": \"mask:ipv4\","
          + " \"phone\": \"mask:last4\"}}]}";

  private JdbcTarget setUp() {
    JdbcTarget db = Postgres.server().freshDatabase();
    Postgres.server()
        .execute(
            db,
            "CREATE TABLE customers (customer_id text PRIMARY KEY, email text, email_token text, ip text, phone text, country text)",
            "INSERT INTO customers VALUES ('u-00001', 'ana@example.com', 'tk:k1:AAA', '203.0.113.7', '600123456', 'ES'),"
                + " ('u-00002', 'bo@example.com', 'tk:k1:BBB', '198.51.100.9', '0612', 'FR'), ('u-00003', NULL, NULL, NULL, NULL, 'DE')");
    return db;
  }

  /**
   * Logs in as {@code role}; the harness URL carries {@code ?user=postgres}, which would win, so it
   * is cut.
   */
  private static Connection as(JdbcTarget db, String role) throws SQLException {
    Connection c =
        DriverManager.getConnection(db.url().replaceFirst("\\?.*$", ""), role, role + "-secret");
    assertEquals(List.of("current_user", role), query(c, "SELECT current_user"));
    return c;
  }

  private static List<String> query(Connection c, String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      ResultSetMetaData md = rs.getMetaData();
      List<String> header = new ArrayList<>();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        header.add(md.getColumnName(i));
      }
      rows.add(String.join(",", header));
      while (rs.next()) {
        List<String> values = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          values.add(rs.getString(i));
        }
        rows.add(String.join(",", values));
      }
    }
    return rows;
  }

  private static SQLException denied(Connection c, String sql) {
    SQLException e = assertThrows(SQLException.class, () -> query(c, sql));
    assertEquals(e.getMessage(), "42501", e.getSQLState()); // insufficient_privilege
    return e;
  }

  @Test
  public void eachRoleReadsOnlyItsViewAndNeverTheBaseTable() throws Exception {
    JdbcTarget db = setUp();
    PostgresRoleViews views =
        PostgresRoleViews.fromJson(CONFIG, "test")
            .withLoginPassword("analyst", "analyst-secret")
            .withLoginPassword("support", "support-secret");
    views.apply(db);
    views.apply(db); // idempotent: roles exist, views are replaced, grants re-issued

    try (Connection analyst = as(db, "analyst")) {
      assertEquals(
          List.of(
              "customer_id,email_token,country",
              "u-00001,tk:k1:AAA,ES",
              "u-00002,tk:k1:BBB,FR",
              "u-00003,null,DE"),
          query(analyst, "SELECT * FROM serving.customers_analyst ORDER BY customer_id"));
      assertThat(
          denied(analyst, "SELECT * FROM public.customers").getMessage(),
          containsString("permission denied"));
      denied(analyst, "SELECT email FROM public.customers");
      denied(analyst, "SELECT * FROM serving.customers_support");
      // The view has no email column at all.
      SQLException noColumn =
          assertThrows(
              SQLException.class,
              () -> query(analyst, "SELECT email FROM serving.customers_analyst"));
      assertEquals("42703", noColumn.getSQLState()); // undefined_column
    }
    try (Connection support = as(db, "support")) {
      assertEquals(
          List.of(
              "customer_id,email,ip,phone",
              "u-00001,a***@example.com,203.0.113.0/24,*****3456",
              "u-00002,b***@example.com,198.51.100.0/24,****",
              "u-00003,null,null,null"),
          query(support, "SELECT * FROM serving.customers_support ORDER BY customer_id"));
      denied(support, "SELECT * FROM public.customers");
      denied(support, "SELECT * FROM serving.customers_analyst");
      try (Statement st = support.createStatement()) {
        SQLException e =
            assertThrows(
                SQLException.class,
                () -> st.executeUpdate("UPDATE serving.customers_support SET customer_id = 'x'"));
        assertEquals(
            e.getMessage(), "42501", e.getSQLState()); // read-only: SELECT is the only grant
      }
    }
  }

  @Test
  public void aColumnRemovedFromTheConfigDisappearsFromTheView() throws Exception {
    JdbcTarget db = setUp();
    PostgresRoleViews.fromJson(CONFIG, "test")
        .withLoginPassword("analyst", "analyst-secret")
        .apply(db);
    PostgresRoleViews.fromJson(CONFIG.replace(", \"email_token\": \"clear\"", ""), "test")
        .apply(db);
    try (Connection analyst = as(db, "analyst")) {
      assertEquals(
          "customer_id,country",
          query(analyst, "SELECT * FROM serving.customers_analyst ORDER BY 1").get(0));
    }
  }

  @Test
  public void configMistakesNameTheEntry() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                PostgresRoleViews.fromJson(
                    CONFIG.replace("mask:email", "mask:emial"), "roles.json"));
    assertThat(e.getMessage(), containsString("column 'email': unknown action 'mask:emial'"));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                PostgresRoleViews.fromJson(
                    CONFIG.replace("\"role\": \"support\"", "\"role\": \"pg_monitor\""),
                    "roles.json"));
    assertThat(
        e.getMessage(),
        containsString("'role' must be an identifier not starting with pg_, got 'pg_monitor'"));
    assertThat(
        PostgresRoleViews.fromJson(CONFIG, "t")
            .withLoginPassword("analyst", "s3cret!")
            .sql()
            .toString(),
        containsString("LOGIN PASSWORD '***'"));
  }
}
