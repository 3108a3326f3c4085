package io.tributary.io.jdbc;

import java.sql.SQLException;
import java.util.Locale;

/**
 * PostgreSQL stayed unreachable (lost connections, refused connections, a server shutting down or
 * starting up) for longer than a sink's retries: thrown by {@link PostgresUpsert} and {@link
 * PostgresReplace} once the last retry has failed, with one line that names the table, the retries
 * and the last error. The transaction that was in flight is all or nothing: the server rolled it
 * back (a partition replace leaves the old partition), or, when the connection broke during its
 * COMMIT, it committed whole; transactions committed before the outage stay.
 *
 * <p>It carries no cause, so the line is what a runner's root cause (and {@code tributary run}'s
 * {@code run failed:} line) shows; the driver's exception is attached as a suppressed one.
 *
 * <pre>{@code
 * try {
 *   pipeline.run().waitUntilFinish();
 * } catch (RuntimeException e) {
 *   // root cause: PostgresUnavailableException: PostgreSQL table daily_category_revenue: gave up
 *   // after 2 retries in 1.6 s (no partial transaction is visible): Connection to localhost:5432 refused (SQLSTATE 08001)
 * }
 * }</pre>
 */
public final class PostgresUnavailableException extends SQLException {
  private static final long serialVersionUID = 1L;

  private final String table;

  PostgresUnavailableException(String table, int retries, long elapsedMillis, SQLException last) {
    super(
        String.format(
            Locale.ROOT,
            "PostgreSQL table %s: gave up after %d %s in %.1f s (no partial transaction is"
                + " visible): %s",
            table,
            retries,
            retries == 1 ? "retry" : "retries",
            elapsedMillis / 1000.0,
            PostgresWriter.oneLine(PostgresWriter.messageOf(last))),
        last.getSQLState());
    this.table = table;
    addSuppressed(last);
  }

  /** The table whose write gave up. */
  public String table() {
    return table;
  }
}
