package io.tributary.io.kafka;

import io.tributary.io.schema.ContractConfig;
import io.tributary.io.schema.SchemaRegistry;
import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepKind;
import io.tributary.transforms.spec.StepTransforms;
import io.tributary.transforms.stages.RecordStages;
import io.tributary.transforms.validate.ValidatingSourceStep;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * The {@code ReadKafka} source: {@link KafkaRows#read()} decodes a topic's records against a
 * registered contract (Avro in the Confluent wire format, or JSON); what does not decode is a dead
 * letter of this step. Unbounded unless {@code max_records} or {@code max_read_time} bounds it (a
 * replay). With {@code event_time_field}, event time is stamped in this step, as a stage named
 * {@code <step>_event_time} ({@code event_time} for a step named {@code decode}) whose {@code
 * out_of_range} rejections are dead letters too; the run of per-row steps ({@code Validate}, {@code
 * MapToFields}, {@code Filter}, {@code Protect}, {@code EventTime}) that follows it, each the only
 * reader of the one before, runs in this step as well ({@link #fusedWith}).
 *
 * <pre>{@code
 * - type: ReadKafka
 *   name: decode
 *   config:
 *     bootstrap_servers: ${env:KAFKA_BOOTSTRAP}
 *     topic: clicks
 *     subject: clickstream-event
 *     format: json
 *     event_time_field: event_time
 *     max_delay: 1m
 * }</pre>
 */
public final class ReadKafkaStep extends ValidatingSourceStep {
  @Override
  public String typeName() {
    return "ReadKafka";
  }

  @Override
  public String description() {
    return "Reads a Kafka topic decoded against a contract of the schema registry (avro: Confluent"
        + " wire format; json), with event time from a field and a bounded-delay watermark;"
        + " undecodable records are dead letters of this step.";
  }

  @Override
  public StepKind kind() {
    return StepKind.SOURCE;
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.of("bootstrap_servers", FieldType.STRING)
            .withDescription("host:port[,host:port] of the brokers."),
        Field.of("topic", FieldType.STRING).withDescription("The topic."),
        Field.of("subject", FieldType.STRING)
            .withDescription("The contract: a subject of the schema registry."),
        Field.nullable("registry", FieldType.STRING)
            .withDescription("A schema registry directory (default: the one bundled in the jar)."),
        Field.nullable("format", FieldType.STRING).withDescription("avro (default) or json."),
        Field.nullable("consumer_group", FieldType.STRING)
            .withDescription("Consumer group whose committed offsets say where to resume."),
        Field.nullable("event_time_field", FieldType.STRING)
            .withDescription(
                "The field holding the event time (default: the record timestamp), stamped in"
                    + " this step as stage <step>_event_time (event_time for a step named"
                    + " decode); times out of range are its dead letters."),
        Field.nullable("max_delay", FieldType.STRING)
            .withDescription("How far behind the newest event time the watermark stays."),
        Field.nullable("max_records", FieldType.INT64)
            .withDescription("Stop after this many records (a bounded replay)."),
        Field.nullable("max_read_time", FieldType.STRING)
            .withDescription("Stop after reading for this long (a bounded replay)."));
  }

  /** The brokers answer and the topic exists ({@link KafkaChecks}), when a run starts. */
  @Override
  public void checkBeforeRun(Row configuration) {
    StepConfig c = StepConfig.of(configuration);
    try {
      KafkaChecks.requireTopics(
          "bootstrap_servers",
          c.requiredString("bootstrap_servers"),
          "topic",
          List.of(c.requiredString("topic")));
    } catch (KafkaChecks.Failure e) {
      throw c.error(e.option(), e.problem());
    }
  }

  @Override
  protected SchemaTransform build(
      Row configuration, StepContext context, @Nullable RecordStages stages) {
    StepConfig c = StepConfig.of(configuration);
    SchemaRegistry registry = ContractConfig.registry(c);
    String subject = ContractConfig.subject(c, registry);
    PayloadFormat format;
    try {
      format = PayloadFormat.parse(c.string("format", "avro"));
    } catch (IllegalArgumentException e) {
      throw c.error("format", e.getMessage());
    }
    KafkaRows.Read read =
        KafkaRows.read()
            .withBootstrapServers(c.requiredString("bootstrap_servers"))
            .withTopic(c.requiredString("topic"))
            .withSubject(registry, subject)
            .withPayloadFormat(format)
            .withStageName(context.stageName());
    if (c.has("consumer_group")) {
      read = read.withConsumerGroup(c.requiredString("consumer_group"));
    }
    if (c.has("event_time_field")) {
      read = read.withEventTimeField(c.requiredString("event_time_field"));
    }
    Duration delay = c.duration("max_delay", null);
    read = delay == null ? read.withWatermarkHeld() : read.withMaxDelay(delay);
    if (c.has("max_records")) {
      long n = c.longValue("max_records", 0);
      if (n < 1) {
        throw c.error("max_records", "'max_records' must be at least 1, got " + n);
      }
      read = read.withMaxNumRecords(n);
    }
    Duration readTime = c.duration("max_read_time", null);
    if (readTime != null) {
      read = read.withMaxReadTime(readTime);
    }
    if (context.errorHandler() != null) {
      read = read.withBadRecordErrorHandler(context.errorHandler());
    }
    if (stages != null) {
      read = read.withStages(stages);
    }
    KafkaRows.Read built = read;
    return StepTransforms.source(p -> p.apply("ReadKafka", built));
  }
}
