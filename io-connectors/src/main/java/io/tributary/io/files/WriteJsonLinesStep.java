package io.tributary.io.files;

import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepKind;
import io.tributary.transforms.spec.StepProvider;
import io.tributary.transforms.spec.StepTransforms;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.values.Row;

/**
 * The {@code WriteJsonLines} sink: rows as JSON lines in one directory whatever their windows
 * ({@link JsonLinesFiles}): for too-late rows, quarantine and other side outputs.
 *
 * <pre>{@code
 * - type: WriteJsonLines
 *   input: window.too_late
 *   config: {path: "${output}/late", prefix: late}
 * }</pre>
 */
public final class WriteJsonLinesStep extends StepProvider {
  @Override
  public String typeName() {
    return "WriteJsonLines";
  }

  @Override
  public String description() {
    return "Writes rows as JSON lines into one directory, whatever their windows: one file for a"
        + " bounded run, a file per minute for an unbounded one.";
  }

  @Override
  public StepKind kind() {
    return StepKind.SINK;
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.of("path", FieldType.STRING).withDescription("The directory."),
        Field.nullable("prefix", FieldType.STRING)
            .withDescription("File name prefix (default 'output')."),
        Field.nullable("decimals", FieldType.STRING)
            .withDescription("number (default) or string: how decimals are written in JSON."));
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    StepConfig c = StepConfig.of(configuration);
    boolean decimalsAsStrings = WriteLakeStep.decimalsAsStrings(c);
    JsonLinesFiles files = JsonLinesFiles.to(c.requiredString("path"));
    if (c.has("prefix")) {
      try {
        files = files.withPrefix(c.requiredString("prefix"));
      } catch (IllegalArgumentException e) {
        throw c.error("prefix", e.getMessage());
      }
    }
    JsonLinesFiles sink = files;
    return StepTransforms.sink(
        rows -> rows.apply("ToJson", WriteLakeStep.toJson(decimalsAsStrings)).apply("Write", sink));
  }
}
