package io.tributary.io.jdbc;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.logicaltypes.SqlTypes;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.ReadableInstant;

/**
 * A PostgreSQL table as Tributary writes it: columns and types derived from a Beam schema, a
 * primary key, and the SQL for {@code CREATE TABLE}, idempotent upserts and deletes.
 *
 * <p>Type mapping: STRING text, INT16/BYTE smallint, INT32 integer, INT64 bigint, FLOAT real,
 * DOUBLE double precision, DECIMAL numeric, BOOLEAN boolean, DATETIME timestamptz, BYTES bytea, the
 * {@code SqlTypes.DATE} logical type date. Non-nullable fields are {@code NOT NULL}.
 *
 * <pre>{@code
 * PostgresTable t = PostgresTable.of("mart.daily_revenue", schema, List.of("dt", "category"), null);
 * System.out.println(t.createSql());
 * }</pre>
 */
public final class PostgresTable implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String name;
  private final Schema schema;
  private final List<String> primaryKey;
  private final @Nullable String paneIndexColumn;

  private PostgresTable(
      String name, Schema schema, List<String> primaryKey, @Nullable String paneIndexColumn) {
    this.name = name;
    this.schema = schema;
    this.primaryKey = new ArrayList<>(primaryKey);
    this.paneIndexColumn = paneIndexColumn;
  }

  /**
   * The table {@code name} ({@code table} or {@code schema.table}) for rows of {@code schema}.
   * {@code paneIndexColumn}, when not null, is an extra bigint column holding the pane index, and
   * an upsert only replaces a row written by the same or an earlier pane.
   */
  public static PostgresTable of(
      String name, Schema schema, List<String> primaryKey, @Nullable String paneIndexColumn) {
    checkArgument(
        name != null && name.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?"),
        "PostgresTable: table name must be 'table' or 'schema.table' of letters, digits and '_', got '%s'",
        name);
    checkArgument(
        primaryKey != null && !primaryKey.isEmpty(),
        "PostgresTable: a primary key is required for upserts");
    for (String pk : primaryKey) {
      checkArgument(
          schema.hasField(pk),
          "PostgresTable: primary-key field '%s' is not in the schema; known fields: %s",
          pk,
          schema.getFieldNames());
      checkArgument(
          !schema.getField(pk).getType().getNullable(),
          "PostgresTable: primary-key field '%s' must not be nullable",
          pk);
    }
    for (Field f : schema.getFields()) {
      sqlType(f.getType(), f.getName()); // fails naming an unsupported field
    }
    checkArgument(
        paneIndexColumn == null || !schema.hasField(paneIndexColumn),
        "PostgresTable: pane-index column '%s' clashes with a schema field",
        paneIndexColumn);
    return new PostgresTable(name, schema, primaryKey, paneIndexColumn);
  }

  /** The qualified, quoted table name. */
  public String quotedName() {
    return List.of(name.split("\\.")).stream()
        .map(PostgresTable::quote)
        .collect(Collectors.joining("."));
  }

  /** The table name as given. */
  public String name() {
    return name;
  }

  /** The row schema. */
  public Schema schema() {
    return schema;
  }

  /** The primary-key columns. */
  public List<String> primaryKey() {
    return primaryKey;
  }

  /** {@code CREATE SCHEMA IF NOT EXISTS}, when the name is qualified; else null. */
  public @Nullable String createSchemaSql() {
    int dot = name.indexOf('.');
    return dot < 0 ? null : "CREATE SCHEMA IF NOT EXISTS " + quote(name.substring(0, dot));
  }

  /** {@code CREATE TABLE IF NOT EXISTS} with every column, NOT NULL where required, and the key. */
  public String createSql() {
    List<String> cols = new ArrayList<>();
    for (Field f : schema.getFields()) {
      cols.add(
          quote(f.getName())
              + " "
              + sqlType(f.getType(), f.getName())
              + (f.getType().getNullable() ? "" : " NOT NULL"));
    }
    if (paneIndexColumn != null) {
      cols.add(quote(paneIndexColumn) + " bigint NOT NULL");
    }
    cols.add(
        "PRIMARY KEY ("
            + primaryKey.stream().map(PostgresTable::quote).collect(Collectors.joining(", "))
            + ")");
    return "CREATE TABLE IF NOT EXISTS "
        + quotedName()
        + " (\n  "
        + String.join(",\n  ", cols)
        + "\n)";
  }

  /** {@code INSERT ... ON CONFLICT (key) DO UPDATE}: writing the same row twice leaves one row. */
  public String upsertSql() {
    List<String> cols = new ArrayList<>(schema.getFieldNames());
    if (paneIndexColumn != null) {
      cols.add(paneIndexColumn);
    }
    String insert =
        "INSERT INTO "
            + quotedName()
            + " AS t ("
            + cols.stream().map(PostgresTable::quote).collect(Collectors.joining(", "))
            + ") VALUES ("
            + cols.stream().map(c -> "?").collect(Collectors.joining(", "))
            + ") ON CONFLICT ("
            + primaryKey.stream().map(PostgresTable::quote).collect(Collectors.joining(", "))
            + ") DO ";
    List<String> updates =
        cols.stream()
            .filter(c -> !primaryKey.contains(c))
            .map(c -> quote(c) + " = EXCLUDED." + quote(c))
            .collect(Collectors.toList());
    if (updates.isEmpty()) {
      return insert + "NOTHING";
    }
    String sql = insert + "UPDATE SET " + String.join(", ", updates);
    if (paneIndexColumn != null) {
      // A retried or reordered earlier pane must not overwrite a later one.
      sql += " WHERE t." + quote(paneIndexColumn) + " <= EXCLUDED." + quote(paneIndexColumn);
    }
    return sql;
  }

  /** {@code DELETE ... WHERE key = ?}. */
  public String deleteSql() {
    return "DELETE FROM "
        + quotedName()
        + " WHERE "
        + primaryKey.stream().map(c -> quote(c) + " = ?").collect(Collectors.joining(" AND "));
  }

  /** Binds {@code row} (and the pane index) to an {@link #upsertSql()} statement. */
  public void bindUpsert(PreparedStatement st, Row row, long paneIndex) throws SQLException {
    int i = 1;
    for (Field f : schema.getFields()) {
      bind(st, i++, f.getType(), row.getValue(f.getName()));
    }
    if (paneIndexColumn != null) {
      st.setLong(i, paneIndex);
    }
  }

  /** Binds the key of {@code row} to a {@link #deleteSql()} statement. */
  public void bindDelete(PreparedStatement st, Row row) throws SQLException {
    int i = 1;
    for (String pk : primaryKey) {
      bind(st, i++, schema.getField(pk).getType(), row.getValue(pk));
    }
  }

  static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  static String sqlType(FieldType type, String field) {
    switch (type.getTypeName()) {
      case STRING:
        return "text";
      case BYTE:
      case INT16:
        return "smallint";
      case INT32:
        return "integer";
      case INT64:
        return "bigint";
      case FLOAT:
        return "real";
      case DOUBLE:
        return "double precision";
      case DECIMAL:
        return "numeric";
      case BOOLEAN:
        return "boolean";
      case DATETIME:
        return "timestamptz";
      case BYTES:
        return "bytea";
      case LOGICAL_TYPE:
        if (SqlTypes.DATE.getIdentifier().equals(type.getLogicalType().getIdentifier())) {
          return "date";
        }
        break;
      default:
        break;
    }
    throw new IllegalArgumentException(
        "PostgresTable: field '"
            + field
            + "' has type "
            + type
            + ", which has no PostgreSQL column mapping here");
  }

  private static void bind(PreparedStatement st, int i, FieldType type, @Nullable Object value)
      throws SQLException {
    switch (type.getTypeName()) {
      case STRING:
        if (value == null) st.setNull(i, Types.VARCHAR);
        else st.setString(i, (String) value);
        return;
      case BYTE:
      case INT16:
      case INT32:
      case INT64:
        if (value == null) st.setNull(i, Types.BIGINT);
        else st.setLong(i, ((Number) value).longValue());
        return;
      case FLOAT:
      case DOUBLE:
        if (value == null) st.setNull(i, Types.DOUBLE);
        else st.setDouble(i, ((Number) value).doubleValue());
        return;
      case DECIMAL:
        if (value == null) st.setNull(i, Types.NUMERIC);
        else st.setBigDecimal(i, (BigDecimal) value);
        return;
      case BOOLEAN:
        if (value == null) st.setNull(i, Types.BOOLEAN);
        else st.setBoolean(i, (Boolean) value);
        return;
      case DATETIME:
        if (value == null) {
          st.setNull(i, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
          st.setObject(
              i,
              OffsetDateTime.ofInstant(
                  java.time.Instant.ofEpochMilli(((ReadableInstant) value).getMillis()),
                  ZoneOffset.UTC));
        }
        return;
      case BYTES:
        if (value == null) st.setNull(i, Types.BINARY);
        else st.setBytes(i, (byte[]) value);
        return;
      default:
        if (value == null) st.setNull(i, Types.DATE);
        else st.setObject(i, (LocalDate) value);
    }
  }
}
