package io.tributary.transforms.quality.metrics;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.quality.Condition;
import io.tributary.transforms.quality.Values;
import io.tributary.transforms.values.FieldPath;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.beam.sdk.schemas.Schema;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One dataset metric with Deequ's definition, over a column (or two, or none), with an optional
 * {@code where} filter: only rows satisfying it are considered at all.
 *
 * <p>Definitions ({@code n} = rows that pass {@code where}; "values" = the column's non-null values
 * among them; "undefined" is a metric value of {@code null} with a reason, written as {@code
 * "value":null,"undefined_reason":"..."}, where Deequ reports a failed metric):
 *
 * <table>
 * <caption>Metrics</caption>
 * <tr><th>metric</th><th>value</th><th>when undefined</th></tr>
 * <tr><td>Size</td><td>n</td><td>never (empty input: 0)</td></tr>
 * <tr><td>Completeness</td><td>non-null values / n</td><td>n = 0</td></tr>
 * <tr><td>Uniqueness</td><td>values occurring exactly once / number of non-null values</td><td>no values</td></tr>
 * <tr><td>Distinctness</td><td>distinct values / number of non-null values</td><td>no values</td></tr>
 * <tr><td>UniqueValueRatio</td><td>values occurring exactly once / distinct values</td><td>no values</td></tr>
 * <tr><td>CountDistinct</td><td>distinct values (exact)</td><td>never (0)</td></tr>
 * <tr><td>ApproxCountDistinct</td><td>HLL estimate (datasketches, lgK 12, ~1.6% RSE)</td><td>never (0)</td></tr>
 * <tr><td>Compliance</td><td>rows satisfying the predicate / n (a null field fails it)</td><td>n = 0</td></tr>
 * <tr><td>PatternMatch</td><td>rows whose value contains a match of the regex / n (null: no match;
 *     Deequ's {@code regexp_extract} semantics, anchor with ^$ for whole values)</td><td>n = 0</td></tr>
 * <tr><td>Minimum, Maximum, Mean, Sum</td><td>over the values, exact decimals</td><td>no values</td></tr>
 * <tr><td>StandardDeviation</td><td>population: sqrt(sum((x - mean)^2) / count)</td><td>no values</td></tr>
 * <tr><td>ApproxQuantiles</td><td>KLL sketch (k 200), one value per quantile q: the smallest value
 *     whose rank is at least q; exact while a window has at most 200 values</td><td>no values</td></tr>
 * <tr><td>Entropy</td><td>-sum(c/N ln(c/N)) over value counts c, N = non-null values</td><td>no values</td></tr>
 * <tr><td>Correlation</td><td>Pearson over rows where both columns are non-null</td><td>no pairs, or a
 *     column with zero variance</td></tr>
 * <tr><td>MinLength, MaxLength</td><td>string length in characters (code points)</td><td>no values</td></tr>
 * </table>
 *
 * <p>Text form (the checks file and constraint syntax): {@code completeness(email)}, {@code
 * size()}, {@code mean(price where event_type == 'purchase')}, {@code compliance(price > 0)},
 * {@code pattern_match(email, '^[^@]+@example\.com$')}, {@code approx_quantiles(price, 0.5, 0.9)},
 * {@code correlation(a, b)}.
 *
 * <pre>{@code
 * Metric m = Metric.completeness("email").where("event_type == 'purchase'");
 * Metric q = Metric.parse("approx_quantiles(price, 0.5, 0.9)");
 * }</pre>
 */
public final class Metric implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The metric kinds, with Deequ's names. */
  public enum Kind {
    SIZE("Size"),
    COMPLETENESS("Completeness"),
    UNIQUENESS("Uniqueness"),
    DISTINCTNESS("Distinctness"),
    UNIQUE_VALUE_RATIO("UniqueValueRatio"),
    COUNT_DISTINCT("CountDistinct"),
    APPROX_COUNT_DISTINCT("ApproxCountDistinct"),
    COMPLIANCE("Compliance"),
    PATTERN_MATCH("PatternMatch"),
    MINIMUM("Minimum"),
    MAXIMUM("Maximum"),
    MEAN("Mean"),
    SUM("Sum"),
    STANDARD_DEVIATION("StandardDeviation"),
    APPROX_QUANTILES("ApproxQuantiles"),
    ENTROPY("Entropy"),
    CORRELATION("Correlation"),
    MIN_LENGTH("MinLength"),
    MAX_LENGTH("MaxLength");

    private final String deequName;

    Kind(String deequName) {
      this.deequName = deequName;
    }

    /** Deequ's name, e.g. {@code UniqueValueRatio}. */
    public String deequName() {
      return deequName;
    }

    /** The snake_case name of the text form, e.g. {@code unique_value_ratio}. */
    public String textName() {
      return name().toLowerCase(Locale.ROOT);
    }

    boolean frequencyBased() {
      return this == UNIQUENESS
          || this == DISTINCTNESS
          || this == UNIQUE_VALUE_RATIO
          || this == COUNT_DISTINCT
          || this == ENTROPY;
    }
  }

  private final Kind kind;
  private final List<String> columns;
  private final @Nullable Condition where;
  private final @Nullable Condition predicate;
  private final @Nullable String pattern;
  private final List<Double> quantiles;
  private transient @Nullable List<FieldPath> paths;
  private transient @Nullable Pattern compiled;

  private Metric(
      Kind kind,
      List<String> columns,
      @Nullable Condition where,
      @Nullable Condition predicate,
      @Nullable String pattern,
      List<Double> quantiles) {
    this.kind = kind;
    this.columns = List.copyOf(columns);
    this.where = where;
    this.predicate = predicate;
    this.pattern = pattern;
    this.quantiles = List.copyOf(quantiles);
  }

  private static Metric of(Kind kind, String... columns) {
    for (String c : columns) {
      checkArgument(
          c != null && !c.isBlank(), "Metric %s: column must not be empty", kind.deequName());
      FieldPath.of(c);
    }
    return new Metric(kind, List.of(columns), null, null, null, List.of());
  }

  /** Number of rows. */
  public static Metric size() {
    return of(Kind.SIZE);
  }

  /** Fraction of rows where {@code column} is non-null. */
  public static Metric completeness(String column) {
    return of(Kind.COMPLETENESS, column);
  }

  /** Fraction of non-null values that occur exactly once. */
  public static Metric uniqueness(String column) {
    return of(Kind.UNIQUENESS, column);
  }

  /** Distinct values / non-null values. */
  public static Metric distinctness(String column) {
    return of(Kind.DISTINCTNESS, column);
  }

  /** Values occurring exactly once / distinct values. */
  public static Metric uniqueValueRatio(String column) {
    return of(Kind.UNIQUE_VALUE_RATIO, column);
  }

  /** Exact number of distinct non-null values. */
  public static Metric countDistinct(String column) {
    return of(Kind.COUNT_DISTINCT, column);
  }

  /** HyperLogLog estimate of the number of distinct non-null values. */
  public static Metric approxCountDistinct(String column) {
    return of(Kind.APPROX_COUNT_DISTINCT, column);
  }

  /** Fraction of rows satisfying {@code predicate}. */
  public static Metric compliance(Condition predicate) {
    checkArgument(predicate != null, "Metric Compliance: predicate must not be null");
    return new Metric(Kind.COMPLIANCE, List.of(), null, predicate, null, List.of());
  }

  /** Fraction of rows whose {@code column} contains a match of {@code regex}. */
  public static Metric patternMatch(String column, String regex) {
    checkArgument(
        regex != null && !regex.isEmpty(),
        "Metric PatternMatch(%s): regex must not be empty",
        column);
    try {
      Pattern.compile(regex);
    } catch (java.util.regex.PatternSyntaxException e) {
      throw new IllegalArgumentException(
          "Metric PatternMatch("
              + column
              + "): regex '"
              + regex
              + "' does not compile: "
              + e.getDescription());
    }
    Metric m = of(Kind.PATTERN_MATCH, column);
    return new Metric(m.kind, m.columns, null, null, regex, List.of());
  }

  /** Smallest value. */
  public static Metric minimum(String column) {
    return of(Kind.MINIMUM, column);
  }

  /** Largest value. */
  public static Metric maximum(String column) {
    return of(Kind.MAXIMUM, column);
  }

  /** Arithmetic mean. */
  public static Metric mean(String column) {
    return of(Kind.MEAN, column);
  }

  /** Sum. */
  public static Metric sum(String column) {
    return of(Kind.SUM, column);
  }

  /** Population standard deviation. */
  public static Metric standardDeviation(String column) {
    return of(Kind.STANDARD_DEVIATION, column);
  }

  /** Approximate quantiles, each in [0, 1]. */
  public static Metric approxQuantiles(String column, List<Double> quantiles) {
    checkArgument(
        quantiles != null && !quantiles.isEmpty(),
        "Metric ApproxQuantiles(%s): give at least one quantile",
        column);
    for (Double q : quantiles) {
      checkArgument(
          q != null && q >= 0 && q <= 1,
          "Metric ApproxQuantiles(%s): quantiles must be in [0, 1], got %s",
          column,
          q);
    }
    Metric m = of(Kind.APPROX_QUANTILES, column);
    return new Metric(
        m.kind,
        m.columns,
        null,
        null,
        null,
        quantiles.stream().sorted().distinct().collect(Collectors.toList()));
  }

  /** Entropy of the value distribution, natural log. */
  public static Metric entropy(String column) {
    return of(Kind.ENTROPY, column);
  }

  /** Pearson correlation of two numeric columns. */
  public static Metric correlation(String first, String second) {
    return of(Kind.CORRELATION, first, second);
  }

  /** Shortest string length. */
  public static Metric minLength(String column) {
    return of(Kind.MIN_LENGTH, column);
  }

  /** Longest string length. */
  public static Metric maxLength(String column) {
    return of(Kind.MAX_LENGTH, column);
  }

  /** The same metric over only the rows satisfying {@code condition}. */
  public Metric where(Condition condition) {
    return new Metric(kind, columns, condition, predicate, pattern, quantiles);
  }

  /**
   * The same metric over only the rows satisfying {@code condition} (text, see {@link Condition}).
   */
  public Metric where(String condition) {
    return where(Condition.parse(condition));
  }

  /** The kind. */
  public Kind kind() {
    return kind;
  }

  /** The columns, empty for Size and Compliance. */
  public List<String> columns() {
    return columns;
  }

  /** The where filter, or null. */
  public @Nullable Condition whereCondition() {
    return where;
  }

  /** The Compliance predicate, or null. */
  public @Nullable Condition predicate() {
    return predicate;
  }

  /** The PatternMatch regex, or null. */
  public @Nullable String pattern() {
    return pattern;
  }

  /** The quantiles of ApproxQuantiles, else empty. */
  public List<Double> quantiles() {
    return quantiles;
  }

  /** What the metric is computed on: the column(s), the predicate, or {@code *}. */
  public String instance() {
    if (kind == Kind.COMPLIANCE) {
      return String.valueOf(predicate);
    }
    if (kind == Kind.PATTERN_MATCH) {
      return columns.get(0) + ", '" + pattern + "'";
    }
    return columns.isEmpty() ? "*" : String.join(",", columns);
  }

  /**
   * The series name that identifies this metric in records, constraints and history, e.g. {@code
   * Completeness(email)} or {@code Mean(price) where event_type == 'purchase'}.
   */
  public String name() {
    return kind.deequName() + "(" + instance() + ")" + (where == null ? "" : " where " + where);
  }

  /**
   * The series name of one quantile of ApproxQuantiles, e.g. {@code ApproxQuantiles(price)[0.5]}.
   */
  public String name(@Nullable String key) {
    return key == null
        ? name()
        : kind.deequName()
            + "("
            + instance()
            + ")["
            + key
            + "]"
            + (where == null ? "" : " where " + where);
  }

  /** The text form, which {@link #parse} reads back. */
  public String text() {
    StringBuilder b = new StringBuilder(kind.textName()).append('(');
    if (kind == Kind.COMPLIANCE) {
      b.append(predicate);
    } else if (kind == Kind.PATTERN_MATCH) {
      b.append(columns.get(0)).append(", '").append(pattern.replace("'", "''")).append('\'');
    } else {
      b.append(String.join(", ", columns));
      for (Double q : quantiles) {
        b.append(", ").append(q);
      }
    }
    if (where != null) {
      b.append(" where ").append(where);
    }
    return b.append(')').toString();
  }

  /** Checks the columns exist with types the metric can read; at construction. */
  public void checkIn(Schema schema) {
    String what = "metric " + name();
    try {
      if (where != null) {
        where.checkIn(schema);
      }
      if (predicate != null) {
        predicate.checkIn(schema);
      }
      for (String c : columns) {
        Schema.FieldType type = FieldPath.of(c).checkIn(schema);
        switch (kind) {
          case MINIMUM:
          case MAXIMUM:
          case MEAN:
          case SUM:
          case STANDARD_DEVIATION:
          case APPROX_QUANTILES:
          case CORRELATION:
            checkArgument(
                Values.isNumeric(type),
                "field '%s' is %s; expected a numeric field",
                c,
                type.getTypeName());
            break;
          case PATTERN_MATCH:
          case MIN_LENGTH:
          case MAX_LENGTH:
            checkArgument(
                Values.isString(type),
                "field '%s' is %s; expected a STRING field",
                c,
                type.getTypeName());
            break;
          default:
        }
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
    }
  }

  List<FieldPath> paths() {
    if (paths == null) {
      List<FieldPath> p = new ArrayList<>();
      for (String c : columns) {
        p.add(FieldPath.of(c));
      }
      paths = p;
    }
    return paths;
  }

  Pattern compiledPattern() {
    if (compiled == null) {
      compiled = Pattern.compile(pattern);
    }
    return compiled;
  }

  /**
   * Parses the text form, e.g. {@code completeness(email)}, {@code size()} or {@code size}, {@code
   * mean(price where currency == 'EUR')}.
   *
   * @throws IllegalArgumentException naming the text and what was expected
   */
  public static Metric parse(String text) {
    String t = text == null ? "" : text.trim();
    int open = t.indexOf('(');
    String fn = (open < 0 ? t : t.substring(0, open)).trim().toLowerCase(Locale.ROOT);
    Kind kind = kindOf(fn, text);
    String inner = "";
    if (open >= 0) {
      checkArgument(t.endsWith(")"), "metric '%s': missing closing parenthesis", text);
      inner = t.substring(open + 1, t.length() - 1).trim();
    } else {
      checkArgument(kind == Kind.SIZE, "metric '%s': expected %s(column)", text, fn);
    }
    Condition where = null;
    int w = indexOfWord(inner, "where");
    if (w >= 0) {
      where = Condition.parse(inner.substring(w + 5));
      inner = inner.substring(0, w).trim();
    }
    List<String> args = splitArgs(inner);
    Metric m;
    try {
      switch (kind) {
        case SIZE:
          checkArgument(args.isEmpty(), "size takes no column");
          m = size();
          break;
        case COMPLIANCE:
          checkArgument(
              !inner.isEmpty(), "compliance needs a condition, e.g. compliance(price > 0)");
          m = compliance(Condition.parse(inner));
          break;
        case PATTERN_MATCH:
          checkArgument(
              args.size() == 2 && args.get(1).startsWith("'"),
              "pattern_match needs a column and a 'quoted regex'");
          m = patternMatch(args.get(0), unquote(args.get(1)));
          break;
        case APPROX_QUANTILES:
          checkArgument(
              args.size() >= 2, "approx_quantiles needs a column and at least one quantile");
          List<Double> qs = new ArrayList<>();
          for (String q : args.subList(1, args.size())) {
            qs.add(Double.parseDouble(q));
          }
          m = approxQuantiles(args.get(0), qs);
          break;
        case CORRELATION:
          checkArgument(args.size() == 2, "correlation needs two columns");
          m = correlation(args.get(0), args.get(1));
          break;
        default:
          checkArgument(args.size() == 1, "%s needs exactly one column", kind.textName());
          m = of(kind, args.get(0));
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("metric '" + text + "': " + e.getMessage(), e);
    }
    return where == null ? m : m.where(where);
  }

  private static Kind kindOf(String fn, String text) {
    switch (fn) {
      case "min":
        return Kind.MINIMUM;
      case "max":
        return Kind.MAXIMUM;
      case "stddev":
        return Kind.STANDARD_DEVIATION;
      case "approx_quantile":
        return Kind.APPROX_QUANTILES;
      default:
    }
    for (Kind k : Kind.values()) {
      if (k.textName().equals(fn) || k.deequName().equalsIgnoreCase(fn)) {
        return k;
      }
    }
    List<String> names = new ArrayList<>();
    for (Kind k : Kind.values()) {
      names.add(k.textName());
    }
    throw new IllegalArgumentException(
        "metric '" + text + "': unknown metric '" + fn + "'; expected one of " + names);
  }

  static int indexOfWord(String s, String word) {
    boolean quoted = false;
    for (int i = 0; i + word.length() <= s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\'') {
        quoted = !quoted;
      }
      if (!quoted
          && s.regionMatches(true, i, word, 0, word.length())
          && (i == 0 || Character.isWhitespace(s.charAt(i - 1)))
          && (i + word.length() == s.length()
              || Character.isWhitespace(s.charAt(i + word.length())))) {
        return i;
      }
    }
    return -1;
  }

  static List<String> splitArgs(String s) {
    List<String> out = new ArrayList<>();
    if (s.isBlank()) {
      return out;
    }
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\'') {
        quoted = !quoted;
      }
      if (c == ',' && !quoted) {
        out.add(cur.toString().trim());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    out.add(cur.toString().trim());
    return out;
  }

  private static String unquote(String s) {
    return s.substring(1, s.length() - 1).replace("''", "'");
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Metric other
        && other.name().equals(name())
        && other.quantiles.equals(quantiles);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name(), quantiles);
  }

  @Override
  public String toString() {
    return name();
  }
}
