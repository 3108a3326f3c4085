package io.tributary.io.schema;

import io.tributary.transforms.json.DecimalBound;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.beam.sdk.extensions.avro.schemas.utils.AvroUtils;

/**
 * One registered version of a subject: its number within the subject, its registry-wide stable id
 * (the id in the Confluent wire format) and the Avro schema.
 *
 * <pre>{@code
 * RegisteredSchema latest = registry.latest("clickstream-event");
 * org.apache.beam.sdk.schemas.Schema rowSchema = latest.beamSchema();
 * }</pre>
 */
public final class RegisteredSchema implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String subject;
  private final int version;
  private final int id;
  private final String schemaJson;
  private transient Schema schema;
  private transient org.apache.beam.sdk.schemas.Schema beamSchema;

  RegisteredSchema(String subject, int version, int id, String schemaJson) {
    this.subject = subject;
    this.version = version;
    this.id = id;
    this.schemaJson = schemaJson;
  }

  /** A schema that is not in any registry (tests, ad-hoc files); version and id are 0. */
  public static RegisteredSchema unregistered(Schema schema) {
    return new RegisteredSchema(schema.getFullName(), 0, 0, schema.toString());
  }

  /** The subject, e.g. {@code clickstream-event}. */
  public String subject() {
    return subject;
  }

  /** The version within the subject, 1 for the first. */
  public int version() {
    return version;
  }

  /** The stable registry-wide id. */
  public int id() {
    return id;
  }

  /** The Avro schema. */
  public Schema schema() {
    if (schema == null) {
      schema = new Schema.Parser().parse(schemaJson);
    }
    return schema;
  }

  /** The Beam schema derived from the Avro schema ({@link AvroUtils#toBeamSchema}). */
  public org.apache.beam.sdk.schemas.Schema beamSchema() {
    if (beamSchema == null) {
      beamSchema = AvroUtils.toBeamSchema(schema());
    }
    return beamSchema;
  }

  /**
   * The precision and scale of every decimal field, by field path ({@code price}, {@code
   * item.amount}): Beam's DECIMAL carries neither, so decoders take them from here to refuse a
   * value the contract cannot hold ({@code out_of_range}) instead of rounding it.
   */
  public Map<String, DecimalBound> decimalBounds() {
    Map<String, DecimalBound> bounds = new LinkedHashMap<>();
    collectDecimals(schema(), "", bounds);
    return bounds;
  }

  private static void collectDecimals(Schema avro, String prefix, Map<String, DecimalBound> out) {
    for (Schema.Field f : avro.getFields()) {
      Schema type = f.schema();
      if (type.getType() == Schema.Type.UNION) {
        // Nullable fields are ["null", T]; a decimal is bounded whichever branch holds it.
        for (Schema branch : type.getTypes()) {
          if (branch.getType() != Schema.Type.NULL) {
            type = branch;
          }
        }
      }
      if (type.getLogicalType() instanceof LogicalTypes.Decimal) {
        LogicalTypes.Decimal d = (LogicalTypes.Decimal) type.getLogicalType();
        out.put(prefix + f.name(), DecimalBound.of(d.getPrecision(), d.getScale()));
      } else if (type.getType() == Schema.Type.RECORD) {
        collectDecimals(type, prefix + f.name() + ".", out);
      }
    }
  }

  /**
   * Avro's 64-bit parsing-canonical-form fingerprint; equal for schemas that resolve identically.
   */
  public long fingerprint() {
    return SchemaNormalization.parsingFingerprint64(schema());
  }

  String schemaJson() {
    return schemaJson;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RegisteredSchema other)) {
      return false;
    }
    return version == other.version
        && id == other.id
        && subject.equals(other.subject)
        && fingerprint() == other.fingerprint();
  }

  @Override
  public int hashCode() {
    return Objects.hash(subject, version, id);
  }

  @Override
  public String toString() {
    return subject + " v" + version + " (id " + id + ")";
  }
}
