package io.tributary.io.files;

import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepKind;
import io.tributary.transforms.spec.StepProvider;
import io.tributary.transforms.spec.StepTransforms;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * The {@code ReadLines} source: the lines of the files matching a glob, undecoded, as rows with one
 * string field {@code line}, through {@link ReadLines} (a line over the size limit, not UTF-8 or in
 * a damaged file is a dead letter of this step). For text another step decodes, such as Debezium
 * change logs for the {@code Cdc} step; {@code ReadFiles} decodes records against a contract.
 *
 * <pre>{@code
 * - type: ReadLines
 *   name: read_orders
 *   config: {path: "testdata/cdc/orders.jsonl"}
 * }</pre>
 */
public final class ReadLinesStep extends StepProvider {
  /** The output field. */
  public static final String LINE = "line";

  /** The output schema. */
  public static final Schema SCHEMA = Schema.builder().addStringField(LINE).build();

  @Override
  public String typeName() {
    return "ReadLines";
  }

  @Override
  public String description() {
    return "Reads the UTF-8 lines of files (a glob; gzip, bzip2, zstd by suffix) as rows with one"
        + " string field, line; oversized, non-UTF-8 and damaged input are dead letters of this"
        + " step (too_large, invalid_utf8, corrupt_file).";
  }

  @Override
  public StepKind kind() {
    return StepKind.SOURCE;
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.of("path", FieldType.STRING).withDescription("A file or a glob (logs/*.jsonl.gz)."),
        Field.nullable("max_record_bytes", FieldType.INT64)
            .withDescription("Longest line read, in bytes (default 1048576); longer: too_large."));
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    StepConfig c = StepConfig.of(configuration);
    String path = c.requiredString("path");
    RecordLimits limits = RecordLimits.defaults();
    if (c.has("max_record_bytes")) {
      long max = c.longValue("max_record_bytes", 0);
      try {
        limits = limits.withMaxRecordBytes(max);
      } catch (IllegalArgumentException e) {
        throw c.error("max_record_bytes", e.getMessage());
      }
    }
    ReadLines read = ReadLines.create().withStageName(context.stageName()).withLimits(limits);
    if (context.errorHandler() != null) {
      read = read.withBadRecordErrorHandler(context.errorHandler());
    }
    ReadLines lines = read;
    return StepTransforms.source(
        p ->
            p.apply("Files", FileSource.glob(path))
                .apply("Lines", lines)
                .apply(
                    "ToRows",
                    MapElements.into(TypeDescriptor.of(Row.class))
                        .via((String line) -> Row.withSchema(SCHEMA).addValue(line).build()))
                .setRowSchema(SCHEMA));
  }
}
