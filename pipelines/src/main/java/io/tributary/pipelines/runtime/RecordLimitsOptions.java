package io.tributary.pipelines.runtime;

import io.tributary.transforms.limits.RecordLimits;
import org.apache.avro.Schema;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Per-record limits of a job that reads records (a mixin its options extend): what makes one record
 * a dead letter instead of a failed, hung or slowed run. Unset options keep the contract's rules
 * and the library's defaults ({@link RecordLimits#defaults()}); see docs/ingestion.md.
 *
 * <pre>{@code
 * tributary run clickstream ... --maxRecordBytes=262144 --unknownFields=reject
 * }</pre>
 */
@Description("Record limits")
public interface RecordLimitsOptions extends PipelineOptions {
  /** Avro record property with the contract's rule for unknown fields: reject or count. */
  String UNKNOWN_FIELDS_PROP = "tributary.unknownFields";

  /** Avro record property with the contract's rule for duplicate keys: reject or count. */
  String DUPLICATE_KEYS_PROP = "tributary.duplicateKeys";

  @Description(
      "Largest record in bytes (a line, a Kafka value); larger ones are dead letters "
          + "(too_large) holding their first 4 KiB, length and SHA-256. Default 1048576.")
  @Nullable Long getMaxRecordBytes();

  void setMaxRecordBytes(@Nullable Long value);

  @Description("Deepest JSON nesting of objects and arrays (too_deep). Default 64.")
  @Nullable Integer getMaxNestingDepth();

  void setMaxNestingDepth(@Nullable Integer value);

  @Description("Longest JSON number in characters (number_too_long). Default 100.")
  @Nullable Integer getMaxNumberLength();

  void setMaxNumberLength(@Nullable Integer value);

  @Description(
      "Fields the contract does not declare: reject (dead letter unknown_field) or count "
          + "(accepted, counted as noted). Default: the contract's "
          + UNKNOWN_FIELDS_PROP
          + " property, else count.")
  @Nullable String getUnknownFields();

  void setUnknownFields(@Nullable String value);

  @Description(
      "A JSON object naming a key twice: reject (dead letter duplicate_key) or count (last "
          + "value wins, counted as noted). Default: the contract's "
          + DUPLICATE_KEYS_PROP
          + " property, else reject.")
  @Nullable String getDuplicateKeys();

  void setDuplicateKeys(@Nullable String value);

  /**
   * The limits of a run: defaults, then the contract's record-level rules, then the options. Throws
   * an IllegalArgumentException naming the option when a value is out of range.
   */
  static RecordLimits limits(RecordLimitsOptions o, @Nullable Schema contract) {
    RecordLimits limits = RecordLimits.defaults();
    if (contract != null && contract.getProp(UNKNOWN_FIELDS_PROP) != null) {
      limits =
          limits.withUnknownFields(
              RecordLimits.Rule.parse(
                  contract.getProp(UNKNOWN_FIELDS_PROP),
                  "contract " + contract.getFullName() + " property " + UNKNOWN_FIELDS_PROP));
    }
    if (contract != null && contract.getProp(DUPLICATE_KEYS_PROP) != null) {
      limits =
          limits.withDuplicateKeys(
              RecordLimits.Rule.parse(
                  contract.getProp(DUPLICATE_KEYS_PROP),
                  "contract " + contract.getFullName() + " property " + DUPLICATE_KEYS_PROP));
    }
    if (o.getMaxRecordBytes() != null) {
      long v = o.getMaxRecordBytes();
      if (v < 16 || v > (1L << 30)) {
        throw new IllegalArgumentException(
            "--maxRecordBytes: expected bytes between 16 and 1073741824, got " + v);
      }
      limits = limits.withMaxRecordBytes(v);
    }
    if (o.getMaxNestingDepth() != null) {
      int v = o.getMaxNestingDepth();
      if (v < 1 || v > 10_000) {
        throw new IllegalArgumentException(
            "--maxNestingDepth: expected a depth between 1 and 10000, got " + v);
      }
      limits = limits.withMaxNestingDepth(v);
    }
    if (o.getMaxNumberLength() != null) {
      int v = o.getMaxNumberLength();
      if (v < 1 || v > 100_000) {
        throw new IllegalArgumentException(
            "--maxNumberLength: expected characters between 1 and 100000, got " + v);
      }
      limits = limits.withMaxNumberLength(v);
    }
    if (o.getUnknownFields() != null) {
      limits =
          limits.withUnknownFields(
              RecordLimits.Rule.parse(o.getUnknownFields(), "--unknownFields"));
    }
    if (o.getDuplicateKeys() != null) {
      limits =
          limits.withDuplicateKeys(
              RecordLimits.Rule.parse(o.getDuplicateKeys(), "--duplicateKeys"));
    }
    return limits;
  }
}
