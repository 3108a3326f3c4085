package io.tributary.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The PostgreSQL database a job writes to ({@code --jdbcUrl}, {@code --jdbcUser}, {@code
 * --jdbcPassword}); {@link #password} prefers the {@code PGPASSWORD} environment variable to an
 * empty {@code --jdbcPassword}. How the sinks write: {@code --jdbcBatchSize}, and how they ride out
 * an outage: {@code --jdbcRetries}, {@code --jdbcRetryBackoff}, {@code --jdbcMaxRetryBackoff}.
 *
 * <pre>{@code
 * tributary run orders-mart ... --jdbcUrl=jdbc:postgresql://localhost:5432/shop --jdbcUser=postgres
 * tributary run orders-mart ... --jdbcRetries=10 --jdbcRetryBackoff=500ms --jdbcMaxRetryBackoff=5s
 * }</pre>
 */
@Description("PostgreSQL")
public interface JdbcOptions extends PipelineOptions {
  @Description(
      "PostgreSQL JDBC URL, jdbc:postgresql://host:port/database: orders-mart serves its tables "
          + "there (empty: the lake only); erasure erases from the tables --config names (required "
          + "when it names any).")
  @Default.String("")
  String getJdbcUrl();

  void setJdbcUrl(String value);

  @Description("PostgreSQL user.")
  @Default.String("postgres")
  String getJdbcUser();

  void setJdbcUser(String value);

  @Description("PostgreSQL password (prefer the PGPASSWORD environment variable).")
  @Default.String("")
  String getJdbcPassword();

  void setJdbcPassword(String value);

  @Description(
      "PostgreSQL sinks (orders-mart): rows per JDBC batch; an upsert commits each batch, a "
          + "partition replace commits the whole partition at once.")
  @Default.Integer(500)
  Integer getJdbcBatchSize();

  void setJdbcBatchSize(Integer value);

  @Description(
      "PostgreSQL sinks (orders-mart): retries of a transaction on connection errors (lost or "
          + "refused connections, server shutting down or starting up), each on a new connection "
          + "running the whole uncommitted transaction again; then the run fails naming the table.")
  @Default.Integer(8)
  Integer getJdbcRetries();

  void setJdbcRetries(Integer value);

  @Description(
      "PostgreSQL sinks (orders-mart): wait before the first retry, doubling with each retry, "
          + "e.g. 200ms or 1s.")
  @Default.String("200ms")
  String getJdbcRetryBackoff();

  void setJdbcRetryBackoff(String value);

  @Description(
      "PostgreSQL sinks (orders-mart): longest wait between two retries (the defaults wait about "
          + "33 s in all before failing).")
  @Default.String("10s")
  String getJdbcMaxRetryBackoff();

  void setJdbcMaxRetryBackoff(String value);

  /** {@code --jdbcPassword}, or {@code PGPASSWORD} when the option is empty and it is set. */
  static String password(JdbcOptions o) {
    return o.getJdbcPassword().isEmpty() && System.getenv("PGPASSWORD") != null
        ? System.getenv("PGPASSWORD")
        : o.getJdbcPassword();
  }
}
