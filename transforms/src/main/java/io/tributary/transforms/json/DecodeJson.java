package io.tributary.transforms.json;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.Schema.TypeName;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Instant;

/**
 * Decodes JSON lines into {@link Row}s of a given Beam schema, rejecting what does not fit.
 *
 * <p>Strict by design: a required (non-nullable) field must be present and non-null, every value
 * must have the JSON type the schema asks for (a number for {@code DECIMAL}/{@code INT64}, a string
 * for {@code STRING}), and {@code DATETIME} values must be ISO-8601 strings <em>with</em> an
 * offset, since a local time without one names no instant. Fields not in the schema are ignored, so
 * producers may add fields before the contract does. Each rejected line goes to the bad-record
 * handler with one of these reasons: {@code empty_line}, {@code not_json}, {@code truncated_json},
 * {@code missing_field}, {@code wrong_type}, {@code bad_timestamp}. Messages name the field and the
 * expected type, never the offending value (it may be personal data).
 *
 * <pre>{@code
 * PCollection<Row> events = lines.apply("DecodeJson",
 *     DecodeJson.toRows(schema).withBadRecordErrorHandler(handler));
 * }</pre>
 */
public final class DecodeJson {
  private DecodeJson() {}

  private static final TupleTag<Row> DECODED = new TupleTag<Row>() {};

  /** Decodes each JSON line into a {@link Row} of {@code schema}; stage name {@code decode}. */
  public static Rows toRows(Schema schema) {
    checkArgument(schema != null, "DecodeJson.toRows: schema must not be null");
    return new AutoValue_DecodeJson_Rows.Builder()
        .setSchema(schema)
        .setStage("decode")
        .setBadRecordErrorHandler(DeadLetters.defaultHandler())
        .build();
  }

  /**
   * Converts one already-parsed JSON object to a {@link Row} of {@code schema} with the same strict
   * rules as {@link #toRows(Schema)}; for transforms that decode a JSON value nested in an envelope
   * (e.g. the {@code after} image of a change event). Field paths in messages start with {@code
   * pathPrefix}, e.g. {@code "after."}.
   */
  public static Row toRow(Schema schema, JsonNode object, String stage, String pathPrefix)
      throws RecordRejectedException {
    return new DecodeFn(schema, stage, BadRecordRouter.THROWING_ROUTER)
        .toRow(schema, object, pathPrefix);
  }

  /** The transform returned by {@link #toRows(Schema)}. */
  @AutoValue
  public abstract static class Rows extends PTransform<PCollection<String>, PCollection<Row>> {
    abstract Schema schema();

    abstract String stage();

    abstract ErrorHandler<BadRecord, ?> badRecordErrorHandler();

    abstract Builder toBuilder();

    @AutoValue.Builder
    abstract static class Builder {
      abstract Builder setSchema(Schema schema);

      abstract Builder setStage(String stage);

      abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler);

      abstract Rows build();
    }

