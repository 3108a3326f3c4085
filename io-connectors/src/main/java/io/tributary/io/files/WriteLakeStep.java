package io.tributary.io.files;

import io.tributary.transforms.json.RowJsonText;
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
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * The {@code WriteLake} sink: windowed rows as JSON lines in hourly lake partitions ({@code
 * dt=YYYY-MM-DD/hour=HH/}, by window start) through {@link WindowPartitionedFiles}: one file set
 * per window and pane, so a late pane adds files instead of rewriting earlier ones.
 *
 * <pre>{@code
 * - type: WriteLake
 *   name: write_aggregates
 *   input: aggregate
 *   config: {path: "${output}/aggregates", decimals: string}
 * }</pre>
 */
public final class WriteLakeStep extends StepProvider {
  @Override
  public String typeName() {
    return "WriteLake";
  }

  @Override
  public String description() {
    return "Writes windowed rows as JSON lines into lake partitions dt=YYYY-MM-DD/hour=HH by"
        + " window start, one file set per window and pane.";
  }

  @Override
  public StepKind kind() {
    return StepKind.SINK;
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.of("path", FieldType.STRING).withDescription("The lake directory."),
        Field.nullable("decimals", FieldType.STRING)
            .withDescription("number (default) or string: how decimals are written in JSON."),
        Field.nullable("shards", FieldType.INT32)
            .withDescription("Files per window and pane (default: the runner's choice)."));
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    StepConfig c = StepConfig.of(configuration);
    boolean decimalsAsStrings = decimalsAsStrings(c);
    WindowPartitionedFiles files = WindowPartitionedFiles.to(c.requiredString("path"));
    if (c.has("shards")) {
      long shards = c.longValue("shards", 0);
      if (shards < 1) {
        throw c.error("shards", "'shards' must be at least 1, got " + shards);
      }
      files = files.withNumShards((int) shards);
    }
    WindowPartitionedFiles sink = files;
    return StepTransforms.sink(
        rows -> rows.apply("ToJson", toJson(decimalsAsStrings)).apply("Write", sink));
  }

  /** Rows as JSON lines ({@link RowJsonText}), decimals as JSON strings or numbers. */
  static MapElements<Row, String> toJson(boolean decimalsAsStrings) {
    return MapElements.into(TypeDescriptors.strings())
        .via((Row r) -> RowJsonText.render(r, decimalsAsStrings));
  }

  static boolean decimalsAsStrings(StepConfig c) {
    String decimals = c.string("decimals", "number");
    if (!decimals.equals("number") && !decimals.equals("string")) {
      throw c.error("decimals", "expected number or string, got '" + decimals + "'");
    }
    return decimals.equals("string");
  }
}
