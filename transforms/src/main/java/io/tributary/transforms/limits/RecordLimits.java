package io.tributary.transforms.limits;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import java.io.Serializable;
import java.util.Locale;
import org.joda.time.Instant;

/**
 * The limits a single record must stay within, so one hostile record becomes one dead letter
 * instead of a failed, hung or slowed run.
 *
 * <p>Every bound has a reason code of its own when it is exceeded: {@code too_large} (more bytes
 * than {@link #maxRecordBytes()}, checked by readers before the record is buffered), {@code
 * too_deep} (JSON nested deeper than {@link #maxNestingDepth()}), {@code number_too_long} (a JSON
 * number with more characters than {@link #maxNumberLength()}), {@code out_of_range} (a value that
 * does not fit its contract type, or an event time outside [{@link #minEventTime()}, {@link
 * #maxEventTime()})), {@code duplicate_key} and {@code unknown_field} (when the contract's rule for
 * them is {@link Rule#REJECT}).
 *
 * <pre>{@code
 * RecordLimits limits = RecordLimits.defaults()
 *     .withMaxRecordBytes(256 * 1024)
 *     .withUnknownFields(RecordLimits.Rule.REJECT);
 * }</pre>
 */
@AutoValue
public abstract class RecordLimits implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Default {@link #maxRecordBytes()}: 1 MiB. */
  public static final long DEFAULT_MAX_RECORD_BYTES = 1L << 20;

  /** Default {@link #maxNestingDepth()}. */
  public static final int DEFAULT_MAX_NESTING_DEPTH = 64;

  /** Default {@link #maxNumberLength()}, in characters. */
  public static final int DEFAULT_MAX_NUMBER_LENGTH = 100;

  /** Default {@link #keptPayloadBytes()}: how much of an oversized record a dead letter keeps. */
  public static final int DEFAULT_KEPT_PAYLOAD_BYTES = 4096;

  /** Earliest event time accepted by default: 0001-01-01T00:00:00Z. */
  public static final Instant DEFAULT_MIN_EVENT_TIME = Instant.parse("0001-01-01T00:00:00Z");

  /** First event time refused by default: 10000-01-01T00:00:00Z (four-digit years only). */
  public static final Instant DEFAULT_MAX_EVENT_TIME = new Instant(253402300800000L);

  /** What a decoder does with a record that breaks a contract-level rule. */
  public enum Rule {
    /** The record becomes a dead letter with the rule's reason. */
    REJECT,
    /** The record is accepted and counted under the rule's reason, so the choice is visible. */
    COUNT;

    /** Parses {@code reject} or {@code count} (any case); the message names {@code what}. */
    public static Rule parse(String text, String what) {
      checkArgument(text != null, "%s: expected reject or count, got nothing", what);
      switch (text.trim().toLowerCase(Locale.ROOT)) {
        case "reject":
          return REJECT;
        case "count":
          return COUNT;
        default:
          throw new IllegalArgumentException(
              what + ": expected reject or count, got '" + text + "'");
      }
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Largest record, in bytes of its encoded form (a line without its line break). */
  public abstract long maxRecordBytes();

  /** Deepest nesting of JSON objects and arrays. */
  public abstract int maxNestingDepth();

  /** Longest JSON number literal, in characters. */
  public abstract int maxNumberLength();

  /** Bytes of an oversized record kept in its dead letter (the rest is summarised by a hash). */
  public abstract int keptPayloadBytes();

  /** Earliest accepted event time (inclusive). */
  public abstract Instant minEventTime();

  /** First refused event time (exclusive upper bound). */
  public abstract Instant maxEventTime();

  /** What to do with a JSON object that names the same key twice. */
  public abstract Rule duplicateKeys();

  /** What to do with a field the contract does not declare. */
  public abstract Rule unknownFields();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setMaxRecordBytes(long v);

    abstract Builder setMaxNestingDepth(int v);

    abstract Builder setMaxNumberLength(int v);

    abstract Builder setKeptPayloadBytes(int v);

    abstract Builder setMinEventTime(Instant v);

    abstract Builder setMaxEventTime(Instant v);

    abstract Builder setDuplicateKeys(Rule v);

    abstract Builder setUnknownFields(Rule v);

    abstract RecordLimits build();
  }

