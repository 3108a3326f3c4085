package io.tributary.transforms.spec;

import io.tributary.transforms.values.Durations;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * Typed reads of a step's configuration {@link Row}, each failure a {@link StepConfigException}
 * that names the key (so the spec checker can point at it).
 *
 * <pre>{@code
 * StepConfig c = StepConfig.of(configRow);
 * String field = c.requiredString("field");
 * Duration ttl = c.duration("ttl", Duration.standardHours(24));
 * }</pre>
 */
public final class StepConfig {
  private final Row row;
  private final String prefix;

  private StepConfig(Row row, String prefix) {
    this.row = row;
    this.prefix = prefix;
  }

  /** Reads {@code row}, a configuration of a provider's {@code configurationSchema()}. */
  public static StepConfig of(Row row) {
    return new StepConfig(row, "");
  }

  /** The row read. */
  public Row row() {
    return row;
  }

  /** The dotted key of {@code field} in the whole configuration, for messages. */
  public String key(String field) {
    return prefix + field;
  }

  /** Whether the configuration sets {@code field}. */
  public boolean has(String field) {
    return row.getSchema().hasField(field) && row.getValue(field) != null;
  }

  /** A string, or null when not set. */
  public @Nullable String string(String field) {
    Object v = has(field) ? row.getValue(field) : null;
    return v == null ? null : v.toString();
  }

  /** A string, {@code fallback} when not set. */
  public String string(String field, String fallback) {
    String v = string(field);
    return v == null ? fallback : v;
  }

  /** A string that must be set. */
  public String requiredString(String field) {
    String v = string(field);
    if (v == null || v.isEmpty()) {
      throw new StepConfigException(key(field), "'" + key(field) + "' is required");
    }
    return v;
  }

  /** A whole number, {@code fallback} when not set. */
  public long longValue(String field, long fallback) {
    if (!has(field)) {
      return fallback;
    }
    return ((Number) row.getValue(field)).longValue();
  }

  /** A boolean, {@code fallback} when not set. */
  public boolean bool(String field, boolean fallback) {
    Boolean v = has(field) ? row.getBoolean(field) : null;
    return v == null ? fallback : v;
  }

  /**
   * A duration written like {@code 30s}, {@code 15m}, {@code 1h}, {@code 2d}; fallback if unset.
   */
  public @Nullable Duration duration(String field, @Nullable Duration fallback) {
    String v = string(field);
    if (v == null) {
      return fallback;
    }
    try {
      return Durations.parse(v, key(field));
    } catch (IllegalArgumentException e) {
      throw new StepConfigException(key(field), e.getMessage());
    }
  }

  /** A list of strings; empty when not set. */
  public List<String> strings(String field) {
    List<String> out = new ArrayList<>();
    if (has(field)) {
      Collection<?> values = row.getArray(field);
      for (Object o : values) {
        out.add(String.valueOf(o));
      }
    }
    return out;
  }

  /** A map of string to string, in the order written; empty when not set. */
  public Map<String, String> stringMap(String field) {
    Map<String, String> out = new LinkedHashMap<>();
    if (has(field)) {
      Map<?, ?> map = row.getMap(field);
      map.forEach((k, v) -> out.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
    }
    return out;
  }

  /** A list of nested configurations (each a row), keys prefixed {@code field.i.}. */
  public List<StepConfig> list(String field) {
    List<StepConfig> out = new ArrayList<>();
    if (has(field)) {
      int i = 0;
      for (Object o : row.getArray(field)) {
        out.add(new StepConfig((Row) o, key(field) + "." + i + "."));
        i++;
      }
    }
    return out;
  }

  /** A nested configuration, or null when not set; keys prefixed {@code field.}. */
  public @Nullable StepConfig nested(String field) {
    return has(field) ? new StepConfig(row.getRow(field), key(field) + ".") : null;
  }

  /** A failure of {@code field}'s value, naming it. */
  public StepConfigException error(String field, String message) {
    return new StepConfigException(key(field), message);
  }
}
