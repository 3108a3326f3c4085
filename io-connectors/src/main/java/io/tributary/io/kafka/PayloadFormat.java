package io.tributary.io.kafka;

import java.util.Locale;

/**
 * How Kafka message values are encoded.
 *
 * <pre>{@code
 * KafkaRows.read().withPayloadFormat(PayloadFormat.parse("avro"));
 * }</pre>
 */
public enum PayloadFormat {
  /** Confluent wire format: magic byte, schema id, Avro binary. */
  AVRO,
  /** One UTF-8 JSON object per message, decoded against the subject's newest schema. */
  JSON;

  /** Parses {@code avro} or {@code json}, case-insensitively. */
  public static PayloadFormat parse(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "payload format: expected avro or json, got '" + name + "'");
    }
  }
}
