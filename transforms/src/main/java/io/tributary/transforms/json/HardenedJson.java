package io.tributary.transforms.json;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.metrics.LiveMetrics;
import io.tributary.transforms.values.Fingerprint;
import io.tributary.transforms.values.Rows;
import io.tributary.transforms.values.Timestamps;
import java.io.IOException;
import java.io.Serializable;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.Schema.TypeName;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.ImmutableMap;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * The one JSON parser and converter behind every JSON entry point of Tributary's transforms ({@link
 * DecodeJson}, {@link JsonRowDecoder}, the envelope of {@code Cdc}), bounded by {@link
 * RecordLimits} so that a hostile record costs time linear in its size and ends as a rejection with
 * a reason, never as an exception of another kind.
 *
 * <p>Parsing uses Jackson's {@link StreamReadConstraints} for nesting depth and number length (the
 * string length is bounded by {@link RecordLimits#maxRecordBytes()}) and builds the tree without
 * recursion. A record accepted under a {@link RecordLimits.Rule#COUNT} rule is noted in a {@link
 * Notes} and, once the caller has accepted the whole record, counted once per reason under {@code
 * tributary/noted.<stage>.<reason>}. The reason codes are listed on {@link DecodeJson}.
 *
 * <p>The common record, one flat object of known keys, each named once, is read by {@link #flatRow}
 * straight from the parser's tokens, without the tree; whatever that path declines is parsed again
 * into the tree, so every syntax rejection and every note is decided where it always was, and both
 * paths convert values with the same code in the same field order.
 *
 * <pre>{@code
 * HardenedJson json = HardenedJson.of(RecordLimits.defaults(), "decode");
 * HardenedJson.Notes notes = json.newNotes();
 * Row row = json.flatRow(schema, line);                    // null: needs the tree path
 * if (row == null) {
 *   JsonNode node = json.parse(line, notes);               // throws RecordRejectedException
 *   row = json.toRow(schema, node, "", notes);
 *   notes.count();                                          // the record was accepted
 * }
 * }</pre>
 */
public final class HardenedJson implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Prefix of the counters of accepted records that broke a {@code COUNT} rule. */
  public static final String NOTED_PREFIX = "noted.";

  /** Reason of a JSON object that names a key twice. */
  public static final String DUPLICATE_KEY = "duplicate_key";

  /** Reason of a field that the contract schema does not declare. */
  public static final String UNKNOWN_FIELD = "unknown_field";

  private static final Pattern ARRAY_INDEX = Pattern.compile("\\[\\d+\\]");

  private final RecordLimits limits;
  private final String stage;
  private final ImmutableMap<String, DecimalBound> decimalBounds;
  private transient @Nullable JsonFactory factory;
  private transient @Nullable Map<String, Counter> notedCounters;
  private transient @Nullable FlatFields flatFields;
  private transient @Nullable TimeRange timeRange;

  private HardenedJson(
      RecordLimits limits, String stage, ImmutableMap<String, DecimalBound> decimalBounds) {
    this.limits = limits;
    this.stage = stage;
    this.decimalBounds = decimalBounds;
  }

  /** Parses and converts within {@code limits}; rejections carry {@code stage}. */
  public static HardenedJson of(RecordLimits limits, String stage) {
    checkArgument(limits != null, "HardenedJson.of: limits must not be null");
    checkArgument(stage != null && !stage.isEmpty(), "HardenedJson.of: stage must not be empty");
    return new HardenedJson(limits, stage, ImmutableMap.of());
  }

  /**
   * Bounds {@code DECIMAL} fields by path ({@code "price"}, {@code "after.price"}, {@code
   * "items[].price"} for every element of an array). A path is matched with the prefix given to
   * {@link #toRow} and, failing that, without it.
   */
  public HardenedJson withDecimalBounds(Map<String, DecimalBound> bounds) {
    return new HardenedJson(limits, stage, checkBounds(bounds, "HardenedJson.withDecimalBounds"));
  }

  /** The limits in force. */
  public RecordLimits limits() {
    return limits;
  }

  /** The stage named on rejections and counters. */
  public String stage() {
    return stage;
  }

  /** The decimal bounds by field path. */
  public Map<String, DecimalBound> decimalBounds() {
    return decimalBounds;
  }

  /** The counter of accepted records noted with {@code reason}: {@code noted.<stage>.<reason>}. */
  public static Counter notedCounter(String stage, String reason) {
    return LiveMetrics.counter(DeadLetters.NAMESPACE, NOTED_PREFIX + stage + "." + reason);
  }

  /** A fresh collector of notes for one record. */
  public Notes newNotes() {
    return new Notes();
  }

  /**
   * What one accepted record broke among the {@code COUNT} rules. {@link #count()} increments each
   * noted reason's counter once, however often the record broke it.
   */
  public final class Notes {
    private final TreeSet<String> reasons = new TreeSet<>();

    private Notes() {}

    void note(String reason) {
      reasons.add(reason);
    }

    /** The reasons noted so far, sorted. */
    public List<String> reasons() {
      return new ArrayList<>(reasons);
    }

    /** Counts the record once under each noted reason; call it when the record is accepted. */
    public void count() {
      for (String reason : reasons) {
        if (notedCounters == null) {
          notedCounters = new HashMap<>();
        }
        notedCounters.computeIfAbsent(reason, r -> notedCounter(stage, r)).inc();
      }
      reasons.clear();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Size

  /**
   * The {@code too_large} rejection of {@code text} when its UTF-8 form is longer than {@link
   * RecordLimits#maxRecordBytes()}, else null. The message gives the full length in bytes and the
   * SHA-256 of the full text, so the dead letter can keep only {@link #keptPayload(String)}.
   */
  public @Nullable RecordRejectedException checkSize(@Nullable String text) {
    if (text == null) {
      return null;
    }
    long max = limits.maxRecordBytes();
    if ((long) text.length() * 3 <= max) {
      return null; // no UTF-16 unit encodes to more than 3 bytes (a surrogate pair is 4 for 2)
    }
    long bytes = utf8Length(text);
    if (bytes <= max) {
      return null;
    }
    return new RecordRejectedException(
        stage,
        "too_large",
        "record is "
            + bytes
            + " bytes of UTF-8, more than maxRecordBytes "
            + max
            + "; the dead letter keeps the first "
            + limits.keptPayloadBytes()
            + " bytes; sha-256 of the full record: "
            + Fingerprint.sha256Hex(text));
  }

  /**
   * Rejects {@code text} as {@code too_large} when it is over {@link RecordLimits#maxRecordBytes()}
   * ({@link #checkSize}), its dead letter keeping only {@link #keptPayload} so that it is not the
   * oversized record again; true when it did. Decoders call this before anything else, so an
   * oversized record is {@code too_large} whatever it holds.
   */
  public boolean rejectIfTooLarge(String text, BadRecordRouter router, DoFn.MultiOutputReceiver out)
      throws Exception {
    RecordRejectedException tooLarge = checkSize(text);
    if (tooLarge == null) {
      return false;
    }
    DeadLetters.reject(router, out, keptPayload(text), StringUtf8Coder.of(), tooLarge);
    return true;
  }

  /** The first {@link RecordLimits#keptPayloadBytes()} bytes of {@code text}, whole characters. */
  public String keptPayload(String text) {
    int budget = limits.keptPayloadBytes();
    int i = 0;
    long used = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      int units = Character.isHighSurrogate(c) && i + 1 < text.length() ? 2 : 1;
      int bytes = units == 2 ? 4 : utf8Bytes(c);
      if (used + bytes > budget) {
        break;
      }
      used += bytes;
      i += units;
    }
    return text.substring(0, i);
  }

  static long utf8Length(String text) {
    long n = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += utf8Bytes(c);
      }
    }
    return n;
  }

  private static int utf8Bytes(char c) {
    if (c < 0x80) {
      return 1;
    }
    if (c < 0x800) {
      return 2;
    }
    // Lone surrogates are written as '?' by Java's encoder; counting 3 only over-estimates.
    return 3;
  }

  // ---------------------------------------------------------------------------------------------
  // Parsing

  private JsonFactory factory() {
    if (factory == null) {
      StreamReadConstraints constraints =
          StreamReadConstraints.builder()
              .maxNestingDepth(limits.maxNestingDepth())
              .maxNumberLength(limits.maxNumberLength())
              .maxStringLength(
                  (int)
                      Math.min(
                          StreamReadConstraints.DEFAULT_MAX_STRING_LEN, limits.maxRecordBytes()))
              .build();
      JsonFactory f = JsonFactory.builder().streamReadConstraints(constraints).build();
      if (limits.duplicateKeys() == RecordLimits.Rule.REJECT) {
        f.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
      }
      factory = f;
    }
    return factory;
  }

  /**
   * Parses one JSON text (a whole line) into a tree: objects, arrays, text, booleans, null,
   * integers as int/long/big-integer nodes and every other number as an exact decimal node (so
   * {@code 5.00} keeps scale 2 and {@code 1e400} stays a finite decimal). Rejects {@code
   * too_large}, {@code too_deep}, {@code number_too_long}, {@code duplicate_key} (under {@code
   * REJECT}; noted under {@code COUNT}), {@code truncated_json}, {@code out_of_range} (a number
   * whose exponent no decimal can hold) and {@code not_json} (including trailing content after the
   * value). Returns a {@link NullNode} for the text {@code null}.
   */
  public JsonNode parse(String text, Notes notes) throws RecordRejectedException {
    RecordRejectedException tooLarge = checkSize(text);
    if (tooLarge != null) {
      throw tooLarge;
    }
    JsonParser p = null;
    try {
      p = factory().createParser(text);
      JsonNode root = readTree(p, notes);
      if (p.nextToken() != null) {
        throw new RecordRejectedException(
            stage, "not_json", "unexpected content after the JSON value" + where(p));
      }
      return root;
    } catch (JsonEOFException e) {
      throw new RecordRejectedException(
          stage, "truncated_json", "JSON ends before the value is complete (truncated line)");
    } catch (StreamConstraintsException e) {
      throw constraint(e, p);
    } catch (JsonProcessingException e) {
      String message = String.valueOf(e.getOriginalMessage());
      if (message.startsWith("Duplicate field") && p != null) {
        throw new RecordRejectedException(
            stage,
            DUPLICATE_KEY,
            "key '" + pathOf(p.getParsingContext()) + "' appears twice in the object");
      }
      if (e.getCause() instanceof NumberFormatException
          || message.startsWith("Malformed numeric value")) {
        throw exponentOutOfRange(p); // Jackson wraps BigDecimal's refusal of 1e9999999999
      }
      throw new RecordRejectedException(stage, "not_json", "line is not valid JSON" + where(e));
    } catch (IOException e) {
      throw new RecordRejectedException(stage, "not_json", "line is not valid JSON" + where(p));
    } catch (NumberFormatException | ArithmeticException e) {
      // Jackson reads the digits, BigDecimal refuses an exponent beyond an int (1e9999999999).
      throw exponentOutOfRange(p);
    } finally {
      if (p != null) {
        try {
          p.close();
        } catch (IOException ignored) {
          // reading from a String: nothing to release
        }
      }
    }
  }

  private RecordRejectedException exponentOutOfRange(@Nullable JsonParser p) {
    String path = p == null ? "" : pathOf(p.getParsingContext());
    return new RecordRejectedException(
        stage,
        "out_of_range",
        (path.isEmpty() ? "a number" : "field '" + path + "'")
            + " has an exponent that no decimal can hold");
  }

  private RecordRejectedException constraint(StreamConstraintsException e, @Nullable JsonParser p) {
    String message = String.valueOf(e.getOriginalMessage());
    if (message.contains("nesting depth")) {
      return new RecordRejectedException(
          stage,
          "too_deep",
          "JSON is nested deeper than maxNestingDepth " + limits.maxNestingDepth());
    }
    if (message.startsWith("Number length")) {
      String path = p == null ? "" : pathOf(p.getParsingContext());
      return new RecordRejectedException(
          stage,
          "number_too_long",
          "a number"
              + (path.isEmpty() ? "" : " at '" + path + "'")
              + " is longer than maxNumberLength "
              + limits.maxNumberLength()
              + " characters");
    }
    if (message.startsWith("String length")) {
      return new RecordRejectedException(
          stage,
          "too_large",
          "a string is longer than the record may be (maxRecordBytes "
              + limits.maxRecordBytes()
              + ")");
    }
    return new RecordRejectedException(
        stage, "out_of_range", "a number exceeds what the parser accepts");
  }

  /** Builds the tree with an explicit stack: depth is bounded by the parser, not the JVM stack. */
  private JsonNode readTree(JsonParser p, Notes notes) throws IOException, RecordRejectedException {
    JsonNodeFactory nodes = JsonNodeFactory.withExactBigDecimals(true);
    boolean countDuplicates = limits.duplicateKeys() == RecordLimits.Rule.COUNT;
    Deque<ContainerNode<?>> stack = new ArrayDeque<>();
    String name = null;
    JsonToken t = p.nextToken();
    if (t == null) {
      throw new RecordRejectedException(stage, "not_json", "line holds no JSON value");
    }
    while (true) {
      if (t == null) {
        throw new JsonEOFException(p, null, "end of input inside a container");
      }
      JsonNode value;
      switch (t) {
        case START_OBJECT:
          value = nodes.objectNode();
          break;
        case START_ARRAY:
          value = nodes.arrayNode();
          break;
        case END_OBJECT:
        case END_ARRAY:
          ContainerNode<?> done = stack.pop();
          if (stack.isEmpty()) {
            return done;
          }
          t = p.nextToken();
          continue;
        case FIELD_NAME:
          name = p.currentName();
          if (countDuplicates && ((ObjectNode) stack.peek()).has(name)) {
            notes.note(DUPLICATE_KEY); // Jackson's rule: the last value wins
          }
          t = p.nextToken();
          continue;
        default:
          // Numbers: integers as int/long/big-integer nodes, every other number as an exact
          // decimal (Jackson's own tree turns 1e400 into a DoubleNode(Infinity), whose
          // decimalValue() throws NumberFormatException).
          value = scalar(p, t);
          if (value == null) {
            throw new RecordRejectedException(
                stage, "not_json", "unexpected JSON token " + t + where(p));
          }
      }
      ContainerNode<?> parent = stack.peek();
      if (parent == null) {
        if (!value.isContainerNode()) {
          return value;
        }
      } else if (parent.isObject()) {
        ((ObjectNode) parent).set(name, value);
      } else {
        ((ArrayNode) parent).add(value);
      }
      if (value.isContainerNode()) {
        stack.push((ContainerNode<?>) value);
      }
      t = p.nextToken();
    }
  }

  /**
   * The row of {@code schema} for {@code text} read straight from the parser's tokens, without
   * building a tree, or null when the text needs {@link #parse} and {@link #toRow} to decide it.
   *
   * <p>This path takes only the common case: one JSON object whose keys are all fields of {@code
   * schema}, each named once, each holding a scalar or null, and nothing after the object. It
   * returns null, so that the caller parses the text again on the tree path, for everything else:
   * text over the size limit, another root value, a key the schema lacks, a key named twice, a
   * nested object or array, trailing content, and every syntax or constraint error. For a text it
   * accepts, the tree path would have built the same values with no note, and the values are
   * converted by the same code in the same field order, so the row, or the rejection for a wrong
   * type or range, is the one the tree path gives. A rejection by the tree path is therefore never
   * decided here except by that shared conversion.
   */
  public @Nullable Row flatRow(Schema schema, String text) throws RecordRejectedException {
    if (checkSize(text) != null) {
      return null;
    }
    FlatFields fields = flatFields;
    if (fields == null || fields.schema != schema) {
      fields = new FlatFields(schema);
      flatFields = fields;
    }
    JsonNode[] values = new JsonNode[schema.getFieldCount()];
    try (JsonParser p = factory().createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
        if (t != JsonToken.FIELD_NAME) {
          return null; // end of input inside the object
        }
        Integer index = fields.index.get(p.currentName());
        if (index == null || values[index] != null) {
          return null; // unknown or repeated key: the tree path rejects or notes it
        }
        JsonNode value = scalar(p, p.nextToken());
        if (value == null) {
          return null;
        }
        values[index] = value;
      }
      if (p.nextToken() != null) {
        return null;
      }
    } catch (IOException | RuntimeException e) {
      return null; // the tree path parses it again and names the reason
    }
    return new Converter("", newNotes()).fields(schema, values, "");
  }

  /** The node readTree builds for a scalar token, or null for anything else. */
  private static @Nullable JsonNode scalar(JsonParser p, @Nullable JsonToken t) throws IOException {
    if (t == null) {
      return null;
    }
    switch (t) {
      case VALUE_STRING:
        return TextNode.valueOf(p.getText());
      case VALUE_NUMBER_INT:
        switch (p.getNumberType()) {
          case INT:
            return IntNode.valueOf(p.getIntValue());
          case LONG:
            return LongNode.valueOf(p.getLongValue());
          default:
            return BigIntegerNode.valueOf(p.getBigIntegerValue());
        }
      case VALUE_NUMBER_FLOAT:
        return DecimalNode.valueOf(p.getDecimalValue());
      case VALUE_TRUE:
        return BooleanNode.TRUE;
      case VALUE_FALSE:
        return BooleanNode.FALSE;
      case VALUE_NULL:
        return NullNode.getInstance();
      default:
        return null;
    }
  }

  /** The limits' event-time range as java.time instants, made once; immutable. */
  private static final class TimeRange {
    final java.time.Instant min;
    final java.time.Instant max;

    TimeRange(RecordLimits limits) {
      this.min = java.time.Instant.ofEpochMilli(limits.minEventTime().getMillis());
      this.max = java.time.Instant.ofEpochMilli(limits.maxEventTime().getMillis());
    }
  }

  /** A schema's field positions by name, for {@link #flatRow}; immutable, so racy reuse is safe. */
  private static final class FlatFields {
    final Schema schema;
    final Map<String, Integer> index;

    FlatFields(Schema schema) {
      this.schema = schema;
      Map<String, Integer> byName = new HashMap<>();
      for (int i = 0; i < schema.getFieldCount(); i++) {
        byName.put(schema.getField(i).getName(), i);
      }
      this.index = byName;
    }
  }

  /** The key path of the parser's position: {@code after.items[2].price}. */
  static String pathOf(@Nullable JsonStreamContext context) {
    Deque<String> parts = new ArrayDeque<>();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inObject()) {
        String n = c.getCurrentName();
        parts.addFirst("." + (n == null ? "?" : n));
      } else if (c.inArray()) {
        parts.addFirst("[" + Math.max(0, c.getCurrentIndex()) + "]");
      }
    }
    StringBuilder path = new StringBuilder();
    for (String part : parts) {
      path.append(part);
    }
    return path.length() > 0 && path.charAt(0) == '.' ? path.substring(1) : path.toString();
  }

  /** " at column N", or nothing: a constraint failure has no location (it is null). */
  private static String where(@Nullable JsonProcessingException e) {
    return e == null ? "" : where(e.getLocation());
  }

  private static String where(@Nullable JsonParser p) {
    return p == null ? "" : where(p.currentLocation());
  }

  private static String where(@Nullable JsonLocation location) {
    if (location == null || location.getColumnNr() <= 0) {
      return "";
    }
    return " at column " + location.getColumnNr();
  }

  // ---------------------------------------------------------------------------------------------
  // Conversion

  /**
   * Converts a parsed JSON object to a {@link Row} of {@code schema}, with field paths in messages
   * starting with {@code pathPrefix} (e.g. {@code "after."}). Unknown fields are rejected or noted
   * per {@link RecordLimits#unknownFields()} at every level of nested rows.
   */
  public Row toRow(Schema schema, JsonNode object, String pathPrefix, Notes notes)
      throws RecordRejectedException {
    return new Converter(pathPrefix, notes).toRow(schema, object, pathPrefix);
  }

  private final class Converter {
    private final String prefix;
    private final Notes notes;
    private final TimeRange range;

    Converter(String prefix, Notes notes) {
      this.prefix = prefix;
      this.notes = notes;
      TimeRange r = timeRange;
      if (r == null) {
        r = new TimeRange(limits);
        timeRange = r;
      }
      this.range = r;
    }

    Row toRow(Schema rowSchema, JsonNode object, String path) throws RecordRejectedException {
      if (object.size() > 0) {
        Iterator<String> names = object.fieldNames();
        while (names.hasNext()) {
          String name = names.next();
          if (!rowSchema.hasField(name)) {
            if (limits.unknownFields() == RecordLimits.Rule.REJECT) {
              throw new RecordRejectedException(
                  stage,
                  UNKNOWN_FIELD,
                  "field '" + path + name + "' is not in the contract schema");
            }
            notes.note(UNKNOWN_FIELD);
            break;
          }
        }
      }
      JsonNode[] byPosition = new JsonNode[rowSchema.getFieldCount()];
      for (int i = 0; i < byPosition.length; i++) {
        byPosition[i] = object.get(rowSchema.getField(i).getName());
      }
      return fields(rowSchema, byPosition, path);
    }

    /** The row of {@code rowSchema} from its fields' JSON values by position (null: absent). */
    Row fields(Schema rowSchema, @Nullable JsonNode[] byPosition, String path)
        throws RecordRejectedException {
      List<Object> values = new ArrayList<>(rowSchema.getFieldCount());
      for (int i = 0; i < byPosition.length; i++) {
        Field field = rowSchema.getField(i);
        String fieldPath = path.isEmpty() ? field.getName() : path + field.getName();
        JsonNode value = byPosition[i];
        if (value == null || value.isNull()) {
          if (!field.getType().getNullable()) {
            throw new RecordRejectedException(
                stage, "missing_field", "required field '" + fieldPath + "' is absent or null");
          }
          values.add(null);
        } else {
          values.add(convert(field.getType(), value, fieldPath));
        }
      }
      return Rows.build(rowSchema, values);
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
        case BYTE:
          return (byte) integer(value, path, "BYTE", Byte.MIN_VALUE, Byte.MAX_VALUE);
        case INT16:
          return (short) integer(value, path, "INT16", Short.MIN_VALUE, Short.MAX_VALUE);
        case INT32:
          return (int) integer(value, path, "INT32", Integer.MIN_VALUE, Integer.MAX_VALUE);
        case INT64:
          return integer(value, path, "INT64", Long.MIN_VALUE, Long.MAX_VALUE);
        case FLOAT:
          {
            if (!value.isNumber()) {
              throw wrongType(path, "a number", value);
            }
            float f = value.floatValue();
            if (!Float.isFinite(f)) {
              throw outOfRange(path, "must be a FLOAT of magnitude at most " + Float.MAX_VALUE);
            }
            return f;
          }
        case DOUBLE:
          {
            if (!value.isNumber()) {
              throw wrongType(path, "a number", value);
            }
            double d = value.doubleValue();
            if (!Double.isFinite(d)) {
              throw outOfRange(path, "must be a DOUBLE of magnitude at most " + Double.MAX_VALUE);
            }
            return d;
          }
        case DECIMAL:
          if (!value.isNumber()) {
            throw wrongType(path, "a number", value);
          }
          return decimal(value.decimalValue(), path);
        case DATETIME:
          if (!value.isTextual()) {
            throw wrongType(path, "an ISO-8601 timestamp string", value);
          }
          return instant(value.textValue(), path);
        case ROW:
          if (!value.isObject()) {
            throw wrongType(path, "an object", value);
          }
          return toRow(type.getRowSchema(), value, path + ".");
        case ARRAY:
        case ITERABLE:
          {
            if (!value.isArray()) {
              throw wrongType(path, "an array", value);
            }
            List<Object> items = new ArrayList<>(value.size());
            FieldType element = type.getCollectionElementType();
            for (int i = 0; i < value.size(); i++) {
              JsonNode item = value.get(i);
              String itemPath = path + "[" + i + "]";
              if (item.isNull()) {
                if (!element.getNullable()) {
                  throw new RecordRejectedException(
                      stage, "missing_field", "array '" + itemPath + "' holds a null element");
                }
                items.add(null);
              } else {
                items.add(convert(element, item, itemPath));
              }
            }
            return items;
          }
        case MAP:
          {
            if (!value.isObject()) {
              throw wrongType(path, "an object", value);
            }
            Map<Object, Object> map = new LinkedHashMap<>();
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
          }
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

    private long integer(JsonNode value, String path, String typeName, long min, long max)
        throws RecordRejectedException {
      if (!value.isIntegralNumber()) {
        throw wrongType(path, "an integer", value);
      }
      if (!value.canConvertToLong()) {
        throw integerRange(path, typeName, min, max);
      }
      long l = value.longValue();
      if (l < min || l > max) {
        throw integerRange(path, typeName, min, max);
      }
      return l;
    }

    private RecordRejectedException integerRange(String path, String type, long min, long max) {
      return outOfRange(path, "must be an " + type + " in [" + min + ", " + max + "]");
    }

    private BigDecimal decimal(BigDecimal v, String path) throws RecordRejectedException {
      DecimalBound bound = boundFor(path);
      if (v.signum() == 0) {
        // 0e-999999999 is zero, but its scale would make a sink write a million zeros.
        int maxScale = bound == null ? limits.maxNumberLength() : bound.scale();
        return BigDecimal.ZERO.setScale(Math.max(0, Math.min(v.scale(), maxScale)));
      }
      if (bound == null) {
        // No contract bound: still refuse what would take more than maxNumberLength digits to
        // write out, e.g. 1e999999999, which a sink's toPlainString or setScale would expand.
        long integerDigits = (long) v.precision() - v.scale();
        int max = limits.maxNumberLength();
        if (integerDigits > max || v.scale() > max) {
          throw outOfRange(
              path,
              "must be a DECIMAL of at most "
                  + max
                  + " digits before or after the point (maxNumberLength)");
        }
        return v;
      }
      BigDecimal stripped = v.stripTrailingZeros();
      if (stripped.scale() > bound.scale()) {
        throw outOfRange(
            path, "must be a " + bound + " with at most " + bound.scale() + " decimal places");
      }
      long integerDigits =
          stripped.signum() == 0 ? 0 : (long) stripped.precision() - stripped.scale();
      if (integerDigits > bound.integerDigits()) {
        throw outOfRange(
            path,
            "must be a "
                + bound
                + " with at most "
                + bound.integerDigits()
                + " digits before the decimal point");
      }
      // Exact, never rounded: only trailing zeros beyond the scale are dropped.
      return v.scale() <= bound.scale() ? v : stripped.setScale(bound.scale());
    }

    private @Nullable DecimalBound boundFor(String path) {
      if (decimalBounds.isEmpty()) {
        return null;
      }
      String key = path.indexOf('[') < 0 ? path : ARRAY_INDEX.matcher(path).replaceAll("[]");
      DecimalBound bound = decimalBounds.get(key);
      if (bound == null && !prefix.isEmpty() && key.startsWith(prefix)) {
        bound = decimalBounds.get(key.substring(prefix.length()));
      }
      return bound;
    }

    private Instant instant(String text, String path) throws RecordRejectedException {
      java.time.Instant t;
      try {
        t = Timestamps.parseOffsetDateTime(text);
      } catch (DateTimeException | ArithmeticException e) {
        throw new RecordRejectedException(
            stage,
            "bad_timestamp",
            "field '"
                + path
                + "' is not an ISO-8601 timestamp with offset (e.g. 2026-11-01T10:15:30+01:00)");
      }
      // Checked on java.time's range, before toEpochMilli can overflow (year +999999999).
      if (t.isBefore(range.min) || !t.isBefore(range.max)) {
        throw outOfRange(
            path,
            "must be a time in ["
                + limits.minEventTime()
                + ", "
                + limits.maxEventTime()
                + ") (RecordLimits event-time range)");
      }
      return new Instant(t.toEpochMilli());
    }

    private RecordRejectedException outOfRange(String path, String bound) {
      return new RecordRejectedException(stage, "out_of_range", "field '" + path + "' " + bound);
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
              + actual.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
    }
  }

  @SuppressWarnings("unchecked")
  private static <InputT, BaseT> InputT toInputType(
      Schema.LogicalType<InputT, BaseT> logicalType, Object base) {
    return logicalType.toInputType((BaseT) base);
  }

  // ---------------------------------------------------------------------------------------------
  // Validation of decimal bounds

  /**
   * An immutable copy of {@code bounds}; a null map, empty path or null bound names {@code call}.
   */
  public static ImmutableMap<String, DecimalBound> checkBounds(
      @Nullable Map<String, DecimalBound> bounds, String call) {
    checkArgument(bounds != null, "%s: bounds must not be null", call);
    for (Map.Entry<String, DecimalBound> e : bounds.entrySet()) {
      checkArgument(e.getKey() != null && !e.getKey().isEmpty(), "%s: a field path is empty", call);
      checkArgument(e.getValue() != null, "%s: the bound of '%s' is null", call, e.getKey());
    }
    return ImmutableMap.copyOf(bounds);
  }

  /**
   * Checks that every path of {@code bounds}, with one of {@code prefixes} removed (or none), names
   * a {@code DECIMAL} field of {@code schema}; the message names {@code call} and the path.
   */
  public static void checkBoundPaths(
      Schema schema, Map<String, DecimalBound> bounds, String call, String... prefixes) {
    for (String path : bounds.keySet()) {
      String relative = path;
      for (String prefix : prefixes) {
        if (path.startsWith(prefix)) {
          relative = path.substring(prefix.length());
          break;
        }
      }
      FieldType type = resolve(schema, relative);
      checkArgument(
          type != null && type.getTypeName() == TypeName.DECIMAL,
          "%s: '%s' does not name a DECIMAL field of the schema %s",
          call,
          path,
          schema.getFieldNames());
    }
  }

  private static @Nullable FieldType resolve(Schema schema, String path) {
    Schema current = schema;
    FieldType type = null;
    for (String part : path.split("\\.", -1)) {
      if (current == null) {
        return null;
      }
      String name = part;
      int arrays = 0;
      while (name.endsWith("[]")) {
        name = name.substring(0, name.length() - 2);
        arrays++;
      }
      if (!current.hasField(name)) {
        return null;
      }
      type = current.getField(name).getType();
      for (int i = 0; i < arrays; i++) {
        if (type.getCollectionElementType() == null) {
          return null;
        }
        type = type.getCollectionElementType();
      }
      current = type.getTypeName() == TypeName.ROW ? type.getRowSchema() : null;
    }
    return type;
  }
}