    /** Sends undecodable lines to {@code handler} instead of failing the pipeline. */
    public Rows withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
      checkArgument(
          handler != null, "DecodeJson.withBadRecordErrorHandler: handler must not be null");
      return toBuilder().setBadRecordErrorHandler(handler).build();
    }

    /** The stage name recorded on rejections, {@code decode} by default. */
    public Rows withStage(String stage) {
      checkArgument(
          stage != null && !stage.isEmpty(), "DecodeJson.withStage: stage must not be empty");
      return toBuilder().setStage(stage).build();
    }

    @Override
    public PCollection<Row> expand(PCollection<String> lines) {
      PCollectionTuple result =
          lines.apply(
              "DecodeJsonLines",
              ParDo.of(
                      new DecodeFn(
                          schema(), stage(), DeadLetters.routerFor(badRecordErrorHandler())))
                  .withOutputTags(DECODED, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
      DeadLetters.register(badRecordErrorHandler(), result);
      return result.get(DECODED).setRowSchema(schema());
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      builder
          .add(DisplayData.item("schema", schema().toString()).withLabel("Contract schema"))
          .add(DisplayData.item("stage", stage()).withLabel("Stage name on rejections"))
          .add(
              DisplayData.item(
                      "badRecordErrorHandler", badRecordErrorHandler().getClass().getSimpleName())
                  .withLabel("Bad-record handler"));
    }
  }

  static final class DecodeFn extends DoFn<String, Row> {
    private final Schema schema;
    private final String stage;
    private final BadRecordRouter router;
    private transient ObjectMapper mapper;

    DecodeFn(Schema schema, String stage, BadRecordRouter router) {
      this.schema = schema;
      this.stage = stage;
      this.router = router;
    }

    @Setup
    public void setup() {
      mapper =
          new ObjectMapper()
              .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
              .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
      // Keep decimals exactly as written: Jackson's tree model strips trailing zeros by default,
      // which turns 5.00 into 5 (scale 0) and breaks writing the row to an Avro decimal of scale 2.
      mapper.setNodeFactory(
          com.fasterxml.jackson.databind.node.JsonNodeFactory.withExactBigDecimals(true));
    }

    @ProcessElement
    public void process(@Element String line, MultiOutputReceiver out) throws Exception {
      try {
        out.get(DECODED).output(decode(line));
      } catch (RecordRejectedException e) {
        DeadLetters.reject(router, out, line, StringUtf8Coder.of(), e);
      }
    }

    Row decode(String line) throws RecordRejectedException {
      if (line == null || line.isBlank()) {
        throw new RecordRejectedException(
            stage, "empty_line", "line is empty; expected a JSON object");
      }
      JsonNode node;
      try {
        node = mapper.readTree(line);
      } catch (JsonEOFException e) {
        throw new RecordRejectedException(
            stage, "truncated_json", "JSON ends before the object is complete (truncated line)");
      } catch (JsonProcessingException e) {
        throw new RecordRejectedException(
            stage, "not_json", "line is not valid JSON at column " + e.getLocation().getColumnNr());
      }
      if (node == null || !node.isObject()) {
        throw new RecordRejectedException(
            stage, "not_json", "line is JSON but not an object; expected a JSON object");
      }
      return toRow(schema, node, "");
    }

    Row toRow(Schema rowSchema, JsonNode object, String prefix) throws RecordRejectedException {
      List<Object> values = new ArrayList<>(rowSchema.getFieldCount());
      for (Field field : rowSchema.getFields()) {
        String path = prefix + field.getName();
        JsonNode value = object.get(field.getName());
        if (value == null || value.isNull()) {
          if (!field.getType().getNullable()) {
            throw new RecordRejectedException(
                stage, "missing_field", "required field '" + path + "' is absent or null");
          }
          values.add(null);
        } else {
          values.add(convert(field.getType(), value, path));
        }
      }
      return Row.withSchema(rowSchema).addValues(values).build();
    }

    private Object convert(FieldType type, JsonNode value, String path)
        throws RecordRejectedException {
      TypeName name = type.getTypeName();
      switch (name) {
        case STRING:
          if (!value.isTextual()) {
            throw wrongType(path, "a string", value);
          }
          return value.textValue();
        case BOOLEAN:
          if (!value.isBoolean()) {
            throw wrongType(path, "a boolean", value);
          }
          return value.booleanValue();
        case INT16:
        case INT32:
        case INT64:
        case BYTE:
          if (!value.isIntegralNumber()) {
            throw wrongType(path, "an integer", value);
          }
          long l = value.longValue();
          switch (name) {
            case BYTE:
              return (byte) l;
            case INT16:
              return (short) l;
            case INT32:
              if (!value.canConvertToInt()) {
                throw wrongType(path, "a 32-bit integer", value);
              }
              return (int) l;
            default:
              return l;
          }
        case FLOAT:
          if (!value.isNumber()) {
            throw wrongType(path, "a number", value);
          }
          return value.floatValue();
        case DOUBLE:
          if (!value.isNumber()) {
            throw wrongType(path, "a number", value);
          }
          return value.doubleValue();
        case DECIMAL:
          if (!value.isNumber()) {
            throw wrongType(path, "a number", value);
          }
          return value.decimalValue();
        case DATETIME:
          if (!value.isTextual()) {
            throw wrongType(path, "an ISO-8601 timestamp string", value);
          }
          return parseInstant(value.textValue(), path);
        case ROW:
          if (!value.isObject()) {
            throw wrongType(path, "an object", value);
          }
          return toRow(type.getRowSchema(), value, path + ".");
        case ARRAY:
        case ITERABLE:
          if (!value.isArray()) {
            throw wrongType(path, "an array", value);
          }
          List<Object> items = new ArrayList<>();
          Iterator<JsonNode> it = value.elements();
          int i = 0;
          while (it.hasNext()) {
            JsonNode item = it.next();
            String itemPath = path + "[" + i++ + "]";
            if (item.isNull()) {
              if (!type.getCollectionElementType().getNullable()) {
                throw new RecordRejectedException(
                    stage, "missing_field", "array '" + itemPath + "' holds a null element");
              }
              items.add(null);
            } else {
              items.add(convert(type.getCollectionElementType(), item, itemPath));
            }
          }
          return items;
        case MAP:
          if (!value.isObject()) {
            throw wrongType(path, "an object", value);
          }
          Map<Object, Object> map = new java.util.LinkedHashMap<>();
          Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
          while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            map.put(
                e.getKey(),
                e.getValue().isNull()
                    ? null
                    : convert(type.getMapValueType(), e.getValue(), path + "." + e.getKey()));
          }
          return map;
        case LOGICAL_TYPE:
          return toInputType(
              type.getLogicalType(), convert(type.getLogicalType().getBaseType(), value, path));
        default:
          throw new IllegalArgumentException(
              "DecodeJson: field '"
                  + path
                  + "' has type "
                  + type
                  + ", which JSON decoding does not support");
      }
    }

    @SuppressWarnings("unchecked")
    private static <InputT, BaseT> InputT toInputType(
        org.apache.beam.sdk.schemas.Schema.LogicalType<InputT, BaseT> logicalType, Object base) {
      return logicalType.toInputType((BaseT) base);
    }

    private Instant parseInstant(String text, String path) throws RecordRejectedException {
      try {
        return new Instant(
            OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                .toInstant()
                .toEpochMilli());
      } catch (DateTimeParseException e) {
        throw new RecordRejectedException(
            stage,
            "bad_timestamp",
            "field '"
                + path
                + "' is not an ISO-8601 timestamp with offset (e.g. 2026-11-01T10:15:30+01:00)");
      }
    }

    private RecordRejectedException wrongType(String path, String expected, JsonNode actual) {
      return new RecordRejectedException(
          stage,
          "wrong_type",
          "field '"
              + path
              + "' must be "
              + expected
              + ", got a JSON "
              + actual.getNodeType().name().toLowerCase());
    }
  }
}
