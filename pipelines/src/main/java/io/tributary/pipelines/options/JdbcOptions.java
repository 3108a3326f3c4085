package io.tributary.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The PostgreSQL database a job writes to ({@code --jdbcUrl}, {@code --jdbcUser}, {@code
 * --jdbcPassword}); {@link #password} prefers the {@code PGPASSWORD} environment variable to an
 * empty {@code --jdbcPassword}.
 *
 * <pre>{@code
 * tributary run orders-mart ... --jdbcUrl=jdbc:postgresql://localhost:5432/shop --jdbcUser=postgres
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

  /** {@code --jdbcPassword}, or {@code PGPASSWORD} when the option is empty and it is set. */
  static String password(JdbcOptions o) {
    return o.getJdbcPassword().isEmpty() && System.getenv("PGPASSWORD") != null
        ? System.getenv("PGPASSWORD")
        : o.getJdbcPassword();
  }
}
