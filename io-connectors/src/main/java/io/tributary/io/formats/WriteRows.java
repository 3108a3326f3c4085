package io.tributary.io.formats;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import io.tributary.io.schema.RegisteredSchema;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.WriteFilesResult;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * Writes {@link Row}s of a contract as files of one {@link FileFormat} into a directory.
 *
 * <pre>{@code
 * rows.apply("WriteAvro", WriteRows.to("/data/out", FileFormat.AVRO, registry.latest("clickstream-event")));
 * }</pre>
 *
 * <p>Files are named {@code <prefix>-SSSSS-of-NNNNN<suffix>} per window and pane as Beam's default
 * naming does; one shard by default so small outputs stay one file.
 */
@AutoValue
public abstract class WriteRows extends PTransform<PCollection<Row>, WriteFilesResult<Void>> {
  abstract String directory();

  abstract FileFormat format();

  abstract RegisteredSchema schema();

  abstract char delimiter();

  abstract String prefix();

  abstract int numShards();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setDirectory(String d);

    abstract Builder setFormat(FileFormat f);

    abstract Builder setSchema(RegisteredSchema s);

    abstract Builder setDelimiter(char c);

    abstract Builder setPrefix(String p);

    abstract Builder setNumShards(int n);

    abstract WriteRows build();
  }

  /** Writes {@code format} files of {@code schema} under {@code directory}. */
  public static WriteRows to(String directory, FileFormat format, RegisteredSchema schema) {
    checkArgument(
        directory != null && !directory.isEmpty(), "WriteRows.to: directory must not be empty");
    checkArgument(
        format != null && schema != null, "WriteRows.to: format and schema must not be null");
    return new AutoValue_WriteRows.Builder()
        .setDirectory(directory)
        .setFormat(format)
        .setSchema(schema)
        .setDelimiter(',')
        .setPrefix("part")
        .setNumShards(1)
        .build();
  }

  /** The CSV delimiter, {@code ,} by default. */
  public WriteRows withDelimiter(char delimiter) {
    return toBuilder().setDelimiter(delimiter).build();
  }

  /** The file name prefix, {@code part} by default. */
  public WriteRows withPrefix(String prefix) {
    checkArgument(
        prefix != null && !prefix.isEmpty(), "WriteRows.withPrefix: prefix must not be empty");
    return toBuilder().setPrefix(prefix).build();
  }

  /** Shards per window and pane; 1 by default. */
  public WriteRows withNumShards(int shards) {
    checkArgument(shards > 0, "WriteRows.withNumShards: shards must be > 0, got %s", shards);
    return toBuilder().setNumShards(shards).build();
  }

  @Override
  public WriteFilesResult<Void> expand(PCollection<Row> rows) {
    return rows.apply(
        "WriteFiles",
        FileIO.<Row>write()
            .via(RowSinks.of(format(), schema(), delimiter()))
            .to(directory())
            .withPrefix(prefix())
            .withSuffix(format().suffix())
            .withNumShards(numShards()));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("directory", directory()).withLabel("Output directory"))
        .add(DisplayData.item("format", format().name()).withLabel("File format"))
        .add(DisplayData.item("schema", schema().toString()).withLabel("Contract"))
        .add(DisplayData.item("delimiter", String.valueOf(delimiter())).withLabel("CSV delimiter"))
        .add(DisplayData.item("prefix", prefix()).withLabel("File prefix"))
        .add(DisplayData.item("numShards", numShards()).withLabel("Shards"));
  }
}
