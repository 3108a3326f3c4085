package io.tributary.transforms.join;

import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepProvider;
import io.tributary.transforms.spec.StepTransforms;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;

/**
 * The {@code IntervalJoin} step: {@link IntervalJoin} of its {@code input} (the left side) with
 * input {@code right}, by key, within an event-time bound; rows too late to be joined leave through
 * {@code too_late_left} and {@code too_late_right}. The step's name is the join's stage name.
 *
 * <pre>{@code
 * - type: IntervalJoin
 *   name: clicks_with_views
 *   input: {input: clicks, right: views}
 *   config: {key: ad_id, before: 10m, after: 0s, join_type: left, allowed_lateness: 2m}
 * }</pre>
 */
public final class IntervalJoinStep extends StepProvider {
  /** The right side's input tag. */
  public static final String RIGHT = "right";

  /** The output of left rows too late to be joined. */
  public static final String TOO_LATE_LEFT = "too_late_left";

  /** The output of right rows too late to be joined. */
  public static final String TOO_LATE_RIGHT = "too_late_right";

  @Override
  public String typeName() {
    return "IntervalJoin";
  }

  @Override
  public String description() {
    return "Joins 'input' (left) and 'right' rows of equal key whose event times are within a"
        + " bound (right time in [left time - before, left time + after], edges included): inner,"
        + " left, right or full_outer; output is the left fields then the right's other fields"
        + " (clashing names prefixed). Rows later than the allowed lateness leave through"
        + " 'too_late_left' and 'too_late_right'; rows without a partner that the join type does"
        + " not keep are counted as unmatched.";
  }

  @Override
  public List<String> inputCollectionNames() {
    return List.of(INPUT, RIGHT);
  }

  @Override
  public List<String> outputCollectionNames() {
    return List.of(OUTPUT, TOO_LATE_LEFT, TOO_LATE_RIGHT);
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.nullable("key", FieldType.STRING)
            .withDescription("The key field, of the same name and type on both sides."),
        Field.nullable("keys", FieldType.array(FieldType.STRING))
            .withDescription("Several key fields instead of 'key'."),
        Field.of("before", FieldType.STRING)
            .withDescription("How much earlier than a left row a right row may be, e.g. 5m."),
        Field.of("after", FieldType.STRING)
            .withDescription("How much later than a left row a right row may be, e.g. 10m."),
        Field.nullable("join_type", FieldType.STRING)
            .withDescription("inner (default), left, right or full_outer."),
        Field.nullable("allowed_lateness", FieldType.STRING)
            .withDescription(
                "How far behind the watermark a row may arrive and still be joined (default 0s)."),
        Field.nullable("right_prefix", FieldType.STRING)
            .withDescription(
                "Prefix of a right field whose name a left field has (default right_)."));
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    StepConfig c = StepConfig.of(configuration);
    List<String> keys = new ArrayList<>(c.strings("keys"));
    String keyField = keys.isEmpty() ? "key" : "keys";
    if (c.has("key") && !keys.isEmpty()) {
      throw c.error("keys", "give either 'key' or 'keys', not both");
    }
    if (keys.isEmpty()) {
      if (!c.has("key")) {
        throw c.error("key", "'key' (or 'keys') is required: the field both sides are joined on");
      }
      keys.add(c.requiredString("key"));
    }
    Duration before = c.duration("before", null);
    Duration after = c.duration("after", null);
    if (before == null) {
      throw c.error("before", "'before' is required, e.g. 5m");
    }
    if (after == null) {
      throw c.error("after", "'after' is required, e.g. 5m");
    }
    JoinType type = joinType(c);
    Duration lateness = c.duration("allowed_lateness", Duration.ZERO);
    String prefix = c.string("right_prefix", IntervalJoin.DEFAULT_PREFIX);
    return StepTransforms.tuple(
        tuple -> {
          if (!tuple.has(INPUT) || !tuple.has(RIGHT)) {
            throw new IllegalArgumentException(
                "IntervalJoin needs two inputs: 'input: {input: <left rows>, right: <right rows>}'");
          }
          PCollection<Row> left = tuple.get(INPUT);
          IntervalJoin join;
          try {
            join =
                IntervalJoin.of(tuple.get(RIGHT))
                    .on(keys.toArray(new String[0]))
                    .within(before, after)
                    .withJoinType(type)
                    .withAllowedLateness(lateness)
                    .withRightPrefix(prefix)
                    .withStageName(context.stageName());
            join.outputSchema(left.getSchema());
          } catch (IllegalArgumentException e) {
            throw c.error(fieldOf(e, keyField), e.getMessage());
          }
          IntervalJoin.Result r = left.apply("IntervalJoin", join);
          return PCollectionRowTuple.of(OUTPUT, r.output())
              .and(TOO_LATE_LEFT, r.tooLateLeft())
              .and(TOO_LATE_RIGHT, r.tooLateRight());
        });
  }

  private static JoinType joinType(StepConfig c) {
    String text = c.string("join_type", "inner");
    try {
      return JoinType.valueOf(text.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw c.error(
          "join_type", "'" + text + "' is not a join type; use inner, left, right or full_outer");
    }
  }

  private static String fieldOf(IllegalArgumentException e, String keyField) {
    String m = e.getMessage() == null ? "" : e.getMessage();
    if (m.startsWith("IntervalJoin.within")) {
      return m.contains("before") ? "before" : "after";
    }
    if (m.startsWith("IntervalJoin.withAllowedLateness")) {
      return "allowed_lateness";
    }
    if (m.startsWith("IntervalJoin.withRightPrefix")) {
      return "right_prefix";
    }
    return keyField;
  }
}
