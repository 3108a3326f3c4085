package io.tributary.io.jdbc;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Least-privilege serving of a PostgreSQL table: one view per role, showing only the columns that
 * role may see (as they are, or masked in SQL), and the roles and GRANTs that go with it, all from
 * a declarative config. No role gets any privilege on the base table: a role reads its own view
 * (which runs with the view owner's rights) and nothing else.
 *
 * <pre>{@code
 * {"table": "public.customers", "schema": "serving",
 *  "roles": [
 *    {"role": "analyst", "columns": {"customer_id": "clear", "email_token": "clear", "country": "clear"}},
 *    {"role": "support", "columns": {"customer_id": "clear", "email": "mask:email", "country": "clear"}}]}
 *
 * PostgresRoleViews views = PostgresRoleViews.fromFile(Path.of("serving-roles.json"))
 *     .withLoginPassword("analyst", System.getenv("ANALYST_PASSWORD"));
 * views.apply(JdbcTarget.of(url, "postgres", password));   // creates serving.customers_analyst, ..._support
 * }</pre>
 *
 * <p>Column actions: {@code clear}, {@code mask:email} ({@code a***@example.com}), {@code
 * mask:ipv4} ({@code 203.0.113.0/24}), {@code mask:last4}, {@code mask:full} ({@code ***}): the
 * same results as the pipeline's {@code FieldProtector} masks. Keyed tokens are not computed in SQL
 * (a key in a view definition would be readable in {@code pg_views}): serve a token column the
 * pipeline wrote with the {@code tokenize} policy instead. {@link #apply} is idempotent: roles are
 * created when missing, views replaced, grants re-issued, in one transaction.
 */
public final class PostgresRoleViews {
  private static final String IDENT = "[A-Za-z_][A-Za-z0-9_]*";

  private final String table;
  private final String schema;
  private final Map<String, Map<String, String>> roles;
  private final Map<String, String> passwords;

  private PostgresRoleViews(
      String table,
      String schema,
      Map<String, Map<String, String>> roles,
      Map<String, String> passwords) {
    this.table = table;
    this.schema = schema;
    this.roles = roles;
    this.passwords = passwords;
  }

  /** Reads the config file; errors name the file and the bad entry. */
  public static PostgresRoleViews fromFile(Path file) {
    try {
      return fromJson(Files.readString(file), file.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "serving roles "
              + file
              + ": cannot read the file ("
              + e.getClass().getSimpleName()
              + ")");
    }
  }

  /** Parses a config; {@code where} names it in errors. */
  public static PostgresRoleViews fromJson(String json, String where) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("serving roles " + where + ": not valid JSON");
    }
    String table = root == null ? "" : root.path("table").asText("");
    checkArgument(
        table.matches(IDENT + "(\\." + IDENT + ")?"),
        "serving roles %s: 'table' must be 'table' or 'schema.table', got '%s'",
        where,
        table);
    String schema = root.path("schema").asText("serving");
    checkArgument(
        schema.matches(IDENT),
        "serving roles %s: 'schema' must be an identifier, got '%s'",
        where,
        schema);
    checkArgument(
        root.path("roles").isArray() && root.path("roles").size() > 0,
        "serving roles %s: 'roles' must be a non-empty list of {\"role\": NAME, \"columns\": {COLUMN: ACTION}}",
        where);
    Map<String, Map<String, String>> roles = new LinkedHashMap<>();
    for (JsonNode r : root.path("roles")) {
      String role = r.path("role").asText("");
      checkArgument(
          role.matches(IDENT) && !role.toLowerCase(Locale.ROOT).startsWith("pg_"),
          "serving roles %s: 'role' must be an identifier not starting with pg_, got '%s'",
          where,
          role);
      checkArgument(
          !roles.containsKey(role), "serving roles %s: role '%s' is declared twice", where, role);
      checkArgument(
          r.path("columns").isObject() && r.path("columns").size() > 0,
          "serving roles %s: role '%s' needs 'columns': {COLUMN: ACTION}",
          where,
          role);
      Map<String, String> columns = new LinkedHashMap<>();
      Iterator<Map.Entry<String, JsonNode>> it = r.path("columns").fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> c = it.next();
        checkArgument(
            c.getKey().matches(IDENT),
            "serving roles %s: role '%s': column '%s' is not an identifier",
            where,
            role,
            c.getKey());
        String action = c.getValue().asText("");
        expression(c.getKey(), action); // fails naming an unknown action
        columns.put(c.getKey(), action);
      }
      roles.put(role, columns);
    }
    return new PostgresRoleViews(table, schema, roles, Map.of());
  }

  /**
   * Lets {@code role} log in with {@code password} (otherwise roles are NOLOGIN, for granting to
   * users).
   */
  public PostgresRoleViews withLoginPassword(String role, String password) {
    checkArgument(
        roles.containsKey(role),
        "PostgresRoleViews.withLoginPassword: role '%s' is not in the config %s",
        role,
        roles.keySet());
    checkArgument(
        password != null && !password.isEmpty(),
        "PostgresRoleViews.withLoginPassword: password must not be empty");
    Map<String, String> p = new LinkedHashMap<>(passwords);
    p.put(role, password);
    return new PostgresRoleViews(table, schema, roles, p);
  }

  /** The view a role reads: {@code <schema>.<table>_<role>}. */
  public String viewOf(String role) {
    checkArgument(
        roles.containsKey(role), "PostgresRoleViews.viewOf: role '%s' is not in the config", role);
    String base = table.contains(".") ? table.substring(table.indexOf('.') + 1) : table;
    return schema + "." + base + "_" + role;
  }

  /** The roles, in config order. */
  public List<String> roles() {
    return new ArrayList<>(roles.keySet());
  }

  /** The SQL column expression of an action. */
  static String expression(String column, String action) {
    String c = PostgresTable.quote(column);
    switch (action) {
      case "clear":
        return c;
      case "mask:email":
        return "CASE WHEN "
            + c
            + " IS NULL THEN NULL WHEN position('@' in "
            + c
            + ") > 1 THEN left("
            + c
            + ", 1) || '***' || "
            + "substr("
            + c
            + ", position('@' in "
            + c
            + ")) ELSE '***' END AS "
            + c;
      case "mask:ipv4":
        return "CASE WHEN "
            + c
            + " IS NULL THEN NULL WHEN "
            + c
            + " ~ '^\\d{1,3}(\\.\\d{1,3}){3}$' THEN split_part("
            + c
            + ", '.', 1) || '.' || split_part("
            + c
            + ", '.', 2) || '.' || split_part("
            + c
            + ", '.', 3) || '.0/24' ELSE '***' END AS "
            + c;
      case "mask:last4":
        return "CASE WHEN "
            + c
            + " IS NULL THEN NULL WHEN length("
            + c
            + ") <= 4 THEN '****' ELSE repeat('*', length("
            + c
            + ") - 4) || right("
            + c
            + ", 4) END AS "
            + c;
      case "mask:full":
        return "CASE WHEN " + c + " IS NULL THEN NULL ELSE '***' END AS " + c;
      default:
        throw new IllegalArgumentException(
            "column '"
                + column
                + "': unknown action '"
                + action
                + "'; expected clear, mask:email, mask:ipv4, mask:last4 or mask:full");
    }
  }

  private String quoted(String name) {
    List<String> parts = new ArrayList<>();
    for (String p :
        name.split("\\.", 0)) { // String.split semantics kept: a trailing "." adds no empty part
      parts.add(PostgresTable.quote(p));
    }
    return String.join(".", parts);
  }

  /** The statements {@link #apply} runs, passwords left out. */
  public List<String> sql() {
    return statements(false);
  }

  private List<String> statements(boolean withPasswords) {
    List<String> sql = new ArrayList<>();
    sql.add("CREATE SCHEMA IF NOT EXISTS " + PostgresTable.quote(schema));
    sql.add("REVOKE ALL ON " + quoted(table) + " FROM PUBLIC");
    for (Map.Entry<String, Map<String, String>> r : roles.entrySet()) {
      String role = PostgresTable.quote(r.getKey());
      String literal = "'" + r.getKey() + "'";
      sql.add(
          "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
              + literal
              + ") THEN CREATE ROLE "
              + role
              + " NOLOGIN; END IF; END $$");
      if (passwords.containsKey(r.getKey())) {
        sql.add(
            "ALTER ROLE "
                + role
                + " LOGIN PASSWORD "
                + (withPasswords
                    ? "'" + passwords.get(r.getKey()).replace("'", "''") + "'"
                    : "'***'"));
      }
      sql.add("REVOKE ALL ON " + quoted(table) + " FROM " + role);
      List<String> cols = new ArrayList<>();
      r.getValue().forEach((col, action) -> cols.add(expression(col, action)));
      String view = quoted(viewOf(r.getKey()));
      sql.add("DROP VIEW IF EXISTS " + view);
      sql.add(
          "CREATE VIEW "
              + view
              + " AS SELECT "
              + String.join(", ", cols)
              + " FROM "
              + quoted(table));
      sql.add("REVOKE ALL ON " + view + " FROM PUBLIC");
      sql.add("GRANT USAGE ON SCHEMA " + PostgresTable.quote(schema) + " TO " + role);
      sql.add("GRANT SELECT ON " + view + " TO " + role);
    }
    return sql;
  }

  /** Creates or updates the roles, views and grants, in one transaction. */
  public void apply(JdbcTarget target) throws SQLException {
    try (Connection c = target.connect();
        Statement st = c.createStatement()) {
      try {
        for (String s : statements(true)) {
          st.execute(s);
        }
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        // The message of a failed ALTER ROLE never carries the password: PostgreSQL reports the
        // role.
        throw new SQLException(
            "serving roles on " + table + ": " + e.getMessage(), e.getSQLState());
      }
    }
  }

  @Override
  public String toString() {
    return "PostgresRoleViews{" + table + " -> " + schema + ", roles=" + roles.keySet() + "}";
  }
}
