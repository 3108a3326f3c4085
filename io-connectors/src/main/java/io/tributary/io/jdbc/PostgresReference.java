package io.tributary.io.jdbc;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.lookup.ReferenceTable;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;

/**
 * A {@link ReferenceTable} read from PostgreSQL by a query: each read runs the query in a read-only
 * transaction and maps its columns to the schema's fields by name (case-insensitive). Fields of
 * type string, int32, int64, double, boolean, decimal and datetime are supported; a column the
 * schema lacks is ignored, a field the query lacks fails the read naming it, and so does a null in
 * a required field. The password travels in the {@link JdbcTarget}, which never shows it: the
 * table's {@link #name} is the query.
 *
 * <pre>{@code
 * JdbcTarget db = JdbcTarget.of("jdbc:postgresql://db:5432/iot", "reader", System.getenv("PGPASSWORD"));
 * ReferenceTable devices =
 *     PostgresReference.query(db, "SELECT device_id, site FROM devices WHERE active", DEVICE);
 * readings.apply(Lookup.fromTable(devices).by("device_id").withField("site")
 *     .withRefresh(Duration.standardMinutes(5)));
 * }</pre>
 */
public final class PostgresReference implements ReferenceTable {
  private static final long serialVersionUID = 1L;

  /** Rows fetched per round trip, so a large table streams instead of arriving in one piece. */
  private static final int FETCH_SIZE = 10_000;

  private final JdbcTarget db;
  private final String sql;
  private final Schema schema;

  private PostgresReference(JdbcTarget db, String sql, Schema schema) {
    this.db = db;
    this.sql = sql;
    this.schema = schema;
  }

  /** The rows of {@code sql} (a SELECT) on {@code db}, as rows of {@code schema}. */
  public static PostgresReference query(JdbcTarget db, String sql, Schema schema) {
    checkArgument(db != null, "PostgresReference.query: db must not be null");
    checkArgument(sql != null && !sql.isBlank(), "PostgresReference.query: sql must not be empty");
    checkArgument(schema != null, "PostgresReference.query: schema must not be null");
    for (Field f : schema.getFields()) {
      switch (f.getType().getTypeName()) {
        case STRING:
        case INT32:
        case INT64:
        case DOUBLE:
        case BOOLEAN:
        case DECIMAL:
        case DATETIME:
          break;
        default:
          throw new IllegalArgumentException(
              "PostgresReference.query: field '"
                  + f.getName()
                  + "' has type "
                  + f.getType().getTypeName()
                  + "; expected string, int32, int64, double, boolean, decimal or datetime");
      }
    }
    return new PostgresReference(db, sql, schema);
  }

  @Override
  public String name() {
    return sql;
  }

  @Override
  public Schema schema() {
    return schema;
  }

  @Override
  public void read(Consumer<Row> rows) throws IOException {
    try (Connection c = db.connect()) {
      c.setReadOnly(true);
      try (PreparedStatement s = c.prepareStatement(sql)) {
        s.setFetchSize(FETCH_SIZE); // needs auto-commit off, which JdbcTarget.connect sets
        try (ResultSet r = s.executeQuery()) {
          int[] columns = columns(r.getMetaData());
          while (r.next()) {
            rows.accept(row(r, columns));
          }
        }
      } finally {
        c.rollback();
      }
    } catch (SQLException e) {
      throw new IOException("reference table '" + sql + "' on " + db + ": " + e.getMessage(), e);
    }
  }

  /** The result-set column of each field, in the schema's order. */
  private int[] columns(ResultSetMetaData meta) throws SQLException, IOException {
    Map<String, Integer> byName = new HashMap<>();
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= meta.getColumnCount(); i++) {
      byName.put(meta.getColumnLabel(i).toLowerCase(Locale.ROOT), i);
      names.add(meta.getColumnLabel(i));
    }
    int[] columns = new int[schema.getFieldCount()];
    for (int f = 0; f < columns.length; f++) {
      String field = schema.getField(f).getName();
      Integer i = byName.get(field.toLowerCase(Locale.ROOT));
      if (i == null) {
        throw new IOException(
            "reference table '"
                + sql
                + "': the query has no column '"
                + field
                + "'; its columns are "
                + names);
      }
      columns[f] = i;
    }
    return columns;
  }

  private Row row(ResultSet r, int[] columns) throws SQLException, IOException {
    Row.Builder b = Row.withSchema(schema);
    for (int f = 0; f < columns.length; f++) {
      Field field = schema.getField(f);
      int i = columns[f];
      Object v;
      switch (field.getType().getTypeName()) {
        case STRING:
          v = r.getString(i);
          break;
        case INT32:
          v = r.getInt(i);
          break;
        case INT64:
          v = r.getLong(i);
          break;
        case DOUBLE:
          v = r.getDouble(i);
          break;
        case BOOLEAN:
          v = r.getBoolean(i);
          break;
        case DECIMAL:
          v = r.getBigDecimal(i);
          break;
        default: // DATETIME, checked in query()
          Timestamp t = r.getTimestamp(i);
          v = t == null ? null : new Instant(t.getTime());
      }
      if (r.wasNull()) {
        if (!field.getType().getNullable()) {
          throw new IOException(
              "reference table '" + sql + "': required field '" + field.getName() + "' is null");
        }
        v = null;
      }
      b.addValue(v);
    }
    return b.build();
  }

  @Override
  public String toString() {
    return "PostgresReference{" + db + ": " + sql + "}";
  }
}
