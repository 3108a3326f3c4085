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
import io.tributary.transforms.json.JsonRowDecoder;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.FusedStages;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.stages.RecordFnChain;
import io.tributary.transforms.stages.RecordStages;
import io.tributary.transforms.validate.Validate;
import io.tributary.transforms.values.RowBytesCoder;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.parquet.ParquetIO;
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
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Reads files of one {@link FileFormat} into {@link Row}s of a contract's Beam schema, sending
 * everything that does not fit to the bad-record handler.
 *
 * <p><b>One stage.</b> {@code ReadRows} is one {@link AccountedStage}, named {@value #STAGE} by
 * default ({@link #withStageName}): every record (line, CSV record, Avro or Parquet record) it saw
 * is counted in {@code tributary/stage.decode.in}, including those it rejects, and each file-level
 * rejection once; every row it outputs in {@code stage.decode.out}; every rejection, in every
 * format, carries the stage name ({@code decode/<reason>} in the dead letter, counted in {@code
 * dead_letter.decode.<reason>}), so {@code in = out + rejected}. The counters count in Beam's
 * metrics and in the in-JVM mirror the live progress line reads. The default is the stage name
 * these rejections have always had, so dead-letter files keep their form.
 *
 * <p><b>Validating (and more) in the same step.</b> {@link #withValidation} runs a {@code
 * Validate}'s rules on every decoded row inside the reading step, as a second accounted stage with
 * that transform's name, counters and rejections ({@link FusedStages}): the rows, dead letters and
 * accounting of {@code Validate} applied after this transform, with one serialization boundary
 * fewer on Flink. {@link #withStages} does the same for any per-row stages ({@code RecordStages}:
 * {@code Validate}, {@code MapFields}, {@code FilterRows}, {@code Protect}, {@code EventTime}).
 *
 * <p><b>Blank lines.</b> One rule for the text formats: a blank or whitespace-only line (JSON
 * lines) or CSV record (a record of one blank field, anywhere in the file, also before the header)
 * is counted {@code in} and rejected as {@code empty_line}; nothing vanishes from the accounting.
 * Avro and Parquet have no lines.
 *
 * <p>Reason codes by format: JSON lines {@code too_large} beyond {@link #withLimits}, {@code
 * invalid_utf8}, {@code corrupt_file} (as {@link ReadLines} finds them), {@code empty_line} and the
 * codes of {@link DecodeJson} ({@code not_json}, {@code truncated_json}, {@code missing_field},
 * {@code wrong_type}, {@code bad_timestamp}, ...); CSV {@code empty_line}, {@code missing_column}
 * (the header lacks a required field; the whole file is one dead letter), {@code bad_csv}
 * (unbalanced quotes and similar; the rest of the file is one dead letter), {@code corrupt_file}
 * (the file's stream failed, e.g. a truncated gzip; the records before are kept, the rest is one
 * dead letter), {@code missing_field}, {@code wrong_type}, {@code bad_timestamp}; Avro {@code
 * unresolvable_schema} (the file's writer schema cannot be read with the contract; one dead letter
 * naming the file, field and rule), {@code corrupt_file}, {@code wrong_type}; Parquet {@code
 * wrong_type}. Avro files written with an older schema are resolved by Avro's rules.
 *
 * <pre>{@code
 * PCollection<Row> rows = pipeline
 *     .apply("Files", FileSource.glob("/data/in/*.csv"))
 *     .apply("ReadCsv", ReadRows.of(FileFormat.CSV, registry.latest("clickstream-event"))
 *         .withDelimiter(';')
 *         .withBadRecordErrorHandler(handler));
 * StageGraph stages = StageGraph.of(pipeline);     // ReadRows is the stage "decode"
 * }</pre>
 */
@AutoValue
public abstract class ReadRows
    extends PTransform<PCollection<FileIO.ReadableFile>, PCollection<Row>>
    implements AccountedStage, FusedStages {
  /** The default stage name, the stage its rejections have always carried. */
  public static final String STAGE = "decode";

  abstract FileFormat format();

  abstract RegisteredSchema schema();

  abstract char delimiter();

  abstract String stage();

  abstract RecordLimits limits();

  abstract ErrorHandler<BadRecord, ?> badRecordErrorHandler();

  abstract @Nullable RecordStages stages();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setFormat(FileFormat format);

    abstract Builder setSchema(RegisteredSchema schema);

    abstract Builder setDelimiter(char delimiter);

    abstract Builder setStage(String stage);

    abstract Builder setLimits(RecordLimits limits);

    abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler);

    abstract Builder setStages(@Nullable RecordStages stages);

    abstract ReadRows build();
  }

  private static final TupleTag<Row> ROWS = new TupleTag<Row>() {};

  /** Reads {@code format} against {@code schema} (the reader schema); stage {@value #STAGE}. */
  public static ReadRows of(FileFormat format, RegisteredSchema schema) {
    checkArgument(format != null, "ReadRows.of: format must not be null");
    checkArgument(schema != null, "ReadRows.of: schema must not be null");
    return new AutoValue_ReadRows.Builder()
        .setFormat(format)
        .setSchema(schema)
        .setDelimiter(',')
        .setStage(STAGE)
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

  /**
   * The stage name (lower_snake_case), {@value #STAGE} by default: the prefix of the stage's
   * counters and the stage of every rejection. A pipeline with two file sources gives each its own.
   */
  public ReadRows withStageName(String name) {
    return toBuilder().setStage(AccountedStage.checkName(name, "ReadRows.withStageName")).build();
  }

  @Override
  public String stageName() {
    return stage();
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

  /**
   * Also checks every decoded row against {@code validate}'s rules, in the same step: the rows,
   * dead letters and accounting (a second stage with {@code validate}'s name and counters) of
   * {@code validate} applied to this transform's output, without a step in between (see {@link
   * FusedStages} for why). {@code validate} must send rejections to the same handler as this
   * transform ({@link #withBadRecordErrorHandler}, set before this call) and have another stage
   * name.
   *
   * <pre>{@code
   * PCollection<Row> valid = files.apply("Decode", ReadRows.of(FileFormat.JSONL, contract)
   *     .withBadRecordErrorHandler(handler)
   *     .withValidation(Validate.rows()
   *         .withRule(RowRule.atLeast("price", BigDecimal.ZERO).withReason("negative_price"))
   *         .withBadRecordErrorHandler(handler)));
   * }</pre>
   */
  public ReadRows withValidation(Validate validate) {
    checkArgument(validate != null, "ReadRows.withValidation: validate must not be null");
    return withStages("ReadRows.withValidation", RecordStages.of(validate));
  }

  /**
   * Also runs {@code stages} on every decoded row, in the same step: the rows, timestamps, dead
   * letters and accounting (a stage each, with its own name and counters) of {@code stages} applied
   * to this transform's output, without a step in between (see {@link FusedStages} for why). The
   * output is the last stage's. The stages must send rejections to the same handler as this
   * transform ({@link #withBadRecordErrorHandler}, set before this call) and have other stage
   * names. {@link #withValidation} is this with one {@code Validate}.
   *
   * <pre>{@code
   * PCollection<Row> ready = files.apply("Decode", ReadRows.of(FileFormat.JSONL, contract)
   *     .withBadRecordErrorHandler(handler)
   *     .withStages(RecordStages.of(
   *         Validate.rows().withRule(rule).withBadRecordErrorHandler(handler),
   *         EventTime.fromField("event_time").withBadRecordErrorHandler(handler))));
   * }</pre>
   */
  public ReadRows withStages(RecordStages stages) {
    checkArgument(stages != null, "ReadRows.withStages: stages must not be null");
    return withStages("ReadRows.withStages", stages);
  }

  private ReadRows withStages(String call, RecordStages stages) {
    stages.checkRunnableBy(call, this, badRecordErrorHandler(), Set.of(stage()));
    return toBuilder().setStages(stages).build();
  }

  @Override
  public List<AccountedStage> fusedStages() {
    if (stages() == null) {
      return List.of(this);
    }
    List<AccountedStage> all = new ArrayList<>();
    all.add(this);
    all.addAll(stages().fusedStages());
    return all;
  }

  @Override
  public PCollection<Row> expand(PCollection<FileIO.ReadableFile> files) {
    org.apache.beam.sdk.schemas.Schema beamSchema = schema().beamSchema();
    BadRecordRouter router = DeadLetters.routerFor(badRecordErrorHandler());
    @Nullable RecordFnChain chain =
        stages() == null ? null : RecordFnChain.of(stages().recordFns(beamSchema));
    org.apache.beam.sdk.schemas.Schema outSchema =
        chain == null ? beamSchema : chain.outputSchema();
    switch (format()) {
      case JSONL:
        {
          // One stage in one step: ReadLines counts each line in and rejects what it cannot
          // read; the decoder, in the same step, counts each row out and rejects the rest (blank
          // lines included).
          JsonRowDecoder decoder =
              JsonRowDecoder.of(beamSchema, stage())
                  .withLimits(limits())
                  .withDecimalBounds(schema().decimalBounds());
          JsonLineFn decode = new JsonLineFn(decoder, stage(), router);
          decode.running(chain);
          return finish(
              files.apply(
                  "ReadLines",
                  ReadLines.create()
                      .asFirstStepOf(stage())
                      .withLimits(limits())
                      .withBadRecordErrorHandler(badRecordErrorHandler())
                      .then(ROWS, decode)),
              outSchema);
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
                  ParDo.of(new GenericToRowFn(beamSchema, stage(), router).running(chain))
                      .withOutputTags(ROWS, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG))),
              outSchema);
        }
      case CSV:
        {
          CsvCodec codec = new CsvCodec(beamSchema, stage()); // fails here for nested fields
          return finish(
              files.apply(
                  "ParseCsv",
                  ParDo.of(new CsvFileFn(codec, delimiter(), stage(), router).running(chain))
                      .withOutputTags(ROWS, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG))),
              outSchema);
        }
      case AVRO:
        return finish(
            files.apply(
                "ReadAvro",
                ParDo.of(new AvroFileFn(schema(), stage(), router).running(chain))
                    .withOutputTags(ROWS, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG))),
            outSchema);
      default:
        throw new IllegalStateException("ReadRows: unhandled format " + format());
    }
  }

  private PCollection<Row> finish(
      PCollectionTuple result, org.apache.beam.sdk.schemas.Schema outSchema) {
    DeadLetters.register(badRecordErrorHandler(), result);
    return result.get(ROWS).setCoder(RowBytesCoder.of(outSchema));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("format", format().name()).withLabel("File format"))
        .add(DisplayData.item("schema", schema().toString()).withLabel("Reader schema"))
        .add(DisplayData.item("delimiter", String.valueOf(delimiter())).withLabel("CSV delimiter"))
        .add(DisplayData.item("stage", stage()).withLabel("Stage name"))
        .addIfNotNull(
            DisplayData.item("stages", stages() == null ? null : stages().stageNames())
                .withLabel("Fused stages"))
        .add(
            DisplayData.item("maxRecordBytes", limits().maxRecordBytes())
                .withLabel("Largest record (bytes)"))
        .add(
            DisplayData.item(
                    "badRecordErrorHandler", badRecordErrorHandler().getClass().getSimpleName())
                .withLabel("Bad-record handler"));
  }

  /** Base of the readers: counting the stage and rejecting. */
  abstract static class RowsFn<InT> extends DoFn<InT, Row> {
    final String stage;
    final BadRecordRouter router;
    final StageCounters counters;
    private @Nullable RecordFnChain stages;

    RowsFn(String stage, BadRecordRouter router) {
      this.stage = stage;
      this.router = router;
      this.counters = StageCounters.of(stage);
    }

    /** One record (or the rest of a file, rejected at once) entered the stage. */
    void countIn() {
      counters.in();
    }

    /**
     * Outputs one row, counted out; with fused stages ({@link ReadRows#withStages}) what they make
     * of it: a row (maybe another, with another timestamp), or their rejection.
     */
    void output(MultiOutputReceiver out, Row row, Instant timestamp) throws Exception {
      counters.out();
      if (stages == null) {
        out.get(ROWS).output(row);
      } else {
        stages.run(row, timestamp, router, out, ROWS);
      }
    }

    /** Runs {@code stages} on every row this step outputs (null: none). */
    RowsFn<InT> running(@Nullable RecordFnChain stages) {
      this.stages = stages;
      return this;
    }

    @Setup
    public void setupStages() throws Exception {
      if (stages != null) {
        stages.setup();
      }
    }

    /** Whether a fused stage may move a row's timestamp. */
    public boolean movesTimestamp() {
      return stages != null && stages.movesTimestamp();
    }

    // A fused event-time stage may move a row earlier than its file's timestamp.
    @SuppressWarnings("deprecation")
    @Override
    public Duration getAllowedTimestampSkew() {
      return stages == null ? Duration.ZERO : stages.allowedTimestampSkew();
    }

    void reject(MultiOutputReceiver out, String payload, RecordRejectedException e)
        throws Exception {
      DeadLetters.reject(router, out, payload, StringUtf8Coder.of(), e);
    }
  }

  /**
   * The decoding of the JSON lines stage: decodes each line (counted in by {@link ReadLines}); a
   * blank line is an {@code empty_line}. Not a step of its own: {@link ReadLines#then} runs it in
   * the reading step, for every line it reads (a {@code RowsFn} for the counting and rejecting it
   * shares with the other formats).
   */
  static final class JsonLineFn extends RowsFn<String> implements ReadLines.LineConsumer {
    private final JsonRowDecoder decoder;

    JsonLineFn(JsonRowDecoder decoder, String stage, BadRecordRouter router) {
      super(stage, router);
      this.decoder = decoder;
    }

    @Override
    public void setup() throws Exception {
      setupStages();
    }

    @Override
    public void accept(String line, Instant timestamp, MultiOutputReceiver out) throws Exception {
      try {
        output(out, decoder.decode(line), timestamp); // rejects a blank line as empty_line
      } catch (RecordRejectedException e) {
        reject(out, line, e);
      }
    }
  }

  static final class GenericToRowFn extends RowsFn<GenericRecord> {
    private final org.apache.beam.sdk.schemas.Schema beamSchema;

    GenericToRowFn(
        org.apache.beam.sdk.schemas.Schema beamSchema, String stage, BadRecordRouter router) {
      super(stage, router);
      this.beamSchema = beamSchema;
    }

    @ProcessElement
    public void process(
        @Element GenericRecord record, @Timestamp Instant timestamp, MultiOutputReceiver out)
        throws Exception {
      countIn();
      try {
        output(out, ResolvingReader.toRow(record, beamSchema, stage), timestamp);
      } catch (RecordRejectedException e) {
        reject(out, record.toString(), e);
      }
    }
  }

  static final class CsvFileFn extends RowsFn<FileIO.ReadableFile> {
    private final CsvCodec codec;
    private final char delimiter;

    CsvFileFn(CsvCodec codec, char delimiter, String stage, BadRecordRouter router) {
      super(stage, router);
      this.codec = codec;
      this.delimiter = delimiter;
    }

    /** A blank line: a record of one empty or whitespace-only field. */
    static boolean blank(CSVRecord record) {
      return record.size() == 1 && record.get(0).isBlank();
    }

    /**
     * Reads the header (the first record that is not blank) itself rather than through the parser's
     * header support, so that blank lines are records too: the parser either skips them everywhere,
     * silently, or takes a leading one for the header. Records are numbered from the first after
     * the header, blank ones included.
     */
    @ProcessElement
    public void process(
        @Element FileIO.ReadableFile file, @Timestamp Instant timestamp, MultiOutputReceiver out)
        throws Exception {
      String name = file.getMetadata().resourceId().toString();
      CSVFormat format =
          CSVFormat.DEFAULT.builder().setDelimiter(delimiter).setIgnoreEmptyLines(false).build();
      long recordNumber = 0;
      long headerNumber = -1;
      Map<String, Integer> columns = null;
      TrackedStream tracked = new TrackedStream(Channels.newInputStream(file.open()));
      try (TrackedStream in = tracked;
          Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8);
          CSVParser parser = format.parse(reader)) {
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
            if (columns == null) {
              throw e; // a malformed header: not a record's fault, as before
            }
            countIn();
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
          if (blank(record)) {
            countIn();
            String where;
            if (columns == null) {
              where = name + " before the header";
            } else {
              recordNumber = record.getRecordNumber() - headerNumber;
              where = name + " record " + recordNumber;
            }
            reject(
                out,
                record.get(0),
                new RecordRejectedException(
                    stage, "empty_line", where + ": the line is blank; expected a CSV record"));
            continue;
          }
          if (columns == null) {
            headerNumber = record.getRecordNumber();
            columns = header(record.toList());
            if (!hasRequiredColumns(name, columns, record.toList(), out)) {
              return;
            }
            continue;
          }
          recordNumber = record.getRecordNumber() - headerNumber;
          countIn();
          String where = name + " record " + recordNumber;
          try {
            output(out, codec.decode(record.toList(), columns, where), timestamp);
          } catch (RecordRejectedException e) {
            reject(out, format.format(record.toList().toArray()), e);
          }
        }
        if (columns == null) {
          hasRequiredColumns(name, Map.of(), List.of(), out); // no header at all
        }
      } catch (IOException | java.io.UncheckedIOException e) {
        if (tracked.failure == null) {
          throw e; // not the stream (e.g. a malformed header): as before
        }
        countIn();
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

    /** Column name to index; a name given twice is the last column of that name. */
    private static Map<String, Integer> header(List<String> names) {
      Map<String, Integer> columns = new HashMap<>();
      for (int i = 0; i < names.size(); i++) {
        columns.put(names.get(i), i);
      }
      return columns;
    }

    /** Whether the header has every required field; if not the whole file is one dead letter. */
    private boolean hasRequiredColumns(
        String name, Map<String, Integer> columns, List<String> names, MultiOutputReceiver out)
        throws Exception {
      List<String> missing = new ArrayList<>();
      for (org.apache.beam.sdk.schemas.Schema.Field f : codec.schemaFields()) {
        if (!f.getType().getNullable() && !columns.containsKey(f.getName())) {
          missing.add(f.getName());
        }
      }
      if (missing.isEmpty()) {
        return true;
      }
      countIn();
      reject(
          out,
          name,
          new RecordRejectedException(
              stage,
              "missing_column",
              name + ": header lacks the required column(s) " + missing + "; it has " + names));
      return false;
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

    AvroFileFn(RegisteredSchema reader, String stage, BadRecordRouter router) {
      super(stage, router);
      this.reader = reader;
    }

    @ProcessElement
    public void process(
        @Element FileIO.ReadableFile file, @Timestamp Instant timestamp, MultiOutputReceiver out)
        throws Exception {
      String name = file.getMetadata().resourceId().toString();
      long n = 0;
      try (InputStream in = Channels.newInputStream(file.open());
          DataFileStream<GenericRecord> stream =
              new DataFileStream<>(in, new GenericDatumReader<GenericRecord>(reader.schema()))) {
        List<String> problems = Compatibility.readerProblems(reader.schema(), stream.getSchema());
        if (!problems.isEmpty()) {
          countIn();
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
          countIn();
          try {
            output(out, ResolvingReader.toRow(record, beamSchema, stage), timestamp);
          } catch (RecordRejectedException e) {
            reject(out, record.toString(), e);
          }
          record = null; // rows may keep references to the record's values
        }
      } catch (java.io.IOException | org.apache.avro.AvroRuntimeException e) {
        countIn();
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
