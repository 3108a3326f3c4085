package io.tributary.transforms.quality.constraints;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.quality.metrics.Metric;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * An assertion on one metric value: {@code completeness(email) >= 0.95}, {@code size between 1000
 * and 5000}, {@code uniqueness(event_id) == 1.0}.
 *
 * <p>An undefined metric (e.g. Completeness of an empty window) fails every constraint, as in
 * Deequ, with a message that says why it is undefined. {@code ==} compares exactly: exact metrics
 * are exact (see {@link Metric}), so {@code uniqueness(event_id) == 1.0} means every id is unique.
 *
 * <pre>{@code
 * Constraint c = Constraint.parse("completeness(email) >= 0.95");
 * Constraint s = Constraint.of(Metric.size(), Constraint.Op.BETWEEN, 1000, 5000);
 * }</pre>
 */
public final class Constraint implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Comparison operators. */
  public enum Op {
    EQ("=="),
    NE("!="),
    LT("<"),
    LE("<="),
    GT(">"),
    GE(">="),
    BETWEEN("between");

    private final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }

    /** The operator as written. */
    public String symbol() {
      return symbol;
    }
  }

  private final Metric metric;
  private final @Nullable String key;
  private final Op op;
  private final double bound;
  private final double upper;

  private Constraint(Metric metric, @Nullable String key, Op op, double bound, double upper) {
    this.metric = metric;
    this.key = key;
    this.op = op;
    this.bound = bound;
    this.upper = upper;
  }

  /**
   * {@code metric op bound}; for {@link Op#BETWEEN} use {@link #of(Metric, Op, double, double)}.
   */
  public static Constraint of(Metric metric, Op op, double bound) {
    checkArgument(op != Op.BETWEEN, "Constraint.of(%s): between needs two bounds", metric);
    return create(metric, op, bound, bound);
  }

  /** {@code metric between lower and upper} (inclusive). */
  public static Constraint of(Metric metric, Op op, double lower, double upper) {
    checkArgument(op == Op.BETWEEN, "Constraint.of(%s): two bounds only with between", metric);
    checkArgument(
        lower <= upper, "Constraint.of(%s): between %s and %s is empty", metric, lower, upper);
    return create(metric, op, lower, upper);
  }

  private static Constraint create(Metric metric, Op op, double lower, double upper) {
    checkArgument(metric != null, "Constraint: metric must not be null");
    String key = null;
    if (metric.kind() == Metric.Kind.APPROX_QUANTILES) {
      checkArgument(
          metric.quantiles().size() == 1,
          "Constraint on %s: name exactly one quantile, e.g. approx_quantile(price, 0.5) <= 100",
          metric);
      key = String.valueOf(metric.quantiles().get(0));
    }
    return new Constraint(metric, key, op, lower, upper);
  }

  /**
   * Parses {@code METRIC OP NUMBER} or {@code METRIC between NUMBER and NUMBER}, where METRIC is
   * the text form of {@link Metric#parse}.
   *
   * @throws IllegalArgumentException naming the constraint and what was expected
   */
  public static Constraint parse(String text) {
    String t = text == null ? "" : text.trim();
    try {
      int end = metricEnd(t);
      Metric metric = Metric.parse(t.substring(0, end));
      String rest = t.substring(end).trim();
      String lower = rest.toLowerCase(Locale.ROOT);
      if (lower.startsWith("between ")) {
        String[] parts = rest.substring(8).split("(?i)\\s+and\\s+", -1);
        checkArgument(parts.length == 2, "expected 'between LOW and HIGH'");
        return of(metric, Op.BETWEEN, number(parts[0]), number(parts[1]));
      }
      for (String sym : List.of("==", "!=", "<=", ">=", "<", ">")) {
        if (rest.startsWith(sym)) {
          Op op = null;
          for (Op o : Op.values()) {
            if (o.symbol.equals(sym)) {
              op = o;
            }
          }
          return of(metric, op, number(rest.substring(sym.length())));
        }
      }
      throw new IllegalArgumentException(
          "expected an operator (== != < <= > >=) or 'between LOW and HIGH' after the metric, got '"
              + rest
              + "'");
    } catch (IllegalArgumentException e) {
      String m = e.getMessage();
      throw new IllegalArgumentException(
          m != null && m.startsWith("metric '") ? m : "constraint '" + text + "': " + m, e);
    }
  }

  private static int metricEnd(String t) {
    int open = t.indexOf('(');
    int space = t.indexOf(' ');
    if (open < 0
        || (space >= 0
            && space < open
            && !t.substring(0, space).isBlank()
            && !t.substring(space, open).isBlank())) {
      checkArgument(space > 0, "expected METRIC OP VALUE, e.g. completeness(email) >= 0.95");
      return space; // "size between ..." / "size >= 10"
    }
    int depth = 0;
    boolean quoted = false;
    for (int i = open; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c == '\'') {
        quoted = !quoted;
      } else if (!quoted && c == '(') {
        depth++;
      } else if (!quoted && c == ')' && --depth == 0) {
        return i + 1;
      }
    }
    throw new IllegalArgumentException("missing closing parenthesis");
  }

  private static double number(String s) {
    try {
      return Double.parseDouble(s.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + s.trim() + "' is not a number");
    }
  }

  /** The metric it constrains (as computed: with all its quantiles). */
  public Metric metric() {
    return metric;
  }

  /** The operator. */
  public Op op() {
    return op;
  }

  /** The bound it compares with; for {@link Op#BETWEEN} the lower one. */
  public double bound() {
    return bound;
  }

  /** The upper bound of {@link Op#BETWEEN}; {@link #bound()} for every other operator. */
  public double upperBound() {
    return upper;
  }

  /** The series name of the value it reads. */
  public String metricName() {
    return metric.name(key);
  }

  /** Whether {@code value} satisfies the assertion. */
  public boolean holds(double value) {
    switch (op) {
      case EQ:
        return value == bound;
      case NE:
        return value != bound;
      case LT:
        return value < bound;
      case LE:
        return value <= bound;
      case GT:
        return value > bound;
      case GE:
        return value >= bound;
      default:
        return value >= bound && value <= upper;
    }
  }

  /** The requirement as text, e.g. {@code >= 0.95} or {@code between 1000 and 5000}. */
  public String requirement() {
    return op == Op.BETWEEN
        ? "between " + fmt(bound) + " and " + fmt(upper)
        : op.symbol + " " + fmt(bound);
  }

  static String fmt(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
  }

  @Override
  public String toString() {
    String m =
        metric.kind() == Metric.Kind.SIZE && metric.whereCondition() == null
            ? "size"
            : metric.text();
    if (key != null) {
      m = m.replaceFirst("^approx_quantiles", "approx_quantile");
    }
    return m + " " + requirement();
  }
}
