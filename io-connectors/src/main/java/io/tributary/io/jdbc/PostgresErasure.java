package io.tributary.io.jdbc;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Removes or rewrites a data subject's rows in a PostgreSQL table, for the right to be forgotten:
 * {@code DELETE FROM t WHERE subject = ?}, or {@code UPDATE t SET subject = '[erased]', <clear> =
 * NULL WHERE subject = ?} so that totals survive. All subjects of one call are erased in one
 * transaction; a table that does not exist erases nothing and says so.
 *
 * <pre>{@code
 * PostgresErasure.Outcome o = PostgresErasure.in(db, "orders", "customer_id").rewriting(List.of())
 *     .erase(Set.of("u-00001"));
 * long rows = o.rows("u-00001");
 * }</pre>
 */
public final class PostgresErasure {
  /** What an erased text value becomes in a rewritten row. */
  public static final String ERASED = "[erased]";

  private final JdbcTarget target;
  private final String table;
  private final String subjectColumn;
  private final boolean delete;
  private final List<String> clearColumns;

  private PostgresErasure(
      JdbcTarget target,
      String table,
      String subjectColumn,
      boolean delete,
      List<String> clearColumns) {
    this.target = target;
    this.table = table;
    this.subjectColumn = subjectColumn;
    this.delete = delete;
    this.clearColumns = List.copyOf(clearColumns);
  }

  /**
   * Erasure in {@code table} ({@code table} or {@code schema.table}) by {@code subjectColumn};
   * deletes rows.
   */
  public static PostgresErasure in(JdbcTarget target, String table, String subjectColumn) {
    checkArgument(target != null, "PostgresErasure.in: target must not be null");
    checkArgument(
        table != null && table.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?"),
        "PostgresErasure.in: table must be 'table' or 'schema.table', got '%s'",
        table);
    checkArgument(
        subjectColumn != null && !subjectColumn.isEmpty(),
        "PostgresErasure.in: subjectColumn must not be empty");
    return new PostgresErasure(target, table, subjectColumn, true, List.of());
  }

  /** Keeps the rows: the subject column becomes {@link #ERASED} and {@code clearColumns} NULL. */
  public PostgresErasure rewriting(List<String> clearColumns) {
    checkArgument(clearColumns != null, "PostgresErasure.rewriting: clearColumns must not be null");
    return new PostgresErasure(target, table, subjectColumn, false, clearColumns);
  }

  /** What one erasure did. */
  public static final class Outcome {
    private final boolean exists;
    private final Map<String, Long> rowsBySubject;

    Outcome(boolean exists, Map<String, Long> rowsBySubject) {
      this.exists = exists;
      this.rowsBySubject = rowsBySubject;
    }

    /** Whether the table exists. */
    public boolean exists() {
      return exists;
    }

    /** Rows of {@code subject} deleted or rewritten. */
    public long rows(String subject) {
      return rowsBySubject.getOrDefault(subject, 0L);
    }
  }

  /** The statement run per subject. */
  String sql() {
    String name = quotedName();
    String where = " WHERE " + PostgresTable.quote(subjectColumn) + "::text = ?";
    if (delete) {
      return "DELETE FROM " + name + where;
    }
    List<String> sets = new ArrayList<>();
    sets.add(PostgresTable.quote(subjectColumn) + " = '" + ERASED + "'");
    for (String c : clearColumns) {
      sets.add(PostgresTable.quote(c) + " = NULL");
    }
    return "UPDATE " + name + " SET " + String.join(", ", sets) + where;
  }

  private String quotedName() {
    List<String> parts = new ArrayList<>();
    for (String p :
        table.split("\\.", 0)) { // String.split semantics kept: a trailing "." adds no empty part
      parts.add(PostgresTable.quote(p));
    }
    return String.join(".", parts);
  }

  /** Deletes or rewrites the rows of every subject in {@code subjects}, in one transaction. */
  public Outcome erase(Set<String> subjects) throws SQLException {
    try (Connection c = target.connect()) {
      try (PreparedStatement exists = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
        exists.setString(1, quotedName());
        try (ResultSet rs = exists.executeQuery()) {
          rs.next();
          if (!rs.getBoolean(1)) {
            c.rollback();
            return new Outcome(false, Map.of());
          }
        }
      }
      Map<String, Long> counts = new HashMap<>();
      try (PreparedStatement st = c.prepareStatement(sql())) {
        for (String s : new TreeSet<>(subjects)) {
          st.setString(1, s);
          int n = st.executeUpdate();
          if (n > 0) {
            counts.put(s, (long) n);
          }
        }
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        throw new SQLException(
            "erasure in table " + table + " failed: " + e.getMessage(), e.getSQLState(), e);
      }
      return new Outcome(true, counts);
    }
  }

  @Override
  public String toString() {
    return "PostgresErasure{"
        + table
        + ", subject="
        + subjectColumn
        + (delete ? ", delete" : ", rewrite " + clearColumns)
        + "}";
  }
}
