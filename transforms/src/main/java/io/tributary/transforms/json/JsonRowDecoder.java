package io.tributary.transforms.json;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.limits.RecordLimits;
import java.io.Serializable;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.values.Row;

/**
 * The decoding rules of {@link DecodeJson} as a plain function, for DoFns that decode JSON next to
 * other work (e.g. a Kafka source that must keep topic, partition and offset with each rejection).
 *
 * <p>Immutable: {@link #withLimits} and {@link #withDecimalBounds} return copies. A record accepted
 * under a {@code COUNT} rule is counted in {@code tributary/noted.<stage>.<reason>} when {@link
 * #decode} returns. An oversized text is rejected as {@code too_large}; a caller that dead-letters
 * it should keep {@link #keptPayload(String)} rather than the whole text.
 *
 * <pre>{@code
 * JsonRowDecoder decoder = JsonRowDecoder.of(schema, "decode")
 *     .withLimits(RecordLimits.defaults().withMaxRecordBytes(256 * 1024))
 *     .withDecimalBounds(Map.of("price", DecimalBound.of(12, 2)));
 * try {
 *   Row row = decoder.decode(text);
 * } catch (RecordRejectedException e) {
 *   // e.reason() is one of DecodeJson's reason codes
 * }
 * }</pre>
 */
public final class JsonRowDecoder implements Serializable {
  private static final long serialVersionUID = 1L;
  private final Schema schema;
  private final HardenedJson json;
  private transient DecodeJson.DecodeFn fn;

  private JsonRowDecoder(Schema schema, HardenedJson json) {
    this.schema = schema;
    this.json = json;
  }

  /** The decoder of a configured {@link DecodeJson.Rows} ({@link DecodeJson.Rows#decoder()}). */
  static JsonRowDecoder of(Schema schema, HardenedJson json) {
    return new JsonRowDecoder(schema, json);
  }

  /** Decodes into rows of {@code schema} within {@link RecordLimits#defaults()}. */
  public static JsonRowDecoder of(Schema schema, String stage) {
    checkArgument(schema != null, "JsonRowDecoder.of: schema must not be null");
    checkArgument(stage != null && !stage.isEmpty(), "JsonRowDecoder.of: stage must not be empty");
    return new JsonRowDecoder(schema, HardenedJson.of(RecordLimits.defaults(), stage));
  }

  /** A copy that decodes within {@code limits}. */
  public JsonRowDecoder withLimits(RecordLimits limits) {
    checkArgument(limits != null, "JsonRowDecoder.withLimits: limits must not be null");
    return new JsonRowDecoder(
        schema, HardenedJson.of(limits, json.stage()).withDecimalBounds(json.decimalBounds()));
  }

  /**
   * A copy that bounds {@code DECIMAL} fields by path (see {@link
   * DecodeJson.Rows#withDecimalBounds}); each path must name a {@code DECIMAL} field.
   */
  public JsonRowDecoder withDecimalBounds(Map<String, DecimalBound> bounds) {
    HardenedJson bounded =
        json.withDecimalBounds(
            HardenedJson.checkBounds(bounds, "JsonRowDecoder.withDecimalBounds"));
    HardenedJson.checkBoundPaths(
        schema, bounded.decimalBounds(), "JsonRowDecoder.withDecimalBounds");
    return new JsonRowDecoder(schema, bounded);
  }

  /** The limits in force. */
  public RecordLimits limits() {
    return json.limits();
  }

  /** Decodes one JSON object. */
  public Row decode(String json) throws RecordRejectedException {
    if (fn == null) {
      fn = new DecodeJson.DecodeFn(schema, this.json, null);
      fn.setup();
    }
    return fn.decode(json);
  }

  /**
   * Rejects {@code text} as {@code too_large}, keeping {@link #keptPayload} in its dead letter,
   * when it is over the limits' record size; true when it did. {@link DecodeJson} does this before
   * anything else, so an oversized line is {@code too_large} whatever it holds.
   */
  public boolean rejectIfTooLarge(String text, BadRecordRouter router, DoFn.MultiOutputReceiver out)
      throws Exception {
    return json.rejectIfTooLarge(text, router, out);
  }

  /** What a dead letter of an oversized {@code text} keeps: its first kept-payload bytes. */
  public String keptPayload(String text) {
    return json.keptPayload(text);
  }
}
