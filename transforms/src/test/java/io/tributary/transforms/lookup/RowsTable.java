package io.tributary.transforms.lookup;

import java.util.List;
import java.util.function.Consumer;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;

/** A reference table of fixed rows, for tests of {@link Lookup#fromTable}. */
final class RowsTable implements ReferenceTable {
  private static final long serialVersionUID = 1L;

  private final String name;
  private final Schema schema;
  private final List<Row> rows;

  RowsTable(String name, Schema schema, List<Row> rows) {
    this.name = name;
    this.schema = schema;
    this.rows = List.copyOf(rows);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Schema schema() {
    return schema;
  }

  @Override
  public void read(Consumer<Row> out) {
    rows.forEach(out);
  }
}
