package io.tributary.transforms.quality;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.transforms.json.RowJsonText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;

/**
 * The record schemas of the quality stage's outputs, and their JSON-lines form.
 *
 * <p>Every record names the {@code dataset}, the {@code run_id} and the window it belongs to
 * ({@code window_start}/{@code window_end}, both null for metrics over a whole bounded input in the
 * global window). An undefined metric (Completeness of an empty window, Mean of an all-null column)
 * has {@code value} null and says why in {@code undefined_reason}.
 *
 * <pre>{@code
 * String line = QualitySchemas.toJson(metricRow);
 * Row back = QualitySchemas.fromJson(QualitySchemas.METRIC, line);
 * }</pre>
 */
public final class QualitySchemas {
  private QualitySchemas() {}

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** One metric value of one window: the metrics repository's record. */
  public static final Schema METRIC =
      Schema.builder()
          .addStringField("dataset")
          .addStringField("run_id")
          .addNullableField("run_time", FieldType.DATETIME)
          .addNullableField("window_start", FieldType.DATETIME)
          .addNullableField("window_end", FieldType.DATETIME)
          .addStringField("name")
          .addStringField("metric")
          .addStringField("instance")
          .addNullableField("where", FieldType.STRING)
          .addNullableField("key", FieldType.STRING)
          .addNullableField("value", FieldType.DOUBLE)
          .addNullableField("undefined_reason", FieldType.STRING)
          .build();

  /** One constraint's outcome in one window. */
  public static final Schema VERIFICATION =
      Schema.builder()
          .addStringField("dataset")
          .addStringField("run_id")
          .addNullableField("window_start", FieldType.DATETIME)
          .addNullableField("window_end", FieldType.DATETIME)
          .addStringField("check")
          .addStringField("level")
          .addStringField("constraint")
          .addStringField("metric")
          .addStringField("status")
          .addNullableField("actual", FieldType.DOUBLE)
          .addStringField("message")
          .build();

  /** One metric value the anomaly detector flagged. */
  public static final Schema ANOMALY =
      Schema.builder()
          .addStringField("dataset")
          .addStringField("run_id")
          .addNullableField("window_start", FieldType.DATETIME)
          .addNullableField("window_end", FieldType.DATETIME)
          .addStringField("metric")
          .addDoubleField("value")
          .addStringField("strategy")
          .addNullableField("lower", FieldType.DOUBLE)
          .addNullableField("upper", FieldType.DOUBLE)
          .addStringField("message")
          .build();

  /** One failed rule of a quarantined row. */
  public static final Schema FAILED_RULE =
      Schema.builder()
          .addStringField("rule")
          .addStringField("field")
          .addStringField("severity")
          .addStringField("message")
          .build();

  /**
   * A quarantined row: the original record as JSON ({@code record}), every rule it failed (error
   * and warn, in declaration order) and its window (null in the global window).
   */
  public static final Schema QUARANTINE =
      Schema.builder()
          .addStringField("dataset")
          .addStringField("record")
          .addArrayField("failed_rules", FieldType.row(FAILED_RULE))
          .addNullableField("window_start", FieldType.DATETIME)
          .addNullableField("window_end", FieldType.DATETIME)
          .build();

  /** One JSON line. */
  public static String toJson(Row row) {
    return RowJsonText.render(row);
  }

  /** Reads a line written by {@link #toJson} back into a row of {@code schema}. */
  public static Row fromJson(Schema schema, String line) {
    try {
      return toRow(schema, MAPPER.readTree(line));
    } catch (IOException e) {
      throw new UncheckedIOException("not a " + schema.getFieldNames() + " record: " + line, e);
    }
  }

  private static Row toRow(Schema schema, JsonNode node) {
    List<Object> values = new ArrayList<>();
    for (Field f : schema.getFields()) {
      JsonNode v = node.get(f.getName());
      values.add(v == null || v.isNull() ? null : value(f.getType(), v));
    }
    return Row.withSchema(schema).addValues(values).build();
  }

  private static Object value(FieldType type, JsonNode v) {
    switch (type.getTypeName()) {
      case DOUBLE:
        return v.asDouble();
      case DATETIME:
        return Instant.parse(v.asText());
      case ARRAY:
        List<Object> items = new ArrayList<>();
        v.forEach(item -> items.add(value(type.getCollectionElementType(), item)));
        return items;
      case ROW:
        return toRow(type.getRowSchema(), v);
      default:
        return v.asText();
    }
  }
}
