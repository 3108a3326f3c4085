package io.tributary.io.formats;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.io.schema.AvroRows;
import io.tributary.io.schema.RegisteredSchema;
import io.tributary.transforms.json.RowJsonText;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.extensions.avro.io.AvroIO;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.values.Row;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * {@link FileIO.Sink}s that write {@link Row}s of a contract in each {@link FileFormat}: the write
 * half of {@link ReadRows}, so every format round-trips.
 *
 * <pre>{@code
 * rows.apply("WriteParquet", FileIO.<Row>write()
 *     .via(RowSinks.of(FileFormat.PARQUET, registry.latest("clickstream-event")))
 *     .to("/data/out").withSuffix(".parquet"));
 * }</pre>
 */
public final class RowSinks {
  private RowSinks() {}

  /** A sink for {@code format} writing rows of {@code schema}; CSV uses {@code ,}. */
  public static FileIO.Sink<Row> of(FileFormat format, RegisteredSchema schema) {
    return of(format, schema, ',');
  }

  /** Like {@link #of(FileFormat, RegisteredSchema)} with a CSV delimiter. */
  public static FileIO.Sink<Row> of(FileFormat format, RegisteredSchema schema, char delimiter) {
    checkArgument(
        format != null && schema != null, "RowSinks.of: format and schema must not be null");
    switch (format) {
      case JSONL:
        return new JsonLinesSink();
      case CSV:
        return new CsvSink(new CsvCodec(schema.beamSchema(), "encode"), delimiter);
      case AVRO:
        return new GenericSink(schema, AvroIO.sink(schema.schema()));
      case PARQUET:
        return new GenericSink(schema, ParquetIO.sink(schema.schema()));
      default:
        throw new IllegalArgumentException("RowSinks.of: unhandled format " + format);
    }
  }

  static final class JsonLinesSink implements FileIO.Sink<Row> {
    private transient Writer writer;

    @Override
    public void open(WritableByteChannel channel) {
      writer = new OutputStreamWriter(Channels.newOutputStream(channel), StandardCharsets.UTF_8);
    }

    @Override
    public void write(Row row) throws IOException {
      writer.write(RowJsonText.render(row));
      writer.write('\n');
    }

    @Override
    public void flush() throws IOException {
      writer.flush();
    }
  }

  static final class CsvSink implements FileIO.Sink<Row> {
    private final CsvCodec codec;
    private final char delimiter;
    private transient CSVPrinter printer;

    CsvSink(CsvCodec codec, char delimiter) {
      this.codec = codec;
      this.delimiter = delimiter;
    }

    @Override
    public void open(WritableByteChannel channel) throws IOException {
      Writer writer =
          new OutputStreamWriter(Channels.newOutputStream(channel), StandardCharsets.UTF_8);
      printer =
          CSVFormat.DEFAULT
              .builder()
              .setDelimiter(delimiter)
              .setRecordSeparator('\n')
              .build()
              .print(writer);
      printer.printRecord(codec.header());
    }

    @Override
    public void write(Row row) throws IOException {
      printer.printRecord(codec.encode(row));
    }

    @Override
    public void flush() throws IOException {
      printer.flush();
    }
  }

  /** Converts rows to Avro records of the contract and delegates to Beam's Avro or Parquet sink. */
  static final class GenericSink implements FileIO.Sink<Row> {
    private final RegisteredSchema schema;
    private final FileIO.Sink<GenericRecord> delegate;

    GenericSink(RegisteredSchema schema, FileIO.Sink<GenericRecord> delegate) {
      this.schema = schema;
      this.delegate = delegate;
    }

    @Override
    public void open(WritableByteChannel channel) throws IOException {
      delegate.open(channel);
    }

    @Override
    public void write(Row row) throws IOException {
      delegate.write(AvroRows.toGenericRecord(row, schema.schema()));
    }

    @Override
    public void flush() throws IOException {
      delegate.flush();
    }
  }
}
