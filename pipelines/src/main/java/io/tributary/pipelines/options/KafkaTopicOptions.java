package io.tributary.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * One topic of records read with {@code --source=kafka}: the topic, its payload format, the
 * consumer group and the watermark.
 *
 * <pre>{@code
 * tributary run clickstream --source=kafka --bootstrapServers=localhost:9092 --topic=clicks \
 *     --payloadFormat=json --kafkaWatermark=1m ...
 * }</pre>
 */
@Description("Kafka topic (--source=kafka)")
public interface KafkaTopicOptions extends KafkaReadOptions {
  @Description("--source=kafka: topic to read.")
  String getTopic();

  void setTopic(String value);

  @Description("--source=kafka: message values: avro (Confluent wire format) or json.")
  @Default.String("avro")
  String getPayloadFormat();

  void setPayloadFormat(String value);

  @Description("--source=kafka: consumer group whose offsets are committed.")
  @Default.String("tributary-clickstream")
  String getConsumerGroup();

  void setConsumerGroup(String value);

  @Description(
      "--source=kafka: watermark: held (until the read ends; replays with --maxRecords) or a lag behind Kafka create time like 1m.")
  @Default.String("held")
  String getKafkaWatermark();

  void setKafkaWatermark(String value);
}
