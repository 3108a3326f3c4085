package io.tributary.transforms.privacy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Properties;

/**
 * The PostgreSQL backend of {@link SubjectKeyStore}: table {@code tributary_subject_keys (key_id
 * text PRIMARY KEY, material text, created_at timestamptz)}, created when absent. Plain JDBC (the
 * driver comes with the connectors at run time); user and password from the URL's parameters or
 * {@code PGUSER} / {@code PGPASSWORD}, never shown ({@link #toString()} drops the parameters).
 */
final class SubjectKeyTable {
  static final String TABLE = "tributary_subject_keys";
  private final String url;
  private Connection connection;
  private boolean created;

  SubjectKeyTable(String url) {
    this.url = url;
  }

  static boolean isTable(String location) {
    return location.startsWith("jdbc:postgresql:");
  }

  /** The URL without its parameters (which may hold credentials). */
  static String display(String location) {
    int q = location.indexOf('?');
    return q < 0 ? location : location.substring(0, q);
  }

  private synchronized Connection connection() throws SQLException {
    if (connection == null || connection.isClosed()) {
      Properties props = new Properties();
      if (System.getenv("PGUSER") != null && !url.contains("user=")) {
        props.setProperty("user", System.getenv("PGUSER"));
      }
      if (System.getenv("PGPASSWORD") != null && !url.contains("password=")) {
        props.setProperty("password", System.getenv("PGPASSWORD"));
      }
      props.setProperty("ApplicationName", "tributary-subject-keys");
      connection = DriverManager.getConnection(url, props);
      connection.setAutoCommit(true);
    }
    if (!created) {
      try (Statement st = connection.createStatement()) {
        st.execute(
            "CREATE TABLE IF NOT EXISTS "
                + TABLE
                + " (key_id text PRIMARY KEY, material text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())");
      } catch (SQLException e) {
        // CREATE TABLE IF NOT EXISTS is not safe against a concurrent creator: the loser of the
        // race
        // gets 23505 (catalog unique index), 42P07 (duplicate table) or 42710 (its row type already
        // exists), depending on where the two collide. What counts is that the table now exists.
        boolean exists;
        try (Statement check = connection.createStatement();
            java.sql.ResultSet rs =
                check.executeQuery("SELECT to_regclass('" + TABLE + "') IS NOT NULL")) {
          exists = rs.next() && rs.getBoolean(1);
        }
        if (!exists) {
          throw e;
        }
      }
      created = true;
    }
    return connection;
  }

  /** Inserts {@code fresh} unless the key exists (the first writer wins), then reads the key. */
  synchronized byte[] getOrCreate(String id, byte[] fresh) {
    try {
      try (PreparedStatement st =
          connection()
              .prepareStatement(
                  "INSERT INTO "
                      + TABLE
                      + " (key_id, material) VALUES (?, ?) ON CONFLICT (key_id) DO NOTHING")) {
        st.setString(1, id);
        st.setString(2, HexFormat.of().formatHex(fresh));
        st.executeUpdate();
      }
      return find(id)
          .orElseThrow(
              () -> new IllegalStateException("subject key " + id + " vanished while created"));
    } catch (SQLException e) {
      throw failure("cannot create key " + id, e);
    }
  }

  synchronized Optional<byte[]> find(String id) {
    try (PreparedStatement st =
        connection().prepareStatement("SELECT material FROM " + TABLE + " WHERE key_id = ?")) {
      st.setString(1, id);
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() ? Optional.of(HexFormat.of().parseHex(rs.getString(1))) : Optional.empty();
      }
    } catch (SQLException e) {
      throw failure("cannot read key " + id, e);
    }
  }

  /**
   * Deletes the key row. PostgreSQL keeps a deleted row's bytes until VACUUM reuses the space, and
   * in its WAL and backups for as long as those are kept: the erasure is complete when they age
   * out.
   */
  synchronized boolean delete(String id) {
    try (PreparedStatement st =
        connection().prepareStatement("DELETE FROM " + TABLE + " WHERE key_id = ?")) {
      st.setString(1, id);
      return st.executeUpdate() > 0;
    } catch (SQLException e) {
      throw failure("cannot delete key " + id, e);
    }
  }

  private IllegalStateException failure(String what, SQLException e) {
    try {
      if (connection != null) {
        connection.close();
      }
    } catch (SQLException ignored) {
      // reconnects on the next call
    }
    connection = null;
    return new IllegalStateException(
        "subject key store "
            + display(url)
            + ": "
            + what
            + " (SQLSTATE "
            + e.getSQLState()
            + ": "
            + e.getMessage()
            + ")");
  }
}
