package io.tributary.transforms.quality.report;

import io.tributary.transforms.quality.constraints.Check;
import io.tributary.transforms.quality.constraints.Constraint;
import io.tributary.transforms.quality.metrics.Metric;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.ReadableInstant;

/**
 * One check's outcome over a run's windows, as the quality report shows it: its status in Deequ's
 * vocabulary ({@code Success}, or the check's level, {@code Warning} or {@code Error}, when a
 * constraint failed in any window), its pass rate (windows where every constraint held / all
 * windows), how many rows the failures stand for where the metric says so, and its verification
 * records worst first.
 *
 * <p>Rows failing are known for the metrics that are a share of rows (Completeness, Compliance,
 * PatternMatch) in a window whose Size (with the same {@code where}) is known: {@code (1 - value) x
 * size}. A window where two constraints failed counts the larger of the two (the same row may fail
 * both), so the total is then a lower bound, as it is when some failing windows have no count.
 *
 * <pre>{@code
 * for (CheckOutcome c : CheckOutcome.of(verificationRecords, metricRecords)) {
 *   System.out.println(c.name() + " " + c.status() + " " + c.passedWindows() + "/" + c.windows());
 * }
 * }</pre>
 */
public final class CheckOutcome {
  /** Every constraint held in every window. */
  public static final String SUCCESS = "Success";

  /** A constraint of a {@code warn} check failed. */
  public static final String WARNING = "Warning";

  /** A constraint of an {@code error} check failed. */
  public static final String ERROR = "Error";

  private final String name;
  private final String level;
  private final String status;
  private final int windows;
  private final int passedWindows;
  private final @Nullable Long failingRows;
  private final boolean failingRowsExact;
  private final List<String> constraints;
  private final List<Row> results;
  private final Map<Row, Long> rowsByResult;

  private CheckOutcome(
      String name,
      String level,
      String status,
      int windows,
      int passedWindows,
      @Nullable Long failingRows,
      boolean failingRowsExact,
      List<String> constraints,
      List<Row> results,
      Map<Row, Long> rowsByResult) {
    this.name = name;
    this.level = level;
    this.status = status;
    this.windows = windows;
    this.passedWindows = passedWindows;
    this.failingRows = failingRows;
    this.failingRowsExact = failingRowsExact;
    this.constraints = List.copyOf(constraints);
    this.results = List.copyOf(results);
    this.rowsByResult = rowsByResult;
  }

  /**
   * The checks of {@code verification} (records of {@code QualitySchemas.VERIFICATION}), worst
   * first: {@code Error} before {@code Warning} before {@code Success}, then by pass rate. {@code
   * metrics} (this run's {@code QualitySchemas.METRIC} records, may be empty) give the row counts.
   */
  public static List<CheckOutcome> of(List<Row> verification, List<Row> metrics) {
    Map<String, Double> values = new HashMap<>();
    for (Row m : metrics) {
      if (m.getDouble("value") != null) {
        values.put(key(m.getString("name"), m), m.getDouble("value"));
      }
    }
    Map<String, List<Row>> byCheck = new LinkedHashMap<>();
    for (Row v : verification) {
      byCheck.computeIfAbsent(v.getString("check"), c -> new ArrayList<>()).add(v);
    }
    List<CheckOutcome> out = new ArrayList<>();
    for (Map.Entry<String, List<Row>> e : byCheck.entrySet()) {
      out.add(outcome(e.getKey(), e.getValue(), values));
    }
    out.sort(
        Comparator.comparingInt((CheckOutcome c) -> rank(c.status()))
            .thenComparingDouble(CheckOutcome::passRate)
            .thenComparing(CheckOutcome::name));
    return out;
  }

  private static CheckOutcome outcome(String check, List<Row> rows, Map<String, Double> values) {
    String level = rows.get(0).getString("level");
    Map<String, List<Row>> byWindow = new LinkedHashMap<>();
    Set<String> constraints = new LinkedHashSet<>();
    Map<Row, Long> rowsByResult = new HashMap<>();
    for (Row v : rows) {
      byWindow.computeIfAbsent(window(v), w -> new ArrayList<>()).add(v);
      constraints.add(v.getString("constraint"));
      Long n = rowsFailing(v, values);
      if (n != null) {
        rowsByResult.put(v, n);
      }
    }
    int passed = 0;
    long failing = 0;
    boolean exact = true;
    boolean anyKnown = false;
    for (List<Row> window : byWindow.values()) {
      List<Row> failed = new ArrayList<>();
      for (Row v : window) {
        if (failed(v)) {
          failed.add(v);
        }
      }
      if (failed.isEmpty()) {
        passed++;
        continue;
      }
      long most = -1;
      for (Row v : failed) {
        Long n = rowsByResult.get(v);
        if (n == null) {
          exact = false;
        } else {
          most = Math.max(most, n);
        }
      }
      if (failed.size() > 1) {
        exact = false; // the same row may fail both constraints: the larger count is a lower bound
      }
      if (most >= 0) {
        failing += most;
        anyKnown = true;
      }
    }
    boolean allPassed = passed == byWindow.size();
    // The check's level decides, as in Deequ; records of one check share it, but should they not,
    // a failed error-level record is an Error.
    boolean errorFailed =
        rows.stream().anyMatch(v -> failed(v) && "error".equals(v.getString("level")));
    String status = allPassed ? SUCCESS : errorFailed ? ERROR : WARNING;
    List<Row> sorted = new ArrayList<>(rows);
    sorted.sort(
        Comparator.comparingInt((Row v) -> failed(v) ? 0 : 1)
            .thenComparing(
                Comparator.comparingDouble((Row v) -> failed(v) ? shortfall(v) : 0).reversed())
            .thenComparing(QualityReport::window)
            .thenComparing(v -> v.getString("constraint")));
    return new CheckOutcome(
        check,
        level,
        status,
        byWindow.size(),
        passed,
        allPassed ? Long.valueOf(0) : anyKnown ? Long.valueOf(failing) : null,
        allPassed || exact,
        new ArrayList<>(constraints),
        sorted,
        rowsByResult);
  }

