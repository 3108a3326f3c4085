package io.tributary.io.kafka;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import io.tributary.io.schema.RegisteredSchema;
import io.tributary.io.schema.SchemaRegistry;
import io.tributary.transforms.errors.RecordRejectedException;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Wire format and construction checks that need no broker (the broker tests are KafkaRowsIT). */
@RunWith(JUnit4.class)
public class KafkaRowsTest {
  static final SchemaRegistry REGISTRY = SchemaRegistry.bundled();

  @Test
  public void wireFormatIsMagicByteSchemaIdThenAvro() throws Exception {
    RegisteredSchema v1 = REGISTRY.latest("clickstream-event");
    GenericRecord r = new GenericData.Record(v1.schema());
    r.put("event_id", "e-1");
    r.put("user_id", "u-1");
    r.put("event_type", "search");
    r.put("product_id", "p-1");
    r.put(
        "price",
        java.nio.ByteBuffer.wrap(new java.math.BigDecimal("1.00").unscaledValue().toByteArray()));
    r.put("currency", "EUR");
    r.put("event_time", 0L);
    byte[] message = ConfluentWireFormat.encode(v1, r);
    assertThat(message[0], is((byte) 0));
    assertThat(java.nio.ByteBuffer.wrap(message, 1, 4).getInt(), is(v1.id()));
    assertThat(ConfluentWireFormat.schemaId(message, "decode"), is(v1.id()));
    assertThat(
        io.tributary.io.schema.ResolvingReader.of(REGISTRY, "clickstream-event", "decode")
            .readRow(v1.id(), message, 5, message.length - 5)
            .getString("event_id"),
        equalTo("e-1"));
    RecordRejectedException e =
        assertThrows(
            RecordRejectedException.class,
            () -> ConfluentWireFormat.schemaId(new byte[] {1, 0, 0, 0, 1, 2}, "decode"));
    assertThat(e.reason(), equalTo("not_wire_format"));
    assertThat(e.getMessage(), containsString("not the magic byte 0"));
  }

  @Test
  public void displayDataListsSettings() {
    DisplayData read =
        DisplayData.from(
            KafkaRows.read()
                .withBootstrapServers("h:9092")
                .withTopic("clicks")
                .withSubject(REGISTRY, "clickstream-event")
                .withPayloadFormat(PayloadFormat.JSON)
                .withConsumerGroup("g")
                .withEventTimeField("event_time")
                .withWatermarkHeld()
                .withMaxNumRecords(5));
    for (String s :
        new String[] {"h:9092", "clicks", "clickstream-event", "JSON", "g", "event_time", "held"}) {
      assertThat(read.toString(), containsString(s));
    }
    DisplayData write =
        DisplayData.from(
            KafkaRows.write()
                .withBootstrapServers("h:9092")
                .withTopic("out")
                .withSchema(REGISTRY.latest("clickstream-event"))
                .withKeyField("user_id"));
    assertThat(write.toString(), containsString("user_id"));
    assertThat(write.toString(), containsString("clickstream-event v1 (id 1)"));
    DisplayData eos =
        DisplayData.from(
            KafkaRows.write()
                .withBootstrapServers("h:9092")
                .withTopic("out")
                .withSchema(REGISTRY.latest("clickstream-event"))
                .withExactlyOnce(2, "sink-g"));
    assertThat(eos.toString(), containsString("2 shards, sink group sink-g"));
  }

  @Test
  public void constructionErrorsNameTheCall() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> KafkaRows.read().withSubject(REGISTRY, "nope"));
    assertThat(
        e.getMessage(),
        containsString("known subjects: [clickstream-event, iot-device, iot-reading]"));
    e = assertThrows(IllegalArgumentException.class, () -> KafkaRows.read().withMaxNumRecords(0));
    assertThat(e.getMessage(), containsString("KafkaRows.read().withMaxNumRecords"));
    assertThrows(IllegalArgumentException.class, () -> PayloadFormat.parse("protobuf"));
    e =
        assertThrows(
            IllegalArgumentException.class, () -> KafkaRows.write().withExactlyOnce(0, "g"));
    assertThat(
        e.getMessage(), containsString("KafkaRows.write().withExactlyOnce: shards must be > 0"));
  }
}
