package io.tributary.io.formats;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import io.tributary.io.files.ReadLines;
import io.tributary.io.schema.Compatibility;
import io.tributary.io.schema.RegisteredSchema;
import io.tributary.io.schema.ResolvingReader;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.json.DecodeJson;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.metrics.RunAccounting;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Reads files of one {@link FileFormat} into {@link Row}s of a contract's Beam schema, sending
 * everything that does not fit to the bad-record handler.
 *
 * <p>Reason codes by format: JSON lines are read by {@link ReadLines} (stage {@code read}: {@code
 * too_large} beyond {@link #withLimits}, {@code invalid_utf8}, {@code corrupt_file}) and decoded as
 * {@link DecodeJson} ({@code not_json}, {@code truncated_json}, {@code missing_field}, {@code
 * wrong_type}, {@code bad_timestamp}, {@code empty_line}); CSV {@code missing_column} (the header
 * lacks a required field; the whole file is one dead letter), {@code bad_csv} (unbalanced quotes
 * and similar; the rest of the file is one dead letter), {@code corrupt_file} (the file's stream
 * failed, e.g. a truncated gzip; the records before are kept, the rest is one dead letter), {@code
 * missing_field}, {@code wrong_type}, {@code bad_timestamp}; Avro {@code unresolvable_schema} (the
 * file's writer schema cannot be read with the contract; one dead letter naming the file, field and
 * rule), {@code corrupt_file}, {@code wrong_type}; Parquet {@code wrong_type}. Avro files written
 * with an older schema are resolved by Avro's rules. Every record (or file-level rejection) is
 * counted once in {@code tributary/read}, so the run's accounting balances.
 *
 * <pre>{@code
 * PCollection<Row> rows = pipeline
 *     .apply("Match", FileIO.match().filepattern("/data/in/*.csv"))
 *     .apply("Open", FileIO.readMatches())
 *     .apply("ReadCsv", ReadRows.of(FileFormat.CSV, registry.latest("clickstream-event"))
 *         .withDelimiter(';')
 *         .withBadRecordErrorHandler(handler));
 * }</pre>
 */
@AutoValue
public abstract class ReadRows
    extends PTransform<PCollection<FileIO.ReadableFile>, PCollection<Row>> {
  abstract FileFormat format();

  abstract RegisteredSchema schema();

  abstract char delimiter();

  abstract String stage();

  abstract @Nullable String readCounter();

  abstract RecordLimits limits();

  abstract ErrorHandler<BadRecord, ?> badRecordErrorHandler();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setFormat(FileFormat format);

    abstract Builder setSchema(RegisteredSchema schema);

    abstract Builder setDelimiter(char delimiter);

    abstract Builder setStage(String stage);

    abstract Builder setReadCounter(@Nullable String counter);

    abstract Builder setLimits(RecordLimits limits);

    abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler);

    abstract ReadRows build();
  }

  private static final TupleTag<Row> ROWS = new TupleTag<Row>() {};

  /** Reads {@code format} against {@code schema} (the reader schema); stage {@code decode}. */
  public static ReadRows of(FileFormat format, RegisteredSchema schema) {
    checkArgument(format != null, "ReadRows.of: format must not be null");
    checkArgument(schema != null, "ReadRows.of: schema must not be null");
    return new AutoValue_ReadRows.Builder()
        .setFormat(format)
        .setSchema(schema)
        .setDelimiter(',')
        .setStage("decode")
        .setReadCounter(RunAccounting.READ)
        .setLimits(RecordLimits.defaults())
        .setBadRecordErrorHandler(DeadLetters.defaultHandler())
        .build();
  }

  /** The CSV delimiter, {@code ,} by default. */
  public ReadRows withDelimiter(char delimiter) {
    checkArgument(
        delimiter != '"' && delimiter != '\n' && delimiter != '\r',
        "ReadRows.withDelimiter: delimiter must not be a quote or line break, got %s",
        delimiter);
    return toBuilder().setDelimiter(delimiter).build();
  }

  /** The stage name on rejections, {@code decode} by default. */
  public ReadRows withStage(String stage) {
    checkArgument(stage != null && !stage.isEmpty(), "ReadRows.withStage: stage must not be empty");
    return toBuilder().setStage(stage).build();
  }

  /** Counts records read into {@code tributary/<name>} ({@code read} by default); null disables. */
  public ReadRows withReadCounter(@Nullable String name) {
    return toBuilder().setReadCounter(name).build();
  }

  /**
   * Bounds of one record; JSON lines longer than {@link RecordLimits#maxRecordBytes()} become
   * {@code too_large} dead letters before they are decoded. {@link RecordLimits#defaults()} by
   * default.
   */
  public ReadRows withLimits(RecordLimits limits) {
    checkArgument(limits != null, "ReadRows.withLimits: limits must not be null");
    return toBuilder().setLimits(limits).build();
  }

  /** Sends undecodable records to {@code handler} instead of failing the pipeline. */
  public ReadRows withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgument(handler != null, "ReadRows.withBadRecordErrorHandler: handler must not be null");
    return toBuilder().setBadRecordErrorHandler(handler).build();
  }

  @Override
  public PCollection<Row> expand(PCollection<FileIO.ReadableFile> files) {
    org.apache.beam.sdk.schemas.Schema beamSchema = schema().beamSchema();
    BadRecordRouter router = DeadLetters.routerFor(badRecordErrorHandler());
    switch (format()) {
      case JSONL:
        {
          // ReadLines counts each line and each rejection of its own in the read counter.
          PCollection<String> lines =
              files.apply(
                  "ReadLines",
                  ReadLines.create()
                      .withLimits(limits())
                      .withReadCounter(readCounter())
                      .withBadRecordErrorHandler(badRecordErrorHandler()));
          return lines.apply(
              "DecodeJson",
              DecodeJson.toRows(beamSchema)
                  .withStage(stage())
                  .withLimits(limits())
                  .withDecimalBounds(schema().decimalBounds())
                  .withBadRecordErrorHandler(badRecordErrorHandler()));
        }
      case PARQUET:
        {
          PCollection<GenericRecord> records =
              files
                  .apply("ReadParquet", ParquetIO.readFiles(schema().schema()))
                  .setCoder(AvroCoder.of(GenericRecord.class, schema().schema()));
          return finish(
              records.apply(
                  "ToRows",
                  ParDo.of(new GenericToRowFn(beamSchema, stage(), router, readCounter()))
                      .withOutputTags(ROWS, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG))),
              beamSchema);
        }
      case CSV:
        {
          CsvCodec codec = new CsvCodec(beamSchema, stage()); // fails here for nested fields
          return finish(
              files.apply(
                  "ParseCsv",
                  ParDo.of(new CsvFileFn(codec, delimiter(), stage(), router, readCounter()))
                      .withOutputTags(ROWS, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG))),
              beamSchema);
        }
      case AVRO:
        return finish(
            files.apply(
                "ReadAvro",
                ParDo.of(new AvroFileFn(schema(), stage(), router, readCounter()))
                    .withOutputTags(ROWS, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG))),
            beamSchema);
      default:
        throw new IllegalStateException("ReadRows: unhandled format " + format());
    }
  }

  private PCollection<Row> finish(
      PCollectionTuple result, org.apache.beam.sdk.schemas.Schema beamSchema) {
    DeadLetters.register(badRecordErrorHandler(), result);
    return result.get(ROWS).setRowSchema(beamSchema);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("format", format().name()).withLabel("File format"))
        .add(DisplayData.item("schema", schema().toString()).withLabel("Reader schema"))
        .add(DisplayData.item("delimiter", String.valueOf(delimiter())).withLabel("CSV delimiter"))
        .add(DisplayData.item("stage", stage()).withLabel("Stage name on rejections"))
        .addIfNotNull(DisplayData.item("readCounter", readCounter()).withLabel("Read counter"))
        .add(
            DisplayData.item("maxRecordBytes", limits().maxRecordBytes())
                .withLabel("Largest record (bytes)"))
        .add(
            DisplayData.item(
                    "badRecordErrorHandler", badRecordErrorHandler().getClass().getSimpleName())
                .withLabel("Bad-record handler"));
  }

  /** Base of the per-file readers: counting and rejecting. */
  abstract static class RowsFn<InT> extends DoFn<InT, Row> {
    final String stage;
    final BadRecordRouter router;
    final @Nullable String counterName;
    transient @Nullable Counter read;

    RowsFn(String stage, BadRecordRouter router, @Nullable String counterName) {
      this.stage = stage;
      this.router = router;
      this.counterName = counterName;
    }

    @Setup
    public void setupCounter() {
      read = counterName == null ? null : Metrics.counter(DeadLetters.NAMESPACE, counterName);
    }

    void countRead() {
      if (read != null) {
        read.inc();
      }
    }

    void reject(MultiOutputReceiver out, String payload, RecordRejectedException e)
        throws Exception {
      DeadLetters.reject(router, out, payload, StringUtf8Coder.of(), e);
    }
  }

  static final class GenericToRowFn extends RowsFn<GenericRecord> {
    private final org.apache.beam.sdk.schemas.Schema beamSchema;

    GenericToRowFn(
        org.apache.beam.sdk.schemas.Schema beamSchema,
        String stage,
        BadRecordRouter router,
        @Nullable String counter) {
      super(stage, router, counter);
      this.beamSchema = beamSchema;
    }

    @ProcessElement
    public void process(@Element GenericRecord record, MultiOutputReceiver out) throws Exception {
      countRead();
      try {
        out.get(ROWS).output(ResolvingReader.toRow(record, beamSchema, stage));
      } catch (RecordRejectedException e) {
        reject(out, record.toString(), e);
      }
    }
  }

  static final class CsvFileFn extends RowsFn<FileIO.ReadableFile> {
    private final CsvCodec codec;
    private final char delimiter;

    CsvFileFn(
        CsvCodec codec,
        char delimiter,
        String stage,
        BadRecordRouter router,
        @Nullable String counter) {
      super(stage, router, counter);
      this.codec = codec;
      this.delimiter = delimiter;
    }

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, MultiOutputReceiver out)
        throws Exception {
      String name = file.getMetadata().resourceId().toString();
      CSVFormat format =
          CSVFormat.DEFAULT
              .builder()
              .setDelimiter(delimiter)
              .setHeader()
              .setSkipHeaderRecord(true)
              .build();
      long recordNumber = 0;
      TrackedStream tracked = new TrackedStream(Channels.newInputStream(file.open()));
      try (TrackedStream in = tracked;
          Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8);
          CSVParser parser = format.parse(reader)) {
        Map<String, Integer> columns = new HashMap<>(parser.getHeaderMap());
        List<String> missing = new java.util.ArrayList<>();
        for (org.apache.beam.sdk.schemas.Schema.Field f : codec.schemaFields()) {
          if (!f.getType().getNullable() && !columns.containsKey(f.getName())) {
            missing.add(f.getName());
          }
        }
        if (!missing.isEmpty()) {
          countRead();
          reject(
              out,
              name,
              new RecordRejectedException(
                  stage,
                  "missing_column",
                  name
                      + ": header lacks the required column(s) "
                      + missing
                      + "; it has "
                      + parser.getHeaderNames()));
          return;
        }
        Iterator<CSVRecord> it = parser.iterator();
        while (true) {
          CSVRecord record;
          try {
            if (!it.hasNext()) {
              break;
            }
            record = it.next();
          } catch (RuntimeException e) { // commons-csv wraps IOExceptions of a malformed file
            if (in.failure != null) {
              throw in.failure; // the stream broke, not the CSV: handled below
            }
            countRead();
            reject(
                out,
                name,
                new RecordRejectedException(
                    stage,
                    "bad_csv",
                    name
                        + ": unreadable after record "
                        + recordNumber
                        + " ("
                        + firstLine(e.getMessage())
                        + "); the rest of the file is not read"));
            return;
          }
          recordNumber = record.getRecordNumber();
          countRead();
          String where = name + " record " + recordNumber;
          try {
            out.get(ROWS).output(codec.decode(record.toList(), columns, where));
          } catch (RecordRejectedException e) {
            reject(
                out,
                format
                    .builder()
                    .setHeader()
                    .setSkipHeaderRecord(false)
                    .build()
                    .format(record.toList().toArray()),
                e);
          }
        }
      } catch (IOException | java.io.UncheckedIOException e) {
        if (tracked.failure == null) {
          throw e; // not the stream (e.g. a malformed header): as before
        }
        countRead();
        reject(
            out,
            name,
            new RecordRejectedException(
                stage,
                "corrupt_file",
                name
                    + ": unreadable after record "
                    + recordNumber
                    + ", at uncompressed byte "
                    + tracked.bytes
                    + " ("
                    + tracked.failure.getClass().getSimpleName()
                    + "); the rest of the file is not read"));
      }
    }

    private static String firstLine(String s) {
      if (s == null) {
        return "";
      }
      int nl = s.indexOf('\n');
      return nl < 0 ? s : s.substring(0, nl);
    }
  }

  /**
   * Counts the bytes a stream delivers and remembers its failure, so a parser's wrapped exception
   * can be told apart from a damaged (e.g. truncated gzip) stream.
   */
  static final class TrackedStream extends FilterInputStream {
    long bytes;
    @Nullable IOException failure;

    TrackedStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        int b = super.read();
        if (b >= 0) {
          bytes++;
        }
        return b;
      } catch (IOException e) {
        failure = e;
        throw e;
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        int n = super.read(b, off, len);
        if (n > 0) {
          bytes += n;
        }
        return n;
      } catch (IOException e) {
        failure = e;
        throw e;
      }
    }
  }

  static final class AvroFileFn extends RowsFn<FileIO.ReadableFile> {
    private final RegisteredSchema reader;

    AvroFileFn(
        RegisteredSchema reader, String stage, BadRecordRouter router, @Nullable String counter) {
      super(stage, router, counter);
      this.reader = reader;
    }

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, MultiOutputReceiver out)
        throws Exception {
      String name = file.getMetadata().resourceId().toString();
      long n = 0;
      try (InputStream in = Channels.newInputStream(file.open());
          DataFileStream<GenericRecord> stream =
              new DataFileStream<>(in, new GenericDatumReader<GenericRecord>(reader.schema()))) {
        List<String> problems = Compatibility.readerProblems(reader.schema(), stream.getSchema());
        if (!problems.isEmpty()) {
          countRead();
          reject(
              out,
              name,
              new RecordRejectedException(
                  stage,
                  "unresolvable_schema",
                  name
                      + ": its writer schema "
                      + stream.getSchema().getFullName()
                      + " cannot be read as "
                      + reader
                      + ": "
                      + String.join("; ", problems)));
          return;
        }
        org.apache.beam.sdk.schemas.Schema beamSchema = reader.beamSchema();
        GenericRecord record = null;
        while (stream.hasNext()) {
          record = stream.next(record);
          n++;
          countRead();
          try {
            out.get(ROWS).output(ResolvingReader.toRow(record, beamSchema, stage));
          } catch (RecordRejectedException e) {
            reject(out, record.toString(), e);
          }
          record = null; // rows may keep references to the record's values
        }
      } catch (java.io.IOException | org.apache.avro.AvroRuntimeException e) {
        countRead();
        reject(
            out,
            name,
            new RecordRejectedException(
                stage,
                "corrupt_file",
                name
                    + ": not a readable Avro container after "
                    + n
                    + " records ("
                    + e.getClass().getSimpleName()
                    + ")"));
      }
    }
  }
}
