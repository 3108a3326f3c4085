/**
 * Kafka source and sink over KafkaIO, without Confluent artifacts: Avro in the Confluent wire
 * format (magic byte 0, 4-byte schema id, Avro binary) against the file schema registry, or JSON.
 *
 * <p>Undecodable messages become dead letters carrying topic, partition, offset and reason; the
 * schema registry itself lives in the schema package.
 */
package io.tributary.io.kafka;
