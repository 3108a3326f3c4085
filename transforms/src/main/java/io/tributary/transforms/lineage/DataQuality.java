package io.tributary.transforms.lineage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.ReadableInstant;

/**
 * What a quality stage measured and asserted about an input dataset, as OpenLineage's {@code
 * dataQualityMetrics} (row count, per-column null and distinct counts, min, max, sum, count,
 * quantiles) and {@code dataQualityAssertions} (assertion, success, column) input facets.
 *
 * <p>{@link #fromQuality} folds the quality stage's per-window metric and verification records
 * (schemas {@code QualitySchemas.METRIC} and {@code VERIFICATION}) into numbers for the whole run:
 * counts and sums add up over windows, min and max take the extremes, and what cannot be combined
 * across windows (distinct counts, quantiles) is reported only when the run had one window. An
 * assertion succeeds when it held in every window.
 *
 * <pre>{@code
 * DataQuality q = DataQuality.fromQuality(metricRows, verificationRows);
 * LineageDataset input = LineageDataset.file("/data/in/events.jsonl").withQuality(q);
 * }</pre>
 */
public final class DataQuality {
  /** Per-column metrics; absent values are null. */
  public static final class ColumnMetrics {
    @Nullable Long nullCount;
    @Nullable Long distinctCount;
    @Nullable Double sum;
    @Nullable Double count;
    @Nullable Double min;
    @Nullable Double max;
    final Map<String, Double> quantiles = new TreeMap<>();

    /** Null values in the column. */
    public @Nullable Long nullCount() {
      return nullCount;
    }

    /** Distinct values in the column. */
    public @Nullable Long distinctCount() {
      return distinctCount;
    }

    /** Sum of the column's values. */
    public @Nullable Double sum() {
      return sum;
    }

    /** Non-null values in the column. */
    public @Nullable Double count() {
      return count;
    }

    /** Smallest value. */
    public @Nullable Double min() {
      return min;
    }

    /** Largest value. */
    public @Nullable Double max() {
      return max;
    }

    /** Quantile (as text, e.g. {@code 0.5}) to value. */
    public Map<String, Double> quantiles() {
      return Collections.unmodifiableMap(quantiles);
    }
  }

  /** One assertion and whether it held. */
  public static final class Assertion {
    private final String assertion;
    private final boolean success;
    private final @Nullable String column;

    Assertion(String assertion, boolean success, @Nullable String column) {
      this.assertion = assertion;
      this.success = success;
      this.column = column;
    }

    /** The assertion as written in the checks file, e.g. {@code completeness(email) >= 0.95}. */
    public String assertion() {
      return assertion;
    }

    /** Whether it held. */
    public boolean success() {
      return success;
    }

    /** The column it tests, or null for the whole dataset. */
    public @Nullable String column() {
      return column;
    }
  }

  private static final Pattern ONE_COLUMN =
      Pattern.compile("^[A-Za-z_]+\\(([A-Za-z_][A-Za-z0-9_.]*)(?:\\)|, ).*");

  private final @Nullable Long rowCount;
  private final Map<String, ColumnMetrics> columns;
  private final List<Assertion> assertions;

  private DataQuality(
      @Nullable Long rowCount, Map<String, ColumnMetrics> columns, List<Assertion> assertions) {
    this.rowCount = rowCount;
    this.columns = columns;
    this.assertions = assertions;
  }

