package io.tributary.transforms.windowing;

import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepProvider;
import java.util.List;
import java.util.Locale;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.values.Row;

/**
 * Beam YAML's {@code WindowInto}, kept exact where it can be: {@code windowing: {type: fixed |
 * sliding | sessions | global, size, period, gap}} becomes the {@link WindowSpec} of the same
 * windows with the default trigger (at the watermark) and no allowed lateness. One difference, on
 * purpose: a row later than the watermark is not dropped silently but leaves through the {@code
 * too_late} output and is counted as too-late. For triggers and lateness, use the {@code Window}
 * step.
 *
 * <pre>{@code
 * - type: WindowInto
 *   config:
 *     windowing: {type: sliding, size: 10m, period: 5m}
 * }</pre>
 */
public final class WindowIntoStep extends StepProvider {
  static final Schema WINDOWING =
      Schema.of(
          Field.of("type", FieldType.STRING).withDescription("fixed, sliding, sessions or global."),
          Field.nullable("size", FieldType.STRING)
              .withDescription("Window size of fixed and sliding windows (30s, 5m, 1h)."),
          Field.nullable("period", FieldType.STRING)
              .withDescription("How often a sliding window starts."),
          Field.nullable("gap", FieldType.STRING)
              .withDescription("The inactivity gap that closes a session."));

  @Override
  public String typeName() {
    return "WindowInto";
  }

  @Override
  public String description() {
    return "Beam YAML's WindowInto (fixed, sliding, sessions, global) with the default trigger;"
        + " rows behind the watermark leave through 'too_late' instead of being dropped.";
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.of("windowing", FieldType.row(WINDOWING))
            .withDescription("The windows, as in Beam YAML."));
  }

  @Override
  public List<String> outputCollectionNames() {
    return List.of(OUTPUT, WindowStep.TOO_LATE);
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    StepConfig w = StepConfig.of(configuration).nested("windowing");
    String type = w.requiredString("type").toLowerCase(Locale.ROOT);
    String spec;
    switch (type) {
      case "fixed":
        spec = "fixed:" + w.requiredString("size");
        break;
      case "sliding":
        spec = "sliding:" + w.requiredString("size") + "/" + w.requiredString("period");
        break;
      case "sessions":
        spec = "session:" + w.requiredString("gap");
        break;
      case "global":
        spec = "global";
        break;
      default:
        throw w.error("type", "expected fixed, sliding, sessions or global, got '" + type + "'");
    }
    WindowSpec parsed;
    try {
      parsed = WindowSpec.parse(spec);
    } catch (IllegalArgumentException e) {
      throw w.error(type.equals("sessions") ? "gap" : "size", e.getMessage());
    }
    return WindowStep.transform(parsed, context);
  }
}
