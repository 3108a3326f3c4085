package io.tributary.transforms.quality.report;

import io.tributary.transforms.quality.metrics.Metric;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What a metric's values are, for a plot's axis: its unit label and the range its values can take
 * (a share of rows lies in [0, 1], a count is never negative), so an axis is never padded to a
 * value the metric cannot have.
 */
enum MetricUnit {
  SHARE_OF_ROWS("% of rows", 0, 1, true, false),
  SHARE_OF_VALUES("% of non-null values", 0, 1, true, false),
  SHARE_OF_DISTINCT("% of distinct values", 0, 1, true, false),
  ROWS("rows", 0, Double.POSITIVE_INFINITY, false, true),
  DISTINCT_VALUES("distinct values", 0, Double.POSITIVE_INFINITY, false, true),
  CHARACTERS("characters", 0, Double.POSITIVE_INFINITY, false, true),
  NATS("entropy (nats)", 0, Double.POSITIVE_INFINITY, false, false),
  CORRELATION("Pearson r", -1, 1, false, false),
  SPREAD("column units", 0, Double.POSITIVE_INFINITY, false, false),
  VALUE("column units", Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, false, false);

  private final String label;
  private final double min;
  private final double max;
  private final boolean percent;
  private final boolean integer;

  MetricUnit(String label, double min, double max, boolean percent, boolean integer) {
    this.label = label;
    this.min = min;
    this.max = max;
    this.percent = percent;
    this.integer = integer;
  }

  /** The unit of {@code kind}'s values; {@link #VALUE} when the kind is unknown. */
  static MetricUnit of(Metric.@Nullable Kind kind) {
    if (kind == null) {
      return VALUE;
    }
    switch (kind) {
      case SIZE:
        return ROWS;
      case COMPLETENESS:
      case COMPLIANCE:
      case PATTERN_MATCH:
        return SHARE_OF_ROWS;
      case UNIQUENESS:
      case DISTINCTNESS:
        return SHARE_OF_VALUES;
      case UNIQUE_VALUE_RATIO:
        return SHARE_OF_DISTINCT;
      case COUNT_DISTINCT:
      case APPROX_COUNT_DISTINCT:
        return DISTINCT_VALUES;
      case MIN_LENGTH:
      case MAX_LENGTH:
        return CHARACTERS;
      case ENTROPY:
        return NATS;
      case CORRELATION:
        return CORRELATION;
      case STANDARD_DEVIATION:
        return SPREAD;
      default:
        return VALUE;
    }
  }

  /** The kind whose Deequ name is {@code deequName} (a metric record's {@code metric}), or null. */
  static Metric.@Nullable Kind kind(@Nullable String deequName) {
    for (Metric.Kind k : Metric.Kind.values()) {
      if (k.deequName().equals(deequName)) {
        return k;
      }
    }
    return null;
  }

  /** The axis label, e.g. {@code % of rows}. */
  String label() {
    return label;
  }

  /** The smallest value the metric can take. */
  double min() {
    return min;
  }

  /** The largest value the metric can take. */
  double max() {
    return max;
  }

  /** Whether values are shares, shown as percentages. */
  boolean percent() {
    return percent;
  }

  /** Whether values are whole numbers (counts). */
  boolean integer() {
    return integer;
  }
}