  static int rank(String status) {
    return ERROR.equals(status) ? 0 : WARNING.equals(status) ? 1 : 2;
  }

  static boolean failed(Row v) {
    return Check.FAILURE.equals(v.getString("status"));
  }

  /** A window of a run: the run id and the window's start ("" in the global window). */
  private static String window(Row r) {
    ReadableInstant start = r.getDateTime("window_start");
    return r.getString("run_id") + "|" + (start == null ? "" : String.valueOf(start.getMillis()));
  }

  private static String key(String metricName, Row r) {
    return metricName + "@" + window(r);
  }

  /** The constraint of a verification record, or null if its text does not parse. */
  static @Nullable Constraint constraint(Row v) {
    try {
      return Constraint.parse(v.getString("constraint"));
    } catch (IllegalArgumentException e) {
      return null; // a record written by another version: shown without threshold or row count
    }
  }

  /** Rows behind a failed share-of-rows constraint: (1 - value) x size, or null when unknown. */
  static @Nullable Long rowsFailing(Row v, Map<String, Double> values) {
    Double actual = v.getDouble("actual");
    Constraint c = constraint(v);
    if (actual == null || c == null || !failed(v)) {
      return null;
    }
    Metric m = c.metric();
    if (m.kind() != Metric.Kind.COMPLETENESS
        && m.kind() != Metric.Kind.COMPLIANCE
        && m.kind() != Metric.Kind.PATTERN_MATCH) {
      return null;
    }
    Metric size =
        m.whereCondition() == null ? Metric.size() : Metric.size().where(m.whereCondition());
    Double n = values.get(key(size.name(), v));
    return n == null ? null : Math.round((1 - actual) * n);
  }

  /**
   * How far a failed record's actual value is from its requirement, relative to the bound: the
   * order of "worst first". An undefined value is the worst.
   */
  static double shortfall(Row v) {
    Double actual = v.getDouble("actual");
    if (actual == null) {
      return Double.POSITIVE_INFINITY;
    }
    Constraint c = constraint(v);
    if (c == null) {
      return 0;
    }
    double b = c.bound();
    double d;
    switch (c.op()) {
      case GE:
      case GT:
        d = b - actual;
        break;
      case LE:
      case LT:
        d = actual - b;
        break;
      case BETWEEN:
        d = Math.max(b - actual, actual - c.upperBound());
        break;
      default:
        d = Math.abs(actual - b);
    }
    return Math.max(0, d) / (b == 0 ? 1 : Math.abs(b));
  }

  /** The check's name. */
  public String name() {
    return name;
  }

  /** Its level as in the records: {@code error} or {@code warning}. */
  public String level() {
    return level;
  }

  /** {@link #SUCCESS}, {@link #WARNING} or {@link #ERROR}. */
  public String status() {
    return status;
  }

  /** Windows the check was evaluated in. */
  public int windows() {
    return windows;
  }

  /** Windows in which every constraint of the check held. */
  public int passedWindows() {
    return passedWindows;
  }

  /** Windows in which a constraint failed. */
  public int failedWindows() {
    return windows - passedWindows;
  }

  /** {@code passedWindows / windows}, in [0, 1]. */
  public double passRate() {
    return windows == 0 ? 1 : passedWindows / (double) windows;
  }

  /** Rows behind the failures (see class doc), or null when no failed metric counts rows. */
  public @Nullable Long failingRows() {
    return failingRows;
  }

  /** Whether {@link #failingRows()} is exact rather than a lower bound. */
  public boolean failingRowsExact() {
    return failingRowsExact;
  }

  /** The constraints, as written, in the order first seen. */
  public List<String> constraints() {
    return constraints;
  }

  /** The verification records, failures first (worst first), then the passes by window. */
  public List<Row> results() {
    return results;
  }

  /** Rows behind one failed record of {@link #results()}, or null when unknown. */
  public @Nullable Long rowsFailing(Row result) {
    return rowsByResult.get(result);
  }
}
