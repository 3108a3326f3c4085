package io.tributary.io.formats;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.json.JsonRowDecoder;
import io.tributary.transforms.lookup.ReferenceTable;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MatchResult.Metadata;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * A {@link ReferenceTable} read from files: every file matching a glob (local, or any file system
 * Beam knows), JSON lines or CSV with a header, decoded by the rules of {@link ReadRows} against a
 * schema. Compressed files ({@code .gz}, ...) are read by their suffix. Each read lists the glob
 * again, so a refresh sees files added or replaced since.
 *
 * <p>A reference table is all or nothing: a line that does not decode fails the read, naming the
 * file, the line and the reason, rather than enriching rows from a table with holes (a streaming
 * run keeps its previous snapshot until a read succeeds; a bounded one fails). So does a glob that
 * matches no file. Avro and Parquet tables are not supported yet.
 *
 * <pre>{@code
 * ReferenceTable devices = ReferenceFiles.of(FileFormat.JSONL, "/data/ref/devices*.jsonl", DEVICE);
 * readings.apply(Lookup.fromTable(devices).by("device_id").withField("site")
 *     .withRefresh(Duration.standardMinutes(10)));
 * }</pre>
 */
public final class ReferenceFiles implements ReferenceTable {
  private static final long serialVersionUID = 1L;

  private final FileFormat format;
  private final String glob;
  private final Schema schema;

  private ReferenceFiles(FileFormat format, String glob, Schema schema) {
    this.format = format;
    this.glob = glob;
    this.schema = schema;
  }

  /**
   * The files matching {@code glob}, in {@code format} (JSON lines or CSV), rows of {@code schema}.
   */
  public static ReferenceFiles of(FileFormat format, String glob, Schema schema) {
    checkArgument(
        format == FileFormat.JSONL || format == FileFormat.CSV,
        "ReferenceFiles.of: a reference table is read from jsonl or csv files, got %s",
        format);
    checkArgument(glob != null && !glob.isBlank(), "ReferenceFiles.of: glob must not be empty");
    checkArgument(schema != null, "ReferenceFiles.of: schema must not be null");
    if (format == FileFormat.CSV) {
      new CsvCodec(schema, "lookup"); // fails now, naming the field, if a cell cannot hold it
    }
    return new ReferenceFiles(format, glob, schema);
  }

  @Override
  public String name() {
    return glob;
  }

  @Override
  public Schema schema() {
    return schema;
  }

  @Override
  public void read(Consumer<Row> rows) throws IOException {
    MatchResult match = FileSystems.match(glob);
    List<Metadata> files =
        match.status() == MatchResult.Status.OK ? new ArrayList<>(match.metadata()) : List.of();
    if (files.isEmpty()) {
      throw new IOException("reference table '" + glob + "': no file matches the glob");
    }
    files.sort(Comparator.comparing(m -> m.resourceId().toString()));
    for (Metadata file : files) {
      String name = file.resourceId().toString();
      try (Reader reader =
          new InputStreamReader(
              Channels.newInputStream(
                  Compression.detect(name).readDecompressed(FileSystems.open(file.resourceId()))),
              StandardCharsets.UTF_8)) {
        if (format == FileFormat.JSONL) {
          readJsonLines(name, new BufferedReader(reader), rows);
        } else {
          readCsv(name, reader, rows);
        }
      } catch (RecordRejectedException e) {
        throw new IOException(
            "reference table '" + glob + "': " + e.reason() + ": " + e.getMessage(), e);
      }
    }
  }

  private void readJsonLines(String name, BufferedReader lines, Consumer<Row> rows)
      throws IOException, RecordRejectedException {
    JsonRowDecoder decoder = JsonRowDecoder.of(schema, "lookup");
    String line;
    long number = 0;
    while ((line = lines.readLine()) != null) {
      number++;
      if (line.isBlank()) {
        continue; // a trailing newline's empty line holds no row of a reference table
      }
      try {
        rows.accept(decoder.decode(line));
      } catch (RecordRejectedException e) {
        throw new RecordRejectedException(
            e.stage(), e.reason(), name + " line " + number + ": " + e.getMessage());
      }
    }
  }

  private void readCsv(String name, Reader reader, Consumer<Row> rows)
      throws IOException, RecordRejectedException {
    CsvCodec codec = new CsvCodec(schema, "lookup");
    Map<String, Integer> columns = null;
    try (CSVParser parser = CSVFormat.DEFAULT.parse(reader)) {
      for (CSVRecord record : parser) {
        List<String> cells = record.toList();
        if (columns == null) {
          columns = new HashMap<>();
          for (int i = 0; i < cells.size(); i++) {
            columns.put(cells.get(i), i);
          }
          continue;
        }
        rows.accept(
            codec.decode(cells, columns, name + " record " + (record.getRecordNumber() - 1)));
      }
    }
  }

  @Override
  public String toString() {
    return "ReferenceFiles{" + format + " " + glob + "}";
  }
}
