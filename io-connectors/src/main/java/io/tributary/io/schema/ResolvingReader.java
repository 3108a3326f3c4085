package io.tributary.io.schema;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.errors.RecordRejectedException;
import java.io.IOException;
import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.beam.sdk.extensions.avro.schemas.utils.AvroUtils;
import org.apache.beam.sdk.values.Row;

/**
 * Reads Avro binary payloads written with any registered version of a subject into the newest
 * (reader) version, by Avro's resolution rules, and converts them to Beam {@link Row}s.
 *
 * <p>Everything that can go wrong with a payload is a {@link RecordRejectedException} with a
 * reason: {@code unknown_schema_id} (no registered schema has the writer id), {@code
 * unresolvable_schema} (the writer schema exists but the reader cannot read it; the message names
 * the field and the rule), {@code corrupt_payload} (the bytes are not Avro of the writer schema)
 * and {@code wrong_type} (a value does not fit the Beam schema). Resolution is decided once per
 * writer id and cached.
 *
 * <pre>{@code
 * ResolvingReader reader = ResolvingReader.of(registry, "clickstream-event", "decode");
 * Row row = reader.readRow(writerId, bytes, 5, bytes.length - 5);
 * }</pre>
 */
public final class ResolvingReader implements Serializable {
  private static final long serialVersionUID = 1L;

  private final SchemaRegistry registry;
  private final RegisteredSchema reader;
  private final String stage;
  private transient Map<Integer, Object> byWriterId; // GenericDatumReader, or the problem text
  private transient BinaryDecoder decoder;

  private ResolvingReader(SchemaRegistry registry, RegisteredSchema reader, String stage) {
    this.registry = registry;
    this.reader = reader;
    this.stage = stage;
  }

  /** Reads into the latest version of {@code subject}; rejections carry {@code stage}. */
  public static ResolvingReader of(SchemaRegistry registry, String subject, String stage) {
    checkArgument(registry != null, "ResolvingReader.of: registry must not be null");
    return new ResolvingReader(registry, registry.latest(subject), stage);
  }

  /** Reads into {@code reader}, resolving writer ids through {@code registry}. */
  public static ResolvingReader of(SchemaRegistry registry, RegisteredSchema reader, String stage) {
    return new ResolvingReader(registry, reader, stage);
  }

  /** The reader schema. */
  public RegisteredSchema readerSchema() {
    return reader;
  }

  /**
   * Decodes {@code length} bytes at {@code offset}, written with the schema of id {@code writerId}.
   */
  @SuppressWarnings("unchecked")
  public GenericRecord read(int writerId, byte[] bytes, int offset, int length)
      throws RecordRejectedException {
    if (byWriterId == null) {
      byWriterId = new HashMap<>();
    }
    Object resolved = byWriterId.computeIfAbsent(writerId, this::resolve);
    if (resolved instanceof String problem) {
      throw new RecordRejectedException(
          stage,
          problem.startsWith("unknown") ? "unknown_schema_id" : "unresolvable_schema",
          problem);
    }
    try {
      decoder = DecoderFactory.get().binaryDecoder(bytes, offset, length, decoder);
      GenericRecord record = ((GenericDatumReader<GenericRecord>) resolved).read(null, decoder);
      if (!decoder.isEnd()) {
        throw new RecordRejectedException(
            stage,
            "corrupt_payload",
            "payload has bytes left after a complete record of writer schema id " + writerId);
      }
      return record;
    } catch (IOException
        | AvroRuntimeException
        | IndexOutOfBoundsException
        | NegativeArraySizeException e) {
      throw new RecordRejectedException(
          stage,
          "corrupt_payload",
          "payload is not Avro binary of writer schema id "
              + writerId
              + " ("
              + e.getClass().getSimpleName()
              + ")");
    }
  }

  /** {@link #read} then {@link #toRow}. */
  public Row readRow(int writerId, byte[] bytes, int offset, int length)
      throws RecordRejectedException {
    return toRow(read(writerId, bytes, offset, length), reader.beamSchema(), stage);
  }

  /**
   * Converts a record of the reader schema to a Row; a value that does not fit is {@code
   * wrong_type}.
   */
  public static Row toRow(
      GenericRecord record, org.apache.beam.sdk.schemas.Schema beamSchema, String stage)
      throws RecordRejectedException {
    try {
      return AvroUtils.toBeamRowStrict(record, beamSchema);
    } catch (RuntimeException e) {
      throw new RecordRejectedException(
          stage,
          "wrong_type",
          "record does not fit the Beam schema of "
              + record.getSchema().getFullName()
              + ": "
              + e.getClass().getSimpleName());
    }
  }

  private Object resolve(int writerId) {
    RegisteredSchema writer = registry.byId(writerId);
    if (writer == null) {
      return "unknown writer schema id "
          + writerId
          + " (not in the registry; register the producer's schema)";
    }
    Schema readerSchema = reader.schema();
    List<String> problems = Compatibility.readerProblems(readerSchema, writer.schema());
    if (!problems.isEmpty()) {
      return "cannot resolve writer "
          + writer
          + " to reader "
          + reader
          + ": "
          + String.join("; ", problems);
    }
    return new GenericDatumReader<GenericRecord>(writer.schema(), readerSchema);
  }
}
