package io.tributary.pipelines.spec;

import io.tributary.transforms.errors.Rejection;
import io.tributary.transforms.json.RowJsonText;
import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepKind;
import io.tributary.transforms.spec.StepProvider;
import io.tributary.transforms.spec.StepTransforms;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What a spec test captures instead of writing: rows of a sink's input (or of any step output) as
 * JSON lines rendered by {@link RowJsonText}, and the run's dead letters as {@code stage.reason}
 * lines, each in files under a directory of its own. Files rather than an in-memory collection,
 * because the Flink runner may run the pipeline's functions in another class loader than the
 * test's.
 *
 * <pre>{@code
 * rows.apply("Capture", TestCapture.rows(dir.resolve("write_aggregates")));
 * pipeline.registerBadRecordErrorHandler(TestCapture.deadLetters(dir.resolve("_dead_letters")));
 * ... run ...
 * List<String> lines = TestCapture.read(dir.resolve("write_aggregates"));
 * }</pre>
 */
public final class TestCapture {
  /** The step type that replaces every sink of a spec under test. */
  static final String TYPE = "TributaryTestCapture";

  private TestCapture() {}

  /** Writes each row as one JSON line into files under {@code dir}. */
  public static PTransform<PCollection<Row>, PCollection<Void>> rows(Path dir) {
    String d = dir.toString();
    return new PTransform<PCollection<Row>, PCollection<Void>>() {
      @Override
      public PCollection<Void> expand(PCollection<Row> input) {
        return input
            .apply("ToJson", MapElements.into(TypeDescriptors.strings()).via(RowJsonText::render))
            .apply("Write", ParDo.of(new WriteLinesFn(d)));
      }
    };
  }

  /** Writes the {@code stage.reason} of each bad record into files under {@code dir}. */
  public static PTransform<PCollection<BadRecord>, PCollection<Void>> deadLetters(Path dir) {
    String d = dir.toString();
    return new PTransform<PCollection<BadRecord>, PCollection<Void>>() {
      @Override
      public PCollection<Void> expand(PCollection<BadRecord> input) {
        return input
            .apply(
                "StageReason",
                MapElements.into(TypeDescriptors.strings())
                    .via(
                        (BadRecord r) -> {
                          Rejection why = Rejection.from(r);
                          return why.stage() + "." + why.reason();
                        }))
            .apply("Write", ParDo.of(new WriteLinesFn(d)));
      }
    };
  }

  /** Every line written under {@code dir} (none when nothing was). */
  public static List<String> read(Path dir) throws IOException {
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files.sorted()::iterator) {
        out.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  /** One file per bundle, so that no two workers write the same file. */
  static final class WriteLinesFn extends DoFn<String, Void> {
    private static final long serialVersionUID = 1L;
    private final String dir;
    private transient @Nullable BufferedWriter writer;

    WriteLinesFn(String dir) {
      this.dir = dir;
    }

    @StartBundle
    public void startBundle() {
      writer = null;
    }

    @ProcessElement
    public void processElement(@Element String line) throws IOException {
      BufferedWriter w = writer;
      if (w == null) {
        Path d = Path.of(dir);
        Files.createDirectories(d);
        w = Files.newBufferedWriter(d.resolve(UUID.randomUUID() + ".txt"), StandardCharsets.UTF_8);
        writer = w;
      }
      w.write(line);
      w.write('\n');
    }

    @FinishBundle
    public void finishBundle() {
      BufferedWriter w = writer;
      if (w != null) {
        try {
          w.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        writer = null;
      }
    }
  }

  /** The sink that replaces a spec's sinks in a test: captures its input under {@code dir}. */
  static final class Step extends StepProvider {
    @Override
    public String typeName() {
      return TYPE;
    }

    @Override
    public String description() {
      return "Captures its input as JSON lines for a spec test (used by tributary test only).";
    }

    @Override
    public StepKind kind() {
      return StepKind.SINK;
    }

    @Override
    public Schema configurationSchema() {
      return Schema.of(
          Field.of("dir", FieldType.STRING).withDescription("Where the captured lines go."));
    }

    @Override
    public SchemaTransform from(Row configuration, StepContext context) {
      Path dir = Path.of(StepConfig.of(configuration).requiredString("dir"));
      return StepTransforms.sink(rows -> rows.apply("Capture", rows(dir)));
    }
  }
}
