package io.tributary.transforms.lookup;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.coders.MapCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.Row;

/**
 * Measures what a lookup snapshot of the IoT device registry's shape costs: heap held by the map a
 * worker keeps ({@link Lookup#read}'s result) and the encoded size of the side input, for a number
 * of rows. Measures memory, never time. The numbers are in docs/joins.md (Lookup enrichment, size
 * limit and memory).
 *
 * <pre>{@code
 * java -Xmx2g -cp <test classpath> io.tributary.transforms.lookup.LookupTableMemory 100000
 * }</pre>
 */
public final class LookupTableMemory {
  private LookupTableMemory() {}

  static final Schema DEVICE =
      Schema.builder()
          .addStringField("device_id")
          .addStringField("site")
          .addStringField("model")
          .addStringField("installed")
          .build();

  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    for (List<String> fields : List.of(List.of("site"), List.of("site", "model", "installed"))) {
      Schema.Builder vb = Schema.builder();
      fields.forEach(f -> vb.addField(DEVICE.getField(f)));
      Schema values = vb.build();
      ReferenceTable table =
          new ReferenceTable() {
            private static final long serialVersionUID = 1L;

            @Override
            public String name() {
              return "devices";
            }

            @Override
            public Schema schema() {
              return DEVICE;
            }

            @Override
            public void read(java.util.function.Consumer<Row> out) {
              for (int i = 0; i < rows; i++) {
                out.accept(
                    Row.withSchema(DEVICE)
                        .addValues(
                            String.format(Locale.ROOT, "d-%06d", i),
                            "plant-" + (i % 40),
                            "TH-" + (200 + i % 7 * 100),
                            String.format(Locale.ROOT, "2026-%02d-%02d", 1 + i % 12, 1 + i % 28))
                        .build());
              }
            }
          };
      long before = used();
      Map<String, Row> snapshot = Lookup.read(table, "device_id", fields, values, Long.MAX_VALUE);
      long after = used();
      byte[] encoded =
          CoderUtils.encodeToByteArray(
              MapCoder.of(StringUtf8Coder.of(), RowCoder.of(values)), new HashMap<>(snapshot));
      System.out.printf(
          Locale.ROOT,
          "rows=%d added_fields=%s heap_bytes=%d heap_bytes_per_row=%d encoded_bytes=%d%n",
          snapshot.size(),
          fields,
          after - before,
          (after - before) / rows,
          encoded.length);
    }
  }

  private static long used() throws InterruptedException {
    Runtime r = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return r.totalMemory() - r.freeMemory();
  }
}
