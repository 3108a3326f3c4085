package io.tributary.io.kafka;

import io.tributary.io.schema.ContractConfig;
import io.tributary.io.schema.RegisteredSchema;
import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepKind;
import io.tributary.transforms.spec.StepProvider;
import io.tributary.transforms.spec.StepTransforms;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.values.Row;

/**
 * The {@code WriteKafka} sink: {@link KafkaRows#write()} encodes rows with a registered contract
 * (Avro in the Confluent wire format, or JSON), keyed by a field, exactly once with {@code
 * exactly_once_shards} and {@code sink_group_id} (Kafka transactions; readers use read_committed).
 *
 * <pre>{@code
 * - type: WriteKafka
 *   input: dedup
 *   config:
 *     bootstrap_servers: ${env:KAFKA_BOOTSTRAP}
 *     topic: clicks-clean
 *     subject: clickstream-event
 *     key_field: event_id
 *     exactly_once_shards: 2
 *     sink_group_id: clicks-clean-eos
 * }</pre>
 */
public final class WriteKafkaStep extends StepProvider {
  @Override
  public String typeName() {
    return "WriteKafka";
  }

  @Override
  public String description() {
    return "Writes rows to a Kafka topic encoded with a contract (avro or json), keyed by a field;"
        + " exactly once (Kafka transactions) with exactly_once_shards and sink_group_id.";
  }

  @Override
  public StepKind kind() {
    return StepKind.SINK;
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.of("bootstrap_servers", FieldType.STRING)
            .withDescription("host:port[,host:port] of the brokers."),
        Field.of("topic", FieldType.STRING).withDescription("The topic."),
        Field.of("subject", FieldType.STRING)
            .withDescription("The contract the rows are encoded with."),
        Field.nullable("registry", FieldType.STRING)
            .withDescription("A schema registry directory (default: the one bundled in the jar)."),
        Field.nullable("format", FieldType.STRING).withDescription("avro (default) or json."),
        Field.nullable("key_field", FieldType.STRING)
            .withDescription("The field whose value is the record key."),
        Field.nullable("exactly_once_shards", FieldType.INT32)
            .withDescription("Transactional writers (exactly once); needs sink_group_id."),
        Field.nullable("sink_group_id", FieldType.STRING)
            .withDescription("Group id of the exactly-once sink's transactions."));
  }

  @Override
  public SchemaTransform from(Row configuration, StepContext context) {
    StepConfig c = StepConfig.of(configuration);
    RegisteredSchema contract = ContractConfig.contract(c);
    PayloadFormat format;
    try {
      format = PayloadFormat.parse(c.string("format", "avro"));
    } catch (IllegalArgumentException e) {
      throw c.error("format", e.getMessage());
    }
    KafkaRows.Write write =
        KafkaRows.write()
            .withBootstrapServers(c.requiredString("bootstrap_servers"))
            .withTopic(c.requiredString("topic"))
            .withSchema(contract)
            .withPayloadFormat(format);
    if (c.has("key_field")) {
      write = write.withKeyField(c.requiredString("key_field"));
    }
    if (c.has("exactly_once_shards") != c.has("sink_group_id")) {
      throw c.error(
          c.has("exactly_once_shards") ? "exactly_once_shards" : "sink_group_id",
          "exactly once needs both exactly_once_shards and sink_group_id");
    }
    if (c.has("exactly_once_shards")) {
      long shards = c.longValue("exactly_once_shards", 0);
      if (shards < 1) {
        throw c.error("exactly_once_shards", "must be at least 1, got " + shards);
      }
      write = write.withExactlyOnce((int) shards, c.requiredString("sink_group_id"));
    }
    KafkaRows.Write built = write;
    return StepTransforms.sink(rows -> rows.apply("WriteKafka", built));
  }
}
