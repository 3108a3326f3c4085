package io.tributary.io.jdbc;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Where a JDBC sink connects: URL, user and password. Serializable, so workers open their own
 * connections; the password is never shown in display data or logs.
 *
 * <pre>{@code
 * JdbcTarget db = JdbcTarget.of("jdbc:postgresql://localhost:5432/shop", "tributary", "secret");
 * }</pre>
 */
@AutoValue
public abstract class JdbcTarget implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The JDBC URL, e.g. {@code jdbc:postgresql://host:5432/db}. */
  public abstract String url();

  /** The user name. */
  public abstract String user();

  abstract String password();

  /** A target with explicit credentials. */
  public static JdbcTarget of(String url, String user, String password) {
    checkArgument(
        url != null && url.startsWith("jdbc:postgresql:"),
        "JdbcTarget.of: url must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/db), got '%s'",
        url);
    checkArgument(user != null && !user.isEmpty(), "JdbcTarget.of: user must not be empty");
    return new AutoValue_JdbcTarget(url, user, password == null ? "" : password);
  }

  /** Opens a new connection with auto-commit off. */
  public Connection connect() throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", user());
    props.setProperty("password", password());
    props.setProperty("ApplicationName", "tributary");
    Connection c = DriverManager.getConnection(url(), props);
    c.setAutoCommit(false);
    return c;
  }

  /**
   * {@code user@url}, with the value of a {@code password} parameter of the URL (which the driver
   * also accepts) masked: what logs and display data show.
   */
  @Override
  public final String toString() {
    return user() + "@" + url().replaceAll("(?i)([?&]password=)[^&]*", "$1***");
  }
}
