package io.tributary.io.kafka;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.io.deadletter.DeadLetterFiles;
import io.tributary.io.schema.SchemaRegistry;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.limits.RecordLimits;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaRecordCoder;
import org.apache.beam.sdk.io.kafka.KafkaTimestampType;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Size and UTF-8 checks of the Kafka source, on records built in memory (no broker). */
@RunWith(JUnit4.class)
public class KafkaRowsLimitsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  private static final TupleTag<Row> ROWS = new TupleTag<Row>() {};

  /** The coder of the source's records, nullable key and value. */
  static final KafkaRecordCoder<byte[], byte[]> RECORD_CODER =
      KafkaRecordCoder.of(
          NullableCoder.of(ByteArrayCoder.of()), NullableCoder.of(ByteArrayCoder.of()));

  static KafkaRecord<byte[], byte[]> record(long offset, byte[] value) {
    return new KafkaRecord<>(
        "clicks",
        0,
        offset,
        1000L,
        KafkaTimestampType.CREATE_TIME,
        null,
        "k".getBytes(StandardCharsets.UTF_8),
        value);
  }

  @Test
  public void oversizedAndNonUtf8ValuesAreDeadLettersWithTheirBytesAccountedFor() throws Exception {
    Path out = tmp.newFolder("dl").toPath();
    byte[] big =
        "{\"event_id\":\"".concat("e".repeat(500)).concat("\"}").getBytes(StandardCharsets.UTF_8);
    byte[] bad = {'{', '"', 'a', '"', ':', '"', (byte) 0xFE, '"', '}'};
    SchemaRegistry registry = SchemaRegistry.bundled();
    BadRecordErrorHandler<?> handler =
        p.registerBadRecordErrorHandler(DeadLetterFiles.to(out.toString()));
    TupleTag<Row> rows = ROWS;
    PCollectionTuple result =
        p.apply(Create.of(record(7, big), record(8, bad)).withCoder(RECORD_CODER))
            .apply(
                ParDo.of(
                        new KafkaRows.DecodeFn(
                            registry,
                            registry.latest("clickstream-event"),
                            PayloadFormat.JSON,
                            "decode",
                            RecordLimits.defaults().withMaxRecordBytes(100).withKeptPayloadBytes(5),
                            BadRecordRouter.RECORDING_ROUTER))
                    .withOutputTags(rows, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    result.get(rows).setRowSchema(registry.latest("clickstream-event").beamSchema());
    DeadLetters.register(handler, result);
    handler.close();
    p.run().waitUntilFinish();

    ObjectMapper mapper = new ObjectMapper();
    List<JsonNode> dl = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("dead-letters-00000-of-00001.jsonl"))) {
      dl.add(mapper.readTree(line));
    }
    dl.sort(Comparator.comparing(n -> n.get("reason").asText()));
    assertThat(dl.size(), is(2));
    JsonNode utf8 = dl.get(0);
    assertThat(utf8.get("reason").asText(), equalTo("invalid_utf8"));
    assertThat(
        utf8.get("message").asText(),
        equalTo(
            "topic clicks partition 0 offset 8: message value is not valid UTF-8 at byte 6 of 9;"
                + " the payload keeps the original bytes (value_base64)"));
    JsonNode payload = mapper.readTree(utf8.get("payload").asText());
    assertThat(Base64.getDecoder().decode(payload.get("value_base64").asText()), equalTo(bad));
    JsonNode large = dl.get(1);
    assertThat(large.get("reason").asText(), equalTo("too_large"));
    assertThat(large.get("payload_bytes").asLong(), is((long) big.length));
    assertThat(large.get("payload_sha256").asText(), equalTo(KafkaRows.sha256Hex(big)));
    assertThat(large.get("payload_truncated").asBoolean(), is(true));
    JsonNode head = mapper.readTree(large.get("payload").asText());
    assertThat(
        Base64.getDecoder().decode(head.get("value_base64").asText()),
        equalTo(Arrays.copyOf(big, 5)));
    assertThat(
        large.get("message").asText(),
        containsString("topic clicks partition 0 offset 7: value of " + big.length + " bytes"));
  }

  @Test
  public void utf8CheckNamesTheFirstBadByte() throws Exception {
    assertThat(
        KafkaRows.utf8("h\u00e9".getBytes(StandardCharsets.UTF_8), "decode"), equalTo("h\u00e9"));
    RecordRejectedException e =
        assertThrows(
            RecordRejectedException.class,
            () -> KafkaRows.utf8(new byte[] {'a', (byte) 0xC3}, "decode"));
    assertThat(e.reason(), equalTo("invalid_utf8"));
    assertThat(e.getMessage(), containsString("at byte 1 of 2"));
  }
}
