package io.tributary.transforms.spec;

import io.tributary.transforms.stages.RecordStage;
import io.tributary.transforms.stages.RecordStages;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.schemas.transforms.SchemaTransformProvider;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A step type of declared pipelines: a Beam {@link SchemaTransformProvider} with a short YAML type
 * name ({@code Validate}, {@code ReadFiles}), registered in {@code
 * META-INF/services/org.apache.beam.sdk.schemas.transforms.SchemaTransformProvider} so the spec
 * engine (and Beam's own cross-language and YAML tooling, through {@link #identifier()}) finds it.
 *
 * <p>A provider is a thin adapter: it reads its configuration row and builds the library's own
 * transform, so a spec, a Java pipeline and the library share one behaviour. It builds with the
 * step's {@link StepContext}: the step's name is the stage name of what it builds, and its bad
 * records go to the context's error handler.
 *
 * <pre>{@code
 * public final class MyStepProvider extends StepProvider {
 *   public String typeName() { return "MyStep"; }
 *   public String description() { return "Upper-cases one field."; }
 *   public Schema configurationSchema() {
 *     return Schema.builder().addStringField("field").build();
 *   }
 *   public SchemaTransform from(Row config, StepContext ctx) {
 *     String field = StepConfig.of(config).requiredString("field");
 *     return SchemaTransforms.map(ctx, rows -> rows.apply(new UpperCase(field)));
 *   }
 * }
 * }</pre>
 */
public abstract class StepProvider implements SchemaTransformProvider {
  /** The main input's tag. */
  public static final String INPUT = "input";

  /** The main output's tag. */
  public static final String OUTPUT = "output";

  /** The YAML {@code type:} of this step, UpperCamelCase, unique among providers. */
  public abstract String typeName();

  /** One paragraph for the reference in docs/specs.md and {@code tributary check}'s hints. */
  @Override
  public abstract String description();

  /** What kind of step this is: a source has no input, a sink no main output. */
  public StepKind kind() {
    return StepKind.TRANSFORM;
  }

  /**
   * Builds the step named {@code context.stageName()} from its configuration (a row of {@link
   * #configurationSchema()}); a wrong value throws {@link StepConfigException} naming the key.
   */
  public abstract SchemaTransform from(Row configuration, StepContext context);

  /** Builds with a context named after the type (for Beam tooling that knows no step names). */
  @Override
  public final SchemaTransform from(Row configuration) {
    return from(configuration, StepContext.of(snakeCase(typeName())));
  }

  /**
   * Outputs that are views of another output of this step (output tag to the tag it is derived
   * from): left unread, a view loses no rows when the output it derives from is read, so a spec may
   * leave it unread (with a warning). None by default.
   */
  public Map<String, String> outputViews() {
    return Map.of();
  }

  /**
   * Whether this step (a source) can run a following step of {@code next}'s type, a record stage,
   * in its own step, and with it the run of record stages that follows ({@link #fusedWith} then
   * gets them all). False by default.
   */
  public boolean fusesWith(StepProvider next) {
    return false;
  }

  /**
   * Checks what a run of this step needs from outside the job, configured by {@code configuration}:
   * a broker that answers, a topic that exists. Called when a run starts, never by {@code check},
   * {@code graph} or {@code test}, which must work offline; throws {@link StepConfigException}
   * naming the key. Nothing by default.
   *
   * <pre>{@code
   * public void checkBeforeRun(Row configuration) {
   *   StepConfig c = StepConfig.of(configuration);
   *   if (!reachable(c.requiredString("url"))) {
   *     throw c.error("url", "nothing answers at " + c.requiredString("url"));
   *   }
   * }
   * }</pre>
   */
  public void checkBeforeRun(Row configuration) {}

  /**
   * This step and the record stages {@code next} built as one Beam step, for a spec where the first
   * of them reads this step's main output, each of the others the one before it, and nothing else
   * reads any of them: the rows, dead letters, stage names and counters are those of the steps one
   * after the other, and the main output is the last stage's. All share this step's error handler.
   * Null when this step cannot take them (the default).
   *
   * <p>Why: a step with a dead-letter output has two consumers, and Flink's batch translation
   * serializes every row between such a step and the next; one step pays that once.
   *
   * <pre>{@code
   * SchemaTransform both = readFiles.fusedWith(readConfig, readContext,
   *     RecordStages.of(validate.recordStage(validateConfig, validateContext)));
   * }</pre>
   */
  public @Nullable SchemaTransform fusedWith(
      Row configuration, StepContext context, RecordStages next) {
    return null;
  }

  /**
   * Whether this step works one row at a time and can run as a stage of another step ({@link
   * #recordStage}): a spec runs consecutive steps of such types as one step, where each reads only
   * the one before it. False by default.
   */
  public boolean isRecordStage() {
    return false;
  }

  /**
   * This step configured by {@code configuration} as one stage of a {@link RecordStages} step, with
   * {@code context}'s stage name and error handler; null (the default) for a type whose {@link
   * #isRecordStage} is false.
   *
   * <pre>{@code
   * RecordStages both = RecordStages.of(
   *     validate.recordStage(validateConfig, validateContext),
   *     eventTime.recordStage(eventTimeConfig, eventTimeContext));
   * }</pre>
   */
  public @Nullable RecordStage recordStage(Row configuration, StepContext context) {
    return null;
  }

  /** {@code beam:schematransform:io.tributary:<type_in_snake_case>:v1}. */
  @Override
  public String identifier() {
    return "beam:schematransform:io.tributary:" + snakeCase(typeName()) + ":v1";
  }

  @Override
  public List<String> inputCollectionNames() {
    return kind() == StepKind.SOURCE ? List.of() : List.of(INPUT);
  }

  @Override
  public List<String> outputCollectionNames() {
    return kind() == StepKind.SINK ? List.of() : List.of(OUTPUT);
  }

  /**
   * How the output fields of a step configured by {@code configuration} derive from its input
   * fields, for column lineage; by default each output field the input also has is passed through
   * unchanged. Steps that derive, aggregate, filter or mask fields say so.
   */
  public FieldLineage fieldLineage(Row configuration, Schema input, Schema output) {
    return FieldLineage.identity(input, output);
  }

  /** {@code ReadFiles} -> {@code read_files}. */
  public static String snakeCase(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
  }
}
