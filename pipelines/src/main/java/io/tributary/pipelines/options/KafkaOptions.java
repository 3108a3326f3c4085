package io.tributary.pipelines.options;

import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The Kafka cluster a job reads from or writes to ({@code --bootstrapServers}).
 *
 * <pre>{@code
 * tributary run orders-mart --source=kafka --bootstrapServers=localhost:9092 ...
 * }</pre>
 */
@Description("Kafka")
public interface KafkaOptions extends PipelineOptions {
  @Description("--source=kafka: bootstrap servers, host:port[,host:port].")
  String getBootstrapServers();

  void setBootstrapServers(String value);
}