  /**
   * The defaults: 1 MiB records, nesting 64, numbers of 100 characters, event times in years
   * 0001-9999, duplicate keys rejected, unknown fields accepted and counted.
   */
  public static RecordLimits defaults() {
    return new AutoValue_RecordLimits.Builder()
        .setMaxRecordBytes(DEFAULT_MAX_RECORD_BYTES)
        .setMaxNestingDepth(DEFAULT_MAX_NESTING_DEPTH)
        .setMaxNumberLength(DEFAULT_MAX_NUMBER_LENGTH)
        .setKeptPayloadBytes(DEFAULT_KEPT_PAYLOAD_BYTES)
        .setMinEventTime(DEFAULT_MIN_EVENT_TIME)
        .setMaxEventTime(DEFAULT_MAX_EVENT_TIME)
        .setDuplicateKeys(Rule.REJECT)
        .setUnknownFields(Rule.COUNT)
        .build();
  }

  /** Records larger than {@code bytes} are rejected as {@code too_large}. */
  public RecordLimits withMaxRecordBytes(long bytes) {
    checkArgument(bytes > 0, "RecordLimits.withMaxRecordBytes: must be > 0, got %s", bytes);
    checkArgument(
        bytes <= Integer.MAX_VALUE - 16,
        "RecordLimits.withMaxRecordBytes: must be < 2 GiB, got %s",
        bytes);
    return toBuilder().setMaxRecordBytes(bytes).build();
  }

  /** JSON nested deeper than {@code depth} is rejected as {@code too_deep}. */
  public RecordLimits withMaxNestingDepth(int depth) {
    checkArgument(depth > 0, "RecordLimits.withMaxNestingDepth: must be > 0, got %s", depth);
    return toBuilder().setMaxNestingDepth(depth).build();
  }

  /** JSON numbers longer than {@code chars} are rejected as {@code number_too_long}. */
  public RecordLimits withMaxNumberLength(int chars) {
    checkArgument(chars > 0, "RecordLimits.withMaxNumberLength: must be > 0, got %s", chars);
    return toBuilder().setMaxNumberLength(chars).build();
  }

  /** How many bytes of an oversized record its dead letter keeps. */
  public RecordLimits withKeptPayloadBytes(int bytes) {
    checkArgument(bytes >= 0, "RecordLimits.withKeptPayloadBytes: must be >= 0, got %s", bytes);
    return toBuilder().setKeptPayloadBytes(bytes).build();
  }

  /** Event times outside {@code [min, max)} are rejected as {@code out_of_range}. */
  public RecordLimits withEventTimeRange(Instant min, Instant max) {
    checkArgument(
        min != null && max != null && min.isBefore(max),
        "RecordLimits.withEventTimeRange: expected min < max, got [%s, %s)",
        min,
        max);
    return toBuilder().setMinEventTime(min).setMaxEventTime(max).build();
  }

  /** The rule for an object that repeats a key. */
  public RecordLimits withDuplicateKeys(Rule rule) {
    checkArgument(rule != null, "RecordLimits.withDuplicateKeys: rule must not be null");
    return toBuilder().setDuplicateKeys(rule).build();
  }

  /** The rule for a field the contract does not declare. */
  public RecordLimits withUnknownFields(Rule rule) {
    checkArgument(rule != null, "RecordLimits.withUnknownFields: rule must not be null");
    return toBuilder().setUnknownFields(rule).build();
  }

  /** True when {@code time} lies in [{@link #minEventTime()}, {@link #maxEventTime()}). */
  public boolean acceptsEventTime(Instant time) {
    return !time.isBefore(minEventTime()) && time.isBefore(maxEventTime());
  }
}
