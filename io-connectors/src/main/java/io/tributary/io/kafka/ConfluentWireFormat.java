package io.tributary.io.kafka;

import io.tributary.io.schema.AvroRows;
import io.tributary.io.schema.RegisteredSchema;
import io.tributary.transforms.errors.RecordRejectedException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.beam.sdk.values.Row;

/**
 * The Confluent Schema Registry wire format: byte 0 is the magic byte {@code 0}, bytes 1-4 the
 * schema id (big-endian), the rest the Avro binary encoding of one datum. Producers using
 * Confluent's {@code KafkaAvroSerializer} write exactly this, so their messages decode here as long
 * as their schema ids are registered in Tributary's registry with the same ids.
 *
 * <pre>{@code
 * byte[] message = ConfluentWireFormat.encode(registered, record);
 * int id = ConfluentWireFormat.schemaId(message, "decode");  // registered.id()
 * }</pre>
 */
public final class ConfluentWireFormat {
  /** The first byte of every message. */
  public static final byte MAGIC_BYTE = 0;

  /** Magic byte plus schema id. */
  public static final int HEADER_LENGTH = 5;

  private ConfluentWireFormat() {}

  /** Encodes {@code record} (of {@code schema}'s Avro schema) with {@code schema.id()}. */
  public static byte[] encode(RegisteredSchema schema, GenericRecord record) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    out.write(MAGIC_BYTE);
    out.writeBytes(ByteBuffer.allocate(4).putInt(schema.id()).array());
    try {
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
      new GenericDatumWriter<GenericRecord>(schema.schema()).write(record, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Encodes a row of the contract {@code schema}. */
  public static byte[] encode(RegisteredSchema schema, Row row) {
    return encode(schema, AvroRows.toGenericRecord(row, schema.schema()));
  }

  /**
   * The schema id of {@code message}.
   *
   * @throws RecordRejectedException {@code not_wire_format} when the message is too short or does
   *     not start with the magic byte
   */
  public static int schemaId(byte[] message, String stage) throws RecordRejectedException {
    if (message == null || message.length < HEADER_LENGTH) {
      throw new RecordRejectedException(
          stage,
          "not_wire_format",
          "message has "
              + (message == null ? "no value" : message.length + " bytes")
              + "; the Confluent wire format needs a 5-byte header (magic byte 0 + schema id)");
    }
    if (message[0] != MAGIC_BYTE) {
      throw new RecordRejectedException(
          stage,
          "not_wire_format",
          "message starts with byte "
              + (message[0] & 0xff)
              + ", not the magic byte 0 of the Confluent wire format");
    }
    return ByteBuffer.wrap(message, 1, 4).getInt();
  }
}
