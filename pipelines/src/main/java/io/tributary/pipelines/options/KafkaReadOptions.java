package io.tributary.pipelines.options;

import org.apache.beam.sdk.options.Description;

/**
 * A Kafka read that may be bounded by a number of messages ({@code --maxRecords}).
 *
 * <pre>{@code
 * tributary run erasure --requestsTopic=erasure-requests --bootstrapServers=localhost:9092 \
 *     --maxRecords=100 ...
 * }</pre>
 */
@Description("Kafka")
public interface KafkaReadOptions extends KafkaOptions {
  @Description("--source=kafka: stop after this many messages (makes the run bounded).")
  Long getMaxRecords();

  void setMaxRecords(Long value);
}
