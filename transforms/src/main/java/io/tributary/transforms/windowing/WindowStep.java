package io.tributary.transforms.windowing;

import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepProvider;
import io.tributary.transforms.spec.StepTransforms;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;

/**
 * The {@code Window} step: {@link Windowing#of(WindowSpec)} with a window spec string (window kind,
 * trigger, allowed lateness, accumulation); rows later than the allowed lateness leave through the
 * {@code too_late} output (with the window they missed), counted as too-late.
 *
 * <pre>{@code
 * - type: Window
 *   name: window
 *   config: {spec: "fixed:1h;late=every;lateness=10m;accumulating"}
 * - type: WriteJsonLines
 *   input: window.too_late
 *   config: {path: "${output}/late", prefix: late}
 * }</pre>
 */
public final class WindowStep extends StepProvider {
  /** The output of rows later than the allowed lateness. */
  public static final String TOO_LATE = "too_late";

  @Override
  public String typeName() {
    return "Window";
  }

  @Override
  public String description() {
    return "Windows rows by event time with a window spec (fixed, sliding, session or global;"
        + " trigger; allowed lateness; accumulating or discarding). Output 'too_late' carries rows"
        + " later than the allowed lateness, with missed_window_start, missed_window_end,"
        + " watermark_at_arrival and late_by_ms.";
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.of("spec", FieldType.STRING)
            .withDescription(
                "A window spec (docs/streaming.md), e.g. 'fixed:1h', 'sliding:10m/5m',"
                    + " 'session:30m', 'fixed:1m;early=10s;late=every;lateness=5m;accumulating'."));
  }

  @Override
  public List<String> outputCollectionNames() {
    return List.of(OUTPUT, TOO_LATE);
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    StepConfig c = StepConfig.of(configuration);
    String text = c.requiredString("spec");
    WindowSpec spec;
    try {
      spec = WindowSpec.parse(text);
    } catch (IllegalArgumentException e) {
      throw c.error("spec", e.getMessage());
    }
    return transform(spec, context);
  }

  /**
   * The step's transform for {@code spec}, shared with {@link WindowIntoStep}: {@link Windowing}
   * under the step's stage name, its router on the run's {@code --routerBuckets} when set, the
   * windowed rows as {@code output} and the rows behind the watermark as {@code too_late}.
   */
  static SchemaTransform transform(WindowSpec spec, StepContext context) {
    Windowing.Into<Row> windowing = Windowing.<Row>of(spec).withStageName(context.stageName());
    Integer router = context.routerBuckets();
    Windowing.Into<Row> into = router == null ? windowing : windowing.withRouterBuckets(router);
    return StepTransforms.of(
        rows -> {
          WindowedResult<Row> w = rows.apply(into);
          return PCollectionRowTuple.of(OUTPUT, w.output()).and(TOO_LATE, w.tooLate());
        });
  }
}
