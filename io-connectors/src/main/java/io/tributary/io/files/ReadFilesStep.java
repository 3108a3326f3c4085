package io.tributary.io.files;

import io.tributary.io.formats.FileFormat;
import io.tributary.io.formats.ReadRows;
import io.tributary.io.schema.ContractConfig;
import io.tributary.io.schema.RegisteredSchema;
import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepKind;
import io.tributary.transforms.spec.StepTransforms;
import io.tributary.transforms.stages.RecordStages;
import io.tributary.transforms.validate.ValidatingSourceStep;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * The {@code ReadFiles} source: files matching a glob (or a watched directory) decoded against a
 * registered contract by {@link ReadRows}; what cannot be decoded is a dead letter of this step.
 * The output's schema is the contract's.
 *
 * <pre>{@code
 * - type: ReadFiles
 *   name: read
 *   config: {path: "testdata/clickstream/small.jsonl", format: jsonl, subject: clickstream-event}
 * }</pre>
 */
public final class ReadFilesStep extends ValidatingSourceStep {
  @Override
  public String typeName() {
    return "ReadFiles";
  }

  @Override
  public String description() {
    return "Reads files (a glob, or a directory watched for new files) in JSON lines, CSV, Avro or"
        + " Parquet, decoded against a contract of the schema registry; records that do not decode"
        + " are dead letters of this step (not_json, missing_field, wrong_type, too_large, ...).";
  }

  @Override
  public StepKind kind() {
    return StepKind.SOURCE;
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.of("path", FieldType.STRING)
            .withDescription("A file, a glob (data/*.jsonl) or, with watch, the glob to watch."),
        Field.of("format", FieldType.STRING)
            .withDescription("jsonl, csv, avro or parquet (gzip, bzip2, zstd by file suffix)."),
        Field.of("subject", FieldType.STRING)
            .withDescription("The contract: a subject of the schema registry."),
        Field.nullable("version", FieldType.INT32)
            .withDescription("The contract version to read with (default: the newest)."),
        Field.nullable("registry", FieldType.STRING)
            .withDescription("A schema registry directory (default: the one bundled in the jar)."),
        Field.nullable("delimiter", FieldType.STRING)
            .withDescription("CSV field delimiter, one character (default ',')."),
        Field.nullable("watch", FieldType.BOOLEAN)
            .withDescription("true: keep watching the glob for new files (an unbounded source)."),
        Field.nullable("poll_interval", FieldType.STRING)
            .withDescription("With watch: how often to look for new files (default 10s)."),
        Field.nullable("stop_after_idle", FieldType.STRING)
            .withDescription("With watch: stop when no new file came for this long."));
  }

  @Override
  protected SchemaTransform build(
      Row configuration, StepContext context, @Nullable RecordStages stages) {
    StepConfig c = StepConfig.of(configuration);
    String path = c.requiredString("path");
    FileFormat format;
    try {
      format = FileFormat.parse(c.requiredString("format"));
    } catch (IllegalArgumentException e) {
      throw c.error("format", e.getMessage());
    }
    RegisteredSchema contract = ContractConfig.contract(c);
    ReadRows read = ReadRows.of(format, contract).withStageName(context.stageName());
    String delimiter = c.string("delimiter");
    if (delimiter != null) {
      if (delimiter.length() != 1) {
        throw c.error("delimiter", "expected one character, got '" + delimiter + "'");
      }
      read = read.withDelimiter(delimiter.charAt(0));
    }
    if (context.errorHandler() != null) {
      read = read.withBadRecordErrorHandler(context.errorHandler());
    }
    if (stages != null) {
      read = read.withStages(stages);
    }
    FileSource files;
    if (c.bool("watch", false)) {
      files =
          FileSource.watch(path)
              .withPollInterval(c.duration("poll_interval", Duration.standardSeconds(10)));
      Duration idle = c.duration("stop_after_idle", null);
      if (idle != null) {
        files = files.withStopAfterIdle(idle);
      }
    } else {
      for (String f : new String[] {"poll_interval", "stop_after_idle"}) {
        if (c.has(f)) {
          throw c.error(f, "'" + f + "' needs watch: true");
        }
      }
      files = FileSource.glob(path);
    }
    FileSource source = files;
    ReadRows decode = read;
    return StepTransforms.source(p -> p.apply("Files", source).apply("Decode", decode));
  }
}
