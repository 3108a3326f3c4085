package io.tributary.io.formats;

import java.util.Arrays;
import java.util.Locale;

/**
 * The file formats Tributary reads and writes against a schema.
 *
 * <pre>{@code
 * FileFormat format = FileFormat.parse("parquet");   // from an option
 * String suffix = format.suffix();                   // ".parquet"
 * }</pre>
 */
public enum FileFormat {
  /** One JSON object per line (UTF-8). */
  JSONL(".jsonl"),
  /** Comma (or other delimiter) separated values with a header line naming the fields. */
  CSV(".csv"),
  /** Avro object container files; each file carries its writer schema. */
  AVRO(".avro"),
  /** Apache Parquet through Beam's ParquetIO (parquet-avro). */
  PARQUET(".parquet");

  private final String suffix;

  FileFormat(String suffix) {
    this.suffix = suffix;
  }

  /** The conventional file name suffix, with the dot. */
  public String suffix() {
    return suffix;
  }

  /** Parses a format name case-insensitively ({@code json} is accepted for JSONL). */
  public static FileFormat parse(String name) {
    String n = name == null ? "" : name.trim().toUpperCase(Locale.ROOT);
    if (n.equals("JSON") || n.equals("JSON_LINES") || n.equals("NDJSON")) {
      return JSONL;
    }
    try {
      return valueOf(n);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "format: expected one of "
              + Arrays.toString(values()).toLowerCase(Locale.ROOT)
              + ", got '"
              + name
              + "'");
    }
  }
}
