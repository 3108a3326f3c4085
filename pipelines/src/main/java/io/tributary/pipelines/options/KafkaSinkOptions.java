package io.tributary.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * A per-record Kafka sink written exactly once with Kafka transactions ({@code --sinkTopic}).
 *
 * <pre>{@code
 * tributary run clickstream ... --bootstrapServers=localhost:9092 --sinkTopic=clicks-clean \
 *     --sinkShards=2
 * }</pre>
 */
@Description("Kafka sink (--sinkTopic)")
public interface KafkaSinkOptions extends KafkaOptions {
  @Description(
      "Kafka topic that receives every validated, deduplicated event (key: event_id, value: "
          + "--payloadFormat), written exactly once with Kafka transactions; none by default. Needs "
          + "--bootstrapServers and, on Flink, checkpointing (the flink-cluster profile has it).")
  String getSinkTopic();

  void setSinkTopic(String value);

  @Description("--sinkTopic: transactional writers (shards) of the exactly-once sink.")
  @Default.Integer(1)
  Integer getSinkShards();

  void setSinkShards(Integer value);

  @Description(
      "--sinkTopic: consumer group in which the exactly-once sink keeps its progress; one job "
          + "per group (a job resumed from its savepoint keeps it).")
  @Default.String("tributary-clickstream-sink")
  String getSinkGroupId();

  void setSinkGroupId(String value);
}
