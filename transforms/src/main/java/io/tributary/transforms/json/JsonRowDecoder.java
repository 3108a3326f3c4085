package io.tributary.transforms.json;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.errors.RecordRejectedException;
import java.io.Serializable;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;

/**
 * The decoding rules of {@link DecodeJson} as a plain function, for DoFns that decode JSON next to
 * other work (e.g. a Kafka source that must keep topic, partition and offset with each rejection).
 *
 * <pre>{@code
 * JsonRowDecoder decoder = JsonRowDecoder.of(schema, "decode");
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
  private final String stage;
  private transient DecodeJson.DecodeFn fn;

  private JsonRowDecoder(Schema schema, String stage) {
    this.schema = schema;
    this.stage = stage;
  }

  /** Decodes into rows of {@code schema}; rejections carry {@code stage}. */
  public static JsonRowDecoder of(Schema schema, String stage) {
    checkArgument(schema != null, "JsonRowDecoder.of: schema must not be null");
    checkArgument(stage != null && !stage.isEmpty(), "JsonRowDecoder.of: stage must not be empty");
    return new JsonRowDecoder(schema, stage);
  }

  /** Decodes one JSON object. */
  public Row decode(String json) throws RecordRejectedException {
    if (fn == null) {
      fn = new DecodeJson.DecodeFn(schema, stage, null);
      fn.setup();
    }
    return fn.decode(json);
  }
}
