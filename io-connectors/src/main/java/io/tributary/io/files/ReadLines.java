package io.tributary.io.files;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.errors.TruncatedPayload;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.values.Durations;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.NoSuchFileException;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.ReadableFileCoder;
import org.apache.beam.sdk.io.range.OffsetRange;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Reads text files as UTF-8 lines, bounded: a hostile line becomes a dead letter, never a failed,
 * hung or starved run, and a damaged file keeps the lines before the damage.
 *
 * <p>Why not {@code TextIO.readFiles()}: it holds a whole line in memory whatever its size and
 * decodes leniently (a bad byte silently becomes U+FFFD). This reader splits the bytes (after the
 * file's compression) at {@code '\n'}, drops a {@code '\r'} before it and a UTF-8 byte order mark
 * at the start of a file, and for each line:
 *
 * <ul>
 *   <li>longer than {@link RecordLimits#maxRecordBytes()}: reason {@code too_large}. Only the first
 *       {@link RecordLimits#keptPayloadBytes()} are kept; the rest streams through SHA-256. The
 *       payload is a {@link TruncatedPayload} (head, length, hash), the message names the file, the
 *       line, the length, the limit and the hash.
 *   <li>not UTF-8: reason {@code invalid_utf8}; the payload is the original bytes ({@code byte[]}
 *       with {@code ByteArrayCoder}), the message names the file, the line and the first bad byte.
 *   <li>otherwise the line is output as a {@code String}; a blank or whitespace-only line too:
 *       {@code ReadLines} hands out raw text, and the decoder after it rejects a blank line as
 *       {@code empty_line} ({@code DecodeJson} does; {@code ReadRows} for JSON lines and CSV does
 *       it in its own stage).
 * </ul>
 *
 * <p>A stream that fails (a truncated or corrupt gzip, bzip2, zstd or deflate file) keeps the lines
 * already read; the rest of that file, including a partial line, is one dead letter with reason
 * {@code corrupt_file} whose payload is the file name and whose message gives the number of
 * complete lines, the uncompressed offset where reading stopped and the exception class. Other
 * files are not affected.
 *
 * <p><b>Accounting.</b> {@code ReadLines} is an {@link AccountedStage}, {@code read} by default
 * ({@link #withStageName}): every line it saw, and each damaged rest of a file, is counted in
 * {@code tributary/stage.read.in}, every line it outputs in {@code stage.read.out}, every rejection
 * in {@code dead_letter.read.<reason>}, so {@code in = out + rejected} for the stage. The counters
 * count in Beam's metrics and in the in-JVM mirror the live progress line reads.
 *
 * <p>Uncompressed files larger than 64 MiB are split into ranges read in parallel, as {@code
 * TextIO} does: a range reads the lines that begin inside it. Compressed files are read whole, by
 * one worker.
 *
 * <pre>{@code
 * PCollection<String> lines = pipeline
 *     .apply("Files", FileSource.glob("/data/in/*.jsonl.gz"))
 *     .apply("ReadLines", ReadLines.create()
 *         .withStageName("read_orders")      // one name per source of the pipeline
 *         .withLimits(RecordLimits.defaults().withMaxRecordBytes(256 * 1024))
 *         .withBadRecordErrorHandler(handler));
 * }</pre>
 */
@AutoValue
public abstract class ReadLines
    extends PTransform<PCollection<FileIO.ReadableFile>, PCollection<String>>
    implements AccountedStage {
  /** The default stage name. */
  public static final String STAGE = "read";

  /** Uncompressed files above this size are read in ranges of this size. */
  static final long DEFAULT_SPLIT_BYTES = 64L << 20;

  abstract RecordLimits limits();

  abstract String stage();

  abstract boolean countOut();

  abstract long splitBytes();

  abstract ErrorHandler<BadRecord, ?> badRecordErrorHandler();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setLimits(RecordLimits limits);

    abstract Builder setStage(String stage);

    abstract Builder setCountOut(boolean countOut);

    abstract Builder setSplitBytes(long bytes);

    abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler);

    abstract ReadLines build();
  }

  private static final TupleTag<String> LINES = new TupleTag<String>() {};

  /** Default limits, stage {@code read}. */
  public static ReadLines create() {
    return new AutoValue_ReadLines.Builder()
        .setLimits(RecordLimits.defaults())
        .setStage(STAGE)
        .setCountOut(true)
        .setSplitBytes(DEFAULT_SPLIT_BYTES)
        .setBadRecordErrorHandler(DeadLetters.defaultHandler())
        .build();
  }

  /** The size limit and how much of an oversized line its dead letter keeps. */
  public ReadLines withLimits(RecordLimits limits) {
    checkArgument(limits != null, "ReadLines.withLimits: limits must not be null");
    return toBuilder().setLimits(limits).build();
  }

  /**
   * The stage name (lower_snake_case), {@code read} by default: the prefix of the stage's counters
   * and the stage of its rejections. A pipeline with two sources gives each its own name.
   */
  public ReadLines withStageName(String name) {
    return toBuilder()
        .setStage(AccountedStage.checkName(name, "ReadLines.withStageName"))
        .setCountOut(true)
        .build();
  }

  /**
   * Reads as the first step of an enclosing {@link AccountedStage} named {@code name} that decodes
   * the lines further (as {@code ReadRows} does for JSON lines): every line is counted {@code in}
   * and rejected under {@code name}, but {@code out} is left to the enclosing stage, which counts
   * what it finally outputs. Not for use as a stage of its own: its {@code in} would not balance.
   */
  public ReadLines asFirstStepOf(String name) {
    return toBuilder()
        .setStage(AccountedStage.checkName(name, "ReadLines.asFirstStepOf"))
        .setCountOut(false)
        .build();
  }

  @Override
  public String stageName() {
    return stage();
  }

  /** Sends oversized, non-UTF-8 and damaged input to {@code handler} instead of failing. */
  public ReadLines withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgument(handler != null, "ReadLines.withBadRecordErrorHandler: handler must not be null");
    return toBuilder().setBadRecordErrorHandler(handler).build();
  }

  /** Range size for uncompressed files; small values let tests cross range borders. */
  ReadLines withSplitBytes(long bytes) {
    checkArgument(bytes > 0, "ReadLines.withSplitBytes: bytes must be > 0, got %s", bytes);
    return toBuilder().setSplitBytes(bytes).build();
  }

  @Override
  public PCollection<String> expand(PCollection<FileIO.ReadableFile> files) {
    PCollectionTuple result = read(files, LINES, null);
    DeadLetters.register(badRecordErrorHandler(), result);
    return result.get(LINES).setCoder(StringUtf8Coder.of());
  }

  /**
   * What a reading step does with each line in place of outputting it ({@link #then}): for a stage
   * that decodes the lines further, in the same step.
   */
  public interface LineConsumer extends Serializable {
    /**
     * Takes one line (valid UTF-8, within the size limit; a blank one too) with the timestamp of
     * the file it came from, and outputs what it makes of it, a record or a rejection, to {@code
     * out}.
     */
    void accept(String line, Instant timestamp, DoFn.MultiOutputReceiver out) throws Exception;

    /** Loads what it needs on a worker (keys, compiled state); from the reading step's setup. */
    default void setup() throws Exception {}

    /**
     * Whether it may output a record with a timestamp other than the line's, possibly earlier (it
     * stamps event time): the reading step then allows any timestamp skew. False by default.
     */
    default boolean movesTimestamp() {
      return false;
    }
  }

  /**
   * Reads as this transform does, but hands each line to {@code consumer} in the reading step
   * instead of outputting it: for the first step of a stage that decodes the lines ({@link
   * #asFirstStepOf}). On Flink's batch translation a step with a dead-letter output cannot be
   * chained with the next one, so a decoder in a step of its own costs every line a serialization
   * between the two. The result holds what {@code consumer} outputs under {@code mainTag} and the
   * rejections of both under {@link BadRecordRouter#BAD_RECORD_TAG}; the caller sets the main
   * output's coder and registers the rejections ({@link DeadLetters#register}) with this
   * transform's handler.
   *
   * <pre>{@code
   * PCollectionTuple decoded = files.apply("ReadLines", ReadLines.create()
   *     .asFirstStepOf("decode")
   *     .withBadRecordErrorHandler(handler)
   *     .then(ROWS, (line, timestamp, out) -> out.get(ROWS).output(decode(line))));
   * DeadLetters.register(handler, decoded);
   * PCollection<Row> rows = decoded.get(ROWS).setCoder(RowBytesCoder.of(schema));
   * }</pre>
   */
  public PTransform<PCollection<FileIO.ReadableFile>, PCollectionTuple> then(
      TupleTag<?> mainTag, LineConsumer consumer) {
    checkArgument(mainTag != null, "ReadLines.then: mainTag must not be null");
    checkArgument(consumer != null, "ReadLines.then: consumer must not be null");
    ReadLines read = this;
    return new PTransform<PCollection<FileIO.ReadableFile>, PCollectionTuple>() {
      @Override
      public PCollectionTuple expand(PCollection<FileIO.ReadableFile> files) {
        return read.read(files, mainTag, consumer);
      }

      @Override
      public void populateDisplayData(DisplayData.Builder builder) {
        read.populateDisplayData(builder);
      }
    };
  }

  private PCollectionTuple read(
      PCollection<FileIO.ReadableFile> files, TupleTag<?> mainTag, @Nullable LineConsumer then) {
    @SuppressWarnings("unchecked") // the step's outputs are typed by their tags
    TupleTag<Object> main = (TupleTag<Object>) mainTag;
    return files
        .apply("SplitIntoRanges", ParDo.of(new SplitFn(splitBytes())))
        .setCoder(KvCoder.of(ReadableFileCoder.of(), OffsetRange.Coder.of()))
        .apply("SpreadRanges", Reshuffle.viaRandomKey())
        .apply(
            "ReadRanges",
            ParDo.of(
                    new ReadRangeFn(
                        limits(),
                        stage(),
                        DeadLetters.routerFor(badRecordErrorHandler()),
                        countOut(),
                        then))
                .withOutputTags(main, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(
            DisplayData.item("maxRecordBytes", limits().maxRecordBytes())
                .withLabel("Largest line (bytes)"))
        .add(
            DisplayData.item("keptPayloadBytes", limits().keptPayloadBytes())
                .withLabel("Bytes kept of an oversized line"))
        .add(DisplayData.item("stage", stage()).withLabel("Stage name"))
        .add(
            DisplayData.item("splitBytes", splitBytes())
                .withLabel("Range size for uncompressed files"))
        .add(
            DisplayData.item(
                    "badRecordErrorHandler", badRecordErrorHandler().getClass().getSimpleName())
                .withLabel("Bad-record handler"));
  }

  /** Whole compressed files; uncompressed ones in ranges of {@code splitBytes}. */
  static final class SplitFn
      extends DoFn<FileIO.ReadableFile, KV<FileIO.ReadableFile, OffsetRange>> {
    private final long splitBytes;

    SplitFn(long splitBytes) {
      this.splitBytes = splitBytes;
    }

    @ProcessElement
    public void process(
        @Element FileIO.ReadableFile file,
        OutputReceiver<KV<FileIO.ReadableFile, OffsetRange>> out) {
      long size = file.getMetadata().sizeBytes();
      boolean splittable =
          file.getCompression() == Compression.UNCOMPRESSED
              && file.getMetadata().isReadSeekEfficient()
              && size > splitBytes;
      if (!splittable) {
        out.output(KV.of(file, new OffsetRange(0, Long.MAX_VALUE)));
        return;
      }
      for (long from = 0; from < size; from += splitBytes) {
        // The last range is open-ended: a line that begins in it is read to its end.
        long to = from + splitBytes >= size ? Long.MAX_VALUE : from + splitBytes;
        out.output(KV.of(file, new OffsetRange(from, to)));
      }
    }
  }

  /** Lines out (type {@code String}), or whatever {@code then} makes of them (type Object). */
  static final class ReadRangeFn extends DoFn<KV<FileIO.ReadableFile, OffsetRange>, Object> {
    private final RecordLimits limits;
    private final String stage;
    private final BadRecordRouter router;
    private final StageCounters counters;
    private final boolean countOut;
    private final @Nullable LineConsumer then;

    ReadRangeFn(
        RecordLimits limits,
        String stage,
        BadRecordRouter router,
        boolean countOut,
        @Nullable LineConsumer then) {
      this.limits = limits;
      this.stage = stage;
      this.router = router;
      this.counters = StageCounters.of(stage);
      this.countOut = countOut;
      this.then = then;
    }

    @Setup
    public void setup() throws Exception {
      if (then != null) {
        then.setup();
      }
    }

    // A consumer that stamps event time may output a record earlier than its file's timestamp;
    // lateness is judged downstream against the watermark. Otherwise no timestamp moves.
    @SuppressWarnings("deprecation")
    @Override
    public Duration getAllowedTimestampSkew() {
      return then != null && then.movesTimestamp() ? Durations.ANY_TIMESTAMP_SKEW : Duration.ZERO;
    }

    @ProcessElement
    public void process(
        @Element KV<FileIO.ReadableFile, OffsetRange> element,
        @Timestamp Instant timestamp,
        MultiOutputReceiver out)
        throws Exception {
      FileIO.ReadableFile file = element.getKey();
      OffsetRange range = element.getValue();
      String name = file.getMetadata().resourceId().toString();
      LineScanner scanner = null;
      try (InputStream in = open(file, range.getFrom())) {
        scanner =
            new LineScanner(
                in,
                range.getFrom(),
                range.getTo(),
                limits.maxRecordBytes(),
                limits.keptPayloadBytes());
        for (LineScanner.Line line = scanner.next(); line != null; line = scanner.next()) {
          counters.in();
          emit(name, line, timestamp, out);
        }
      } catch (FileNotFoundException | NoSuchFileException gone) {
        throw gone; // not bad input: the file went away between match and read
      } catch (IOException e) {
        counters.in();
        long lines = scanner == null ? 0 : scanner.completeLines();
        long offset = scanner == null ? 0 : scanner.offset();
        long partial = scanner == null ? 0 : scanner.partialLineBytes();
        DeadLetters.reject(
            router,
            out,
            name,
            StringUtf8Coder.of(),
            new RecordRejectedException(
                stage,
                "corrupt_file",
                name
                    + ": unreadable after "
                    + lines
                    + " complete lines"
                    + (range.getFrom() > 0 ? " of the range from byte " + range.getFrom() : "")
                    + ", at uncompressed byte "
                    + offset
                    + (partial > 0 ? " (a partial line of " + partial + " bytes is dropped)" : "")
                    + " ("
                    + e.getClass().getSimpleName()
                    + "); the rest of the file is not read"));
      }
    }

    private static InputStream open(FileIO.ReadableFile file, long from) throws IOException {
      if (from == 0 && file.getCompression() == Compression.GZIP) {
        return openGzip(file);
      }
      if (from == 0) {
        return Channels.newInputStream(file.open());
      }
      SeekableByteChannel channel = file.openSeekable();
      channel.position(from - 1); // LineScanner looks at the byte before the range
      return Channels.newInputStream(channel);
    }

    /**
     * Gzip through the JDK's inflater rather than Beam's: when a file is cut short, the JDK's
     * stream hands over every byte it could inflate before it throws, while Beam's reader drops the
     * last buffer it was filling, so complete lines before the damage would be lost. A {@code .gz}
     * file that is not gzip at all is read as plain bytes, as Beam does.
     */
    private static InputStream openGzip(FileIO.ReadableFile file) throws IOException {
      java.io.PushbackInputStream raw =
          new java.io.PushbackInputStream(
              Channels.newInputStream(
                  org.apache.beam.sdk.io.FileSystems.open(file.getMetadata().resourceId())),
              2);
      byte[] magic = new byte[2];
      int n = raw.readNBytes(magic, 0, 2);
      raw.unread(magic, 0, n);
      if (n == 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
        return new java.util.zip.GZIPInputStream(raw, 1 << 16);
      }
      return raw;
    }

    private void emit(
        String name, LineScanner.Line line, Instant timestamp, MultiOutputReceiver out)
        throws Exception {
      switch (line.kind) {
        case TEXT:
          if (countOut) {
            counters.out();
          }
          if (then != null) {
            then.accept(line.text, timestamp, out);
          } else {
            out.get(LINES).output(line.text);
          }
          return;
        case INVALID_UTF8:
          DeadLetters.reject(
              router,
              out,
              line.bytes,
              ByteArrayCoder.of(),
              new RecordRejectedException(
                  stage,
                  "invalid_utf8",
                  where(name, line)
                      + ": not valid UTF-8 at byte "
                      + line.badByte
                      + " of the line (file offset "
                      + (line.offset + line.badByte)
                      + "); the payload is the original bytes"));
          return;
        case TOO_LARGE:
          DeadLetters.reject(
              router,
              out,
              TruncatedPayload.of(line.text, line.length, line.sha256),
              TruncatedPayload.coder(),
              new RecordRejectedException(
                  stage,
                  "too_large",
                  where(name, line)
                      + ": "
                      + line.length
                      + " bytes, more than the limit of "
                      + limits.maxRecordBytes()
                      + " (RecordLimits.withMaxRecordBytes); sha-256 "
                      + line.sha256
                      + "; the payload keeps the first "
                      + Math.min(limits.keptPayloadBytes(), line.length)
                      + " bytes"));
          return;
        default:
          throw new IllegalStateException("ReadLines: unhandled line kind " + line.kind);
      }
    }

    private static String where(String name, LineScanner.Line line) {
      return line.number > 0
          ? name + " line " + line.number
          : name + " line at byte " + line.offset;
    }
  }
}
