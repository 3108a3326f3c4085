/**
 * Kafka source and sink over KafkaIO, without Confluent artifacts: Avro in the Confluent wire
 * format (magic byte 0, 4-byte schema id, Avro binary) against the file schema registry, or JSON;
 * and {@code KafkaReplay}, a bounded read of text values between captured offsets (backfills,
 * Debezium change topics).
 *
 * <p>Undecodable messages become dead letters carrying topic, partition, offset and reason; the
 * schema registry itself lives in the schema package.
 */
package io.tributary.io.kafka;
