package io.tributary.pipelines.spec;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertThrows;

import io.tributary.io.schema.SchemaRegistry;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * ReadKafka and WriteKafka steps check without a broker: the source's schema is the contract's, and
 * a half-configured exactly-once sink is an error at its key. (Running them against a broker is
 * what ClickstreamKafkaIT does for the same KafkaRows transforms.)
 */
@RunWith(JUnit4.class)
public class KafkaStepsCheckTest {
  private static final String SPEC =
      "pipeline:\n"
          + "  type: chain\n"
          + "  transforms:\n"
          + "    - type: ReadKafka\n"
          + "      name: decode\n"
          + "      config:\n"
          + "        bootstrap_servers: localhost:9092\n"
          + "        topic: clicks\n"
          + "        subject: clickstream-event\n"
          + "        format: json\n"
          + "        event_time_field: event_time\n"
          + "        max_delay: 1m\n"
          + "    - type: Dedup\n"
          + "      config: {key: event_id, ttl: 1h}\n"
          + "    - type: WriteKafka\n"
          + "      name: publish\n"
          + "      config:\n"
          + "        bootstrap_servers: localhost:9092\n"
          + "        topic: clicks-clean\n"
          + "        subject: clickstream-event\n"
          + "        key_field: event_id\n"
          + "        exactly_once_shards: 2\n"
          + "SINK_GROUP";

  private static SpecBuilder.Built build(String text) {
    Spec spec = SpecParser.parse("kafka.yaml", text);
    return SpecBuilder.build(
        Pipeline.create(PipelineOptionsFactory.create()),
        spec,
        StepCatalog.load(),
        Variables.of(Map.of()),
        null);
  }

  @Test
  public void kafkaSpecChecksWithTheContractSchema() {
    SpecBuilder.Built built =
        build(SPEC.replace("SINK_GROUP", "        sink_group_id: clicks-clean-eos\n"));
    assertThat(
        built.schemas().get("decode.output"),
        equalTo(SchemaRegistry.bundled().latest("clickstream-event").beamSchema()));
  }

  @Test
  public void aRunChecksTheBrokerAtItsKeyWhereCheckDoesNot() {
    Spec spec =
        SpecParser.parse(
            "kafka.yaml",
            SPEC.replace("SINK_GROUP", "        sink_group_id: clicks-clean-eos\n")
                .replaceFirst("localhost:9092", "127.0.0.1:1"));
    // check, graph and test build the spec offline: no broker is asked.
    SpecBuilder.build(
        Pipeline.create(PipelineOptionsFactory.create()),
        spec,
        StepCatalog.load(),
        Variables.of(Map.of()),
        null);
    // A run asks first, and a broker nobody runs is one error at the key.
    SpecException e =
        assertThrows(
            SpecException.class,
            () -> SpecBuilder.checkBeforeRun(spec, StepCatalog.load(), Variables.of(Map.of())));
    assertThat(
        e.errors().stream().map(SpecError::toString).toList(),
        contains(
            startsWith(
                "kafka.yaml:7:28: ReadKafka 'decode': no Kafka broker answers at 127.0.0.1:1 (")));
  }

  @Test
  public void halfConfiguredExactlyOnceIsNamed() {
    SpecException e =
        assertThrows(SpecException.class, () -> build(SPEC.replace("SINK_GROUP", "")));
    assertThat(
        e.errors().stream().map(SpecError::toString).toList(),
        equalTo(
            List.of(
                "kafka.yaml:22:30: WriteKafka 'publish': exactly once needs both"
                    + " exactly_once_shards and sink_group_id")));
  }
}
