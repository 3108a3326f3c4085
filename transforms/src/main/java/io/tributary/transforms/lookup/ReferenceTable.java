package io.tributary.transforms.lookup;

import java.io.IOException;
import java.io.Serializable;
import java.util.function.Consumer;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;

/**
 * A table that {@link Lookup#fromTable} reads whole, as a snapshot, when the pipeline starts and
 * again on every refresh: a file of a device registry, a PostgreSQL query. Serializable, so each
 * worker reads with its own copy; implementations for files ({@code ReferenceFiles}, package {@code
 * io.tributary.io.formats}) and PostgreSQL ({@code PostgresReference}, {@code
 * io.tributary.io.jdbc}) live in io-connectors.
 *
 * <pre>{@code
 * ReferenceTable devices = new ReferenceTable() {
 *   public String name() { return "devices"; }
 *   public Schema schema() { return DEVICE; }
 *   public void read(Consumer<Row> rows) { rows.accept(Row.withSchema(DEVICE).addValues("d1", "north").build()); }
 * };
 * readings.apply(Lookup.fromTable(devices).by("device_id").withField("site"));
 * }</pre>
 */
public interface ReferenceTable extends Serializable {
  /** What the table is called in messages and display data (a path, a query): never a secret. */
  String name();

  /** The schema of every row {@link #read} gives, known when the pipeline is built. */
  Schema schema();

  /**
   * Reads one snapshot of the table, giving each row to {@code rows} in turn. A read that fails
   * throws, failing the bundle that asked for the snapshot (Beam retries it as any bundle).
   */
  void read(Consumer<Row> rows) throws IOException;
}
