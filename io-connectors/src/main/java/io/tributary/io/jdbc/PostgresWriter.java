package io.tributary.io.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes batches of upserts and deletes to one table over one connection: a batch is one
 * transaction; a transient failure (a lost or refused connection, a server shutting down or
 * starting up, a deadlock) retries the whole batch on a new connection, with exponential backoff,
 * and gives up with a {@link PostgresUnavailableException} naming the table; a batch that a row
 * makes fail on a constraint or a bad value is replayed row by row, each under a savepoint, so
 * every good row is written and every bad row is returned with the server's message. {@link
 * #replacePartition} does the same after deleting the partition the rows replace, in the same
 * transaction.
 */
final class PostgresWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresWriter.class);

  /** One row to write, with its pane index and whether it deletes its key. */
  static final class Op {
    final Row row;
    final boolean delete;
    final long paneIndex;
    final Object context;

    Op(Row row, boolean delete, long paneIndex, Object context) {
      this.row = row;
      this.delete = delete;
      this.paneIndex = paneIndex;
      this.context = context;
    }
  }

  /** A row the database refused, with a reason code and the server's message. */
  static final class Failure {
    final Op op;
    final String reason;
    final String message;

    Failure(Op op, String reason, String message) {
      this.op = op;
      this.reason = reason;
      this.message = message;
    }
  }

  private final JdbcTarget target;
  private final PostgresTable table;
  private final int maxRetries;
  private final long initialBackoffMillis;
  private final long maxBackoffMillis;
  private final @Nullable Counter retries;
  private @Nullable Connection connection;
  private @Nullable PreparedStatement upsert;
  private @Nullable PreparedStatement delete;

  PostgresWriter(
      JdbcTarget target, PostgresTable table, int maxRetries, long initialBackoffMillis) {
    this(target, table, maxRetries, initialBackoffMillis, Long.MAX_VALUE, null);
  }

  /**
   * A writer that retries a transaction up to {@code maxRetries} times on connection-class errors,
   * waiting {@code initialBackoffMillis}, then twice as long each time up to {@code
   * maxBackoffMillis}, counting each retry in {@code retries} (when not null).
   */
  PostgresWriter(
      JdbcTarget target,
      PostgresTable table,
      int maxRetries,
      long initialBackoffMillis,
      long maxBackoffMillis,
      @Nullable Counter retries) {
    this.target = target;
    this.table = table;
    this.maxRetries = maxRetries;
    this.initialBackoffMillis = initialBackoffMillis;
    this.maxBackoffMillis = Math.max(maxBackoffMillis, initialBackoffMillis);
    this.retries = retries;
  }

  /** The wait before retry {@code retry + 1}: the initial backoff doubled {@code retry} times. */
  long backoffMillis(int retry) {
    long b = initialBackoffMillis;
    for (int i = 0; i < retry && b < maxBackoffMillis; i++) {
      b = b > maxBackoffMillis / 2 ? maxBackoffMillis : b * 2;
    }
    return Math.min(b, maxBackoffMillis);
  }

  /** One attempt of a transaction, run again from its start by {@link #retrying}. */
  private interface Attempt<T> {
    T run() throws SQLException;
  }

  /**
   * Runs {@code attempt}; on a connection-class failure ({@link #isTransient}) closes the
   * connection, waits and runs it again, whole, up to {@code maxRetries} times, then throws a
   * {@link PostgresUnavailableException} naming the table. Any other failure is thrown at once.
   * Each retry is counted and logged in one line (table, SQLSTATE, the server's message; never the
   * URL or the password).
   */
  private <T> T retrying(String what, Attempt<T> attempt)
      throws SQLException, InterruptedException {
    long start = System.nanoTime();
    for (int retry = 0; ; retry++) {
      try {
        return attempt.run();
      } catch (SQLException e) {
        SQLException cause = unwrap(e);
        if (!isTransient(e) && !isTransient(cause)) {
          throw e;
        }
        closeQuietly();
        if (retry >= maxRetries) {
          throw new PostgresUnavailableException(
              table.name(), retry, (System.nanoTime() - start) / 1_000_000L, cause);
        }
        long backoff = backoffMillis(retry);
        if (retries != null) {
          retries.inc();
        }
        LOG.warn(
            "PostgreSQL table {}: {} failed: {}; retry {}/{} of the whole transaction in {} ms",
            table.name(),
            what,
            oneLine(messageOf(cause)),
            retry + 1,
            maxRetries,
            backoff);
        Thread.sleep(backoff);
      }
    }
  }

  /** Creates the table when it is absent, retrying connection-class failures like a write. */
  void ensureTable() throws SQLException, InterruptedException {
    retrying(
        "creating the table",
        () -> {
          ensureTable(target, table);
          return null;
        });
  }

  /**
   * Creates the table when it is absent, logging the DDL. Safe to run from many workers at once.
   */
  static void ensureTable(JdbcTarget target, PostgresTable table) throws SQLException {
    try (Connection c = target.connect();
        Statement st = c.createStatement()) {
      boolean exists;
      try (var rs =
          st.executeQuery(
              "SELECT to_regclass('" + table.quotedName().replace("'", "''") + "') IS NOT NULL")) {
        rs.next();
        exists = rs.getBoolean(1);
      }
      if (exists) {
        return;
      }
      String ddl =
          (table.createSchemaSql() == null ? "" : table.createSchemaSql() + ";\n")
              + table.createSql();
      LOG.info("Creating PostgreSQL table {} at {}:\n{}", table.name(), target, ddl);
      try {
        if (table.createSchemaSql() != null) {
          st.execute(table.createSchemaSql());
        }
        st.execute(table.createSql());
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        // Another worker created it between our check and our CREATE. Depending on where the two
        // collide, PostgreSQL says 23505 (catalog unique index), 42P07 (duplicate table) or 42710
        // ("type ... already exists", the row type): whatever it says, the table now existing is
        // what counts.
        boolean nowExists;
        try (var rs =
            st.executeQuery(
                "SELECT to_regclass('"
                    + table.quotedName().replace("'", "''")
                    + "') IS NOT NULL")) {
          rs.next();
          nowExists = rs.getBoolean(1);
        }
        c.commit();
        if (!nowExists) {
          throw e;
        }
      }
    }
  }

  /** The server process id of the current connection (tests use it to kill the connection). */
  int backendPid() throws SQLException {
    try (Statement st = connection().createStatement();
        var rs = st.executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      int pid = rs.getInt(1);
      connection().commit();
      return pid;
    }
  }

  /**
   * What a transaction does before its rows: e.g. delete the partition the rows replace. Runs again
   * at the start of every attempt and of the row-by-row replay, inside the same transaction as the
   * rows; returns the number of rows it changed.
   */
  interface Prelude {
    long run(Connection connection) throws SQLException;
  }

  /** Writes {@code ops} in order; returns the rows the database refused. */
  List<Failure> write(List<Op> ops) throws SQLException, InterruptedException {
    if (ops.isEmpty()) {
      return List.of();
    }
    return transact(null, ops);
  }

  /**
   * Replaces a partition in one transaction: deletes the rows whose {@code column} equals {@code
   * value} (every row of the table when {@code column} is null), then inserts {@code ops}. Readers
   * see the old partition or the new one, never a mix; a row the database refuses is returned and
   * the rest are written in the same transaction. Returns the refused rows; {@link
   * #lastPreludeCount()} tells how many rows were deleted.
   */
  List<Failure> replacePartition(@Nullable String column, @Nullable Object value, List<Op> ops)
      throws SQLException, InterruptedException {
    String sql =
        "DELETE FROM "
            + table.quotedName()
            + (column == null ? "" : " WHERE " + PostgresTable.quote(column) + " = ?");
    return transact(
        c -> {
          try (PreparedStatement st = c.prepareStatement(sql)) {
            if (column != null) {
              bindPartitionValue(st, value);
            }
            return st.executeUpdate();
          }
        },
        ops);
  }

  /** Rows changed by the prelude of the last committed transaction. */
  long lastPreludeCount() {
    return lastPreludeCount;
  }

  private long lastPreludeCount;

  private static void bindPartitionValue(PreparedStatement st, @Nullable Object value)
      throws SQLException {
    if (value == null) {
      st.setNull(1, java.sql.Types.NULL);
    } else if (value instanceof java.time.LocalDate) {
      st.setObject(1, value);
    } else if (value instanceof Number n) {
      st.setLong(1, n.longValue());
    } else {
      st.setString(1, value.toString());
    }
  }

  private List<Failure> transact(@Nullable Prelude prelude, List<Op> ops)
      throws SQLException, InterruptedException {
    return retrying(
        prelude == null
            ? "writing " + ops.size() + " row(s)"
            : "replacing with " + ops.size() + " row(s)",
        () -> {
          try {
            long changed = prelude == null ? 0 : prelude.run(connection());
            writeBatches(ops);
            connection().commit();
            lastPreludeCount = changed;
            return List.<Failure>of();
          } catch (SQLException e) {
            SQLException cause = unwrap(e);
            rollbackQuietly();
            if (isRowProblem(cause)) {
              return writeRowByRow(prelude, ops);
            }
            throw cause;
          }
        });
  }

  private void writeBatches(List<Op> ops) throws SQLException {
    // Consecutive ops of one kind form one JDBC batch; kinds alternate in input order.
    int i = 0;
    while (i < ops.size()) {
      boolean del = ops.get(i).delete;
      PreparedStatement st = del ? deleteStatement() : upsertStatement();
      int j = i;
      while (j < ops.size() && ops.get(j).delete == del) {
        bind(st, ops.get(j));
        st.addBatch();
        j++;
      }
      executeBatch(st);
      i = j;
    }
  }

  /**
   * {@code st.executeBatch()}; when the server closes the connection during the batch and the JVM
   * runs with assertions enabled (-ea, as in tests), the driver throws an AssertionError instead of
   * its SQLException (pgjdbc issue 1458, fixed in pgjdbc PR 4187): that is a lost connection, and
   * is reported as one (SQLSTATE 08006) so the batch is retried.
   */
  private static void executeBatch(PreparedStatement st) throws SQLException {
    try {
      st.executeBatch();
    } catch (AssertionError e) {
      StackTraceElement[] at = e.getStackTrace();
      if (at.length == 0 || !at[0].getClassName().startsWith("org.postgresql.")) {
        throw e;
      }
      throw new SQLException(
          "connection closed during a batch (" + oneLine(String.valueOf(e.getMessage())) + ")",
          "08006",
          e);
    }
  }

  private List<Failure> writeRowByRow(@Nullable Prelude prelude, List<Op> ops) throws SQLException {
    List<Failure> failures = new ArrayList<>();
    Connection c = connection();
    long changed = prelude == null ? 0 : prelude.run(c);
    for (Op op : ops) {
      var savepoint = c.setSavepoint();
      try {
        PreparedStatement st = op.delete ? deleteStatement() : upsertStatement();
        bind(st, op);
        st.executeUpdate();
        c.releaseSavepoint(savepoint);
      } catch (SQLException e) {
        if (!isRowProblem(e)) {
          throw e;
        }
        c.rollback(savepoint);
        failures.add(new Failure(op, reasonOf(e), messageOf(e)));
      }
    }
    c.commit();
    lastPreludeCount = changed;
    return failures;
  }

  private void bind(PreparedStatement st, Op op) throws SQLException {
    if (op.delete) {
      table.bindDelete(st, op.row);
    } else {
      table.bindUpsert(st, op.row, op.paneIndex);
    }
  }

  private Connection connection() throws SQLException {
    if (connection == null || connection.isClosed()) {
      connection = target.connect();
      upsert = null;
      delete = null;
    }
    return connection;
  }

  private PreparedStatement upsertStatement() throws SQLException {
    if (upsert == null) {
      upsert = connection().prepareStatement(table.upsertSql());
    }
    return upsert;
  }

  private PreparedStatement deleteStatement() throws SQLException {
    if (delete == null) {
      delete = connection().prepareStatement(table.deleteSql());
    }
    return delete;
  }

  private void rollbackQuietly() {
    try {
      if (connection != null && !connection.isClosed()) {
        connection.rollback();
      }
    } catch (SQLException ignored) {
      closeQuietly(); // a connection that cannot roll back is replaced on the next attempt
    }
  }

  private void closeQuietly() {
    try {
      if (connection != null) {
        connection.close();
      }
    } catch (SQLException ignored) {
      // already broken; a new connection is opened on the next attempt
    }
    connection = null;
    upsert = null;
    delete = null;
  }

  @Override
  public void close() {
    closeQuietly();
  }

  /** The first SQLException in a batch failure's chain that carries the server's SQLSTATE. */
  static SQLException unwrap(SQLException e) {
    SQLException next = e.getNextException();
    if (e.getSQLState() != null
        && !e.getSQLState().isEmpty()
        && !(e instanceof java.sql.BatchUpdateException)) {
      return e;
    }
    return next != null ? next : e;
  }

  /**
   * A constraint violation (class 23) or a bad value (class 22): the row's fault, not the server's.
   */
  static boolean isRowProblem(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("23") || state.startsWith("22"));
  }

  /**
   * Connection trouble (SQLSTATE class 08, or a refused, reset or closed socket under the driver's
   * exception), serialization failures, deadlocks, overload, shutdowns and a server starting up:
   * worth retrying the whole transaction. Data errors (classes 22, 23, 42, ...) are not.
   */
  static boolean isTransient(SQLException e) {
    String state = e.getSQLState();
    if (state == null || state.isEmpty()) {
      for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
        if (t instanceof java.net.ConnectException
            || t instanceof java.net.SocketException
            || t instanceof java.io.EOFException) {
          return true;
        }
      }
      return false;
    }
    return state.startsWith("08")
        || state.equals("40001")
        || state.equals("40P01")
        || state.startsWith("53")
        || state.equals("57P01")
        || state.equals("57P02")
        || state.equals("57P03");
  }

  /** {@code text} on one line (a server message may span several). */
  static String oneLine(String text) {
    return text == null ? "" : text.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
  }

  static String reasonOf(SQLException e) {
    switch (e.getSQLState()) {
      case "23505":
        return "unique_violation";
      case "23503":
        return "foreign_key_violation";
      case "23502":
        return "not_null_violation";
      case "23514":
        return "check_violation";
      default:
        return e.getSQLState().startsWith("23") ? "constraint_violation" : "data_exception";
    }
  }

  /**
   * The server's primary message plus SQLSTATE, table and constraint. The DETAIL line is left out:
   * PostgreSQL puts the offending values there ("Key (email)=(...)"), which may be personal data.
   */
  static String messageOf(SQLException e) {
    if (e instanceof PSQLException pe && pe.getServerErrorMessage() != null) {
      ServerErrorMessage m = pe.getServerErrorMessage();
      StringBuilder b = new StringBuilder(String.valueOf(m.getMessage()));
      b.append(" (SQLSTATE ").append(m.getSQLState());
      if (m.getTable() != null) {
        b.append(", table ").append(m.getTable());
      }
      if (m.getConstraint() != null) {
        b.append(", constraint ").append(m.getConstraint());
      }
      if (m.getColumn() != null) {
        b.append(", column ").append(m.getColumn());
      }
      return b.append(')').toString();
    }
    if (e instanceof java.sql.BatchUpdateException) {
      // The driver's text quotes the batch's SQL with its values, which may be personal data.
      return "a JDBC batch was aborted (SQLSTATE " + e.getSQLState() + ")";
    }
    return e.getMessage() + " (SQLSTATE " + e.getSQLState() + ")";
  }
}