  /**
   * Folds per-window quality records into run totals. Metrics with a {@code where} filter describe
   * a subset of rows and are left out; undefined values (null) are skipped.
   */
  public static DataQuality fromQuality(List<Row> metrics, List<Row> verification) {
    Map<String, Double> sizeByWindow = new TreeMap<>();
    for (Row m : metrics) {
      if ("Size".equals(m.getString("metric"))
          && m.getString("where") == null
          && m.getDouble("value") != null) {
        sizeByWindow.merge(window(m), m.getDouble("value"), Double::sum);
      }
    }
    boolean oneWindow = sizeByWindow.size() <= 1;
    Long rowCount =
        sizeByWindow.isEmpty()
            ? null
            : Math.round(sizeByWindow.values().stream().mapToDouble(Double::doubleValue).sum());
    Map<String, ColumnMetrics> columns = new TreeMap<>();
    for (Row m : metrics) {
      Double v = m.getDouble("value");
      String instance = m.getString("instance");
      if (v == null
          || m.getString("where") != null
          || instance == null
          || !instance.matches("[A-Za-z_][A-Za-z0-9_.]*")) {
        continue;
      }
      ColumnMetrics c = columns.computeIfAbsent(instance, k -> new ColumnMetrics());
      Double size = sizeByWindow.get(window(m));
      switch (m.getString("metric")) {
        case "Completeness":
          if (size != null) {
            long nulls = Math.round((1.0 - v) * size);
            c.nullCount = (c.nullCount == null ? 0 : c.nullCount) + nulls;
            c.count = (c.count == null ? 0 : c.count) + (size - nulls);
          }
          break;
        case "CountDistinct":
        case "ApproxCountDistinct":
          if (oneWindow) {
            c.distinctCount = Math.round(v);
          }
          break;
        case "Minimum":
          c.min = c.min == null ? v : Math.min(c.min, v);
          break;
        case "Maximum":
          c.max = c.max == null ? v : Math.max(c.max, v);
          break;
        case "Sum":
          c.sum = (c.sum == null ? 0 : c.sum) + v;
          break;
        case "ApproxQuantiles":
          if (oneWindow && m.getString("key") != null) {
            c.quantiles.put(m.getString("key"), v);
          }
          break;
        default:
          break;
      }
    }
    columns
        .values()
        .removeIf(
            c ->
                c.nullCount == null
                    && c.distinctCount == null
                    && c.sum == null
                    && c.count == null
                    && c.min == null
                    && c.max == null
                    && c.quantiles.isEmpty());
    Map<String, Boolean> held = new LinkedHashMap<>();
    Map<String, String> columnOf = new LinkedHashMap<>();
    for (Row r : verification) {
      String constraint = r.getString("constraint");
      held.merge(constraint, "Success".equals(r.getString("status")), Boolean::logicalAnd);
      Matcher col = ONE_COLUMN.matcher(r.getString("metric") == null ? "" : r.getString("metric"));
      Matcher fromText = ONE_COLUMN.matcher(constraint);
      columnOf.put(
          constraint, col.matches() ? col.group(1) : fromText.matches() ? fromText.group(1) : null);
    }
    List<Assertion> assertions = new ArrayList<>();
    held.forEach((a, ok) -> assertions.add(new Assertion(a, ok, columnOf.get(a))));
    return new DataQuality(rowCount, columns, assertions);
  }

  /** Explicit values, for sources that compute their own. */
  public static DataQuality of(
      @Nullable Long rowCount, Map<String, ColumnMetrics> columns, List<Assertion> assertions) {
    return new DataQuality(rowCount, new TreeMap<>(columns), new ArrayList<>(assertions));
  }

  /** Metrics of one column, for {@link #of}. */
  public static ColumnMetrics column(
      @Nullable Long nullCount,
      @Nullable Long distinctCount,
      @Nullable Double min,
      @Nullable Double max) {
    ColumnMetrics c = new ColumnMetrics();
    c.nullCount = nullCount;
    c.distinctCount = distinctCount;
    c.min = min;
    c.max = max;
    return c;
  }

  /** One assertion, for {@link #of}. */
  public static Assertion assertion(String assertion, boolean success, @Nullable String column) {
    return new Assertion(assertion, success, column);
  }

  private static String window(Row m) {
    ReadableInstant start = m.getDateTime("window_start");
    return start == null ? "" : String.valueOf(start.getMillis());
  }

  /** Rows evaluated, or null when no size was measured. */
  public @Nullable Long rowCount() {
    return rowCount;
  }

  /** Column name to its metrics. */
  public Map<String, ColumnMetrics> columns() {
    return Collections.unmodifiableMap(columns);
  }

  /** Assertions in the order the checks file lists them. */
  public List<Assertion> assertions() {
    return Collections.unmodifiableList(assertions);
  }
}
