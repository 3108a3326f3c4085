package io.tributary.transforms.quality.rules;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import io.tributary.transforms.quality.Condition;
import io.tributary.transforms.quality.Severity;
import io.tributary.transforms.quality.Values;
import io.tributary.transforms.values.Durations;
import io.tributary.transforms.values.FieldPath;
import io.tributary.transforms.values.Timestamps;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.joda.time.ReadableInstant;

/**
 * One row-level data-quality rule: a name, a field, a test, a severity and what was expected.
 *
 * <p>{@code error} rules quarantine a failing row; {@code warn} rules let it pass and count it in
 * {@code tributary/quality.warn.<name>}. Every rule except {@link #notNull} passes a null value:
 * whether a field may be null is the not-null rule's business, so one null is reported once.
 * Messages say what was expected, never the value found (it may be personal data).
 *
 * <pre>{@code
 * QualityRule.notNull("email").warn();
 * QualityRule.range("price", new BigDecimal("0.01"), new BigDecimal("10000"));
 * QualityRule.pattern("event_id", "e-[0-9]{7}").named("event_id_shape");
 * QualityRule.referential("product_id", "products");             // table given to Quality.check
 * QualityRule.freshness("event_time", Duration.standardHours(6)); // behind processing time
 * QualityRule.custom("jpy_whole", Condition.parse("currency != 'JPY' or price >= 1"));
 * }</pre>
 */
public final class QualityRule implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The per-row test; {@code tables} holds the referential tables, {@code now} the ingest time. */
  @FunctionalInterface
  public interface Test extends Serializable {
    /** Whether the value (and row) pass. */
    boolean passes(@Nullable Object value, Row row, Map<String, Set<String>> tables, Instant now);
  }

  private static final String EMAIL =
      "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
          + "@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\\.)+[A-Za-z]{2,}";
  private static final String URL = "(https?|ftp)://[^\\s/$.?#][^\\s]*";

  private final String name;
  private final String kind;
  private final @Nullable FieldPath field;
  private final @Nullable Condition condition;
  private final Severity severity;
  private final Test test;
  private final String expectation;
  private final boolean checksNull;
  private final @Nullable String table;
  private final String typeRequirement; // "", "numeric", "string", "datetime"

  private QualityRule(
      String name,
      String kind,
      @Nullable FieldPath field,
      @Nullable Condition condition,
      Severity severity,
      Test test,
      String expectation,
      boolean checksNull,
      @Nullable String table,
      String typeRequirement) {
    checkArgument(
        name != null && name.matches("[a-z0-9_]+"),
        "QualityRule: name must be lower_snake_case, got '%s'",
        name);
    this.name = name;
    this.kind = kind;
    this.field = field;
    this.condition = condition;
    this.severity = severity;
    this.test = test;
    this.expectation = expectation;
    this.checksNull = checksNull;
    this.table = table;
    this.typeRequirement = typeRequirement;
  }

  private static QualityRule on(
      String kind, String field, Test test, String expectation, String typeRequirement) {
    checkArgument(
        field != null && !field.isBlank(), "QualityRule.%s: field must not be empty", kind);
    return new QualityRule(
        defaultName(kind, field),
        kind,
        FieldPath.of(field),
        null,
        Severity.ERROR,
        test,
        expectation,
        false,
        null,
        typeRequirement);
  }

  static String defaultName(String kind, String field) {
    return (kind + "_" + field).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
  }

  /** The field must be non-null (and every row enclosing it). */
  public static QualityRule notNull(String field) {
    QualityRule r = on("not_null", field, (v, row, t, now) -> v != null, "not be null", "");
    return r.withChecksNull();
  }

  /**
   * The value must be of {@code type}: {@code string}, {@code integer}, {@code number}, {@code
   * boolean} or {@code timestamp}. A value of that Java type passes; a string passes when it parses
   * as the type ({@code "12"} is an integer, {@code "2026-11-01T10:00:00Z"} a timestamp with
   * offset); an integer check on a decimal needs a zero fraction.
   */
  public static QualityRule type(String field, String type) {
    String t = type == null ? "" : type.trim().toLowerCase(Locale.ROOT);
    checkArgument(
        Set.of("string", "integer", "number", "boolean", "timestamp").contains(t),
        "QualityRule.type(%s): type must be one of string, integer, number, boolean, timestamp; got '%s'",
        field,
        type);
    return on("type", field, (v, row, tables, now) -> isOfType(v, t), "be of type " + t, "");
  }

  /** A numeric value must lie in {@code [min, max]}; either bound may be null (open). */
  public static QualityRule range(
      String field, @Nullable BigDecimal min, @Nullable BigDecimal max) {
    checkArgument(
        min != null || max != null, "QualityRule.range(%s): give min, max or both", field);
    checkArgument(
        min == null || max == null || min.compareTo(max) <= 0,
        "QualityRule.range(%s): min %s is greater than max %s",
        field,
        min,
        max);
    String expect =
        min == null
            ? "be <= " + max.toPlainString()
            : max == null
                ? "be >= " + min.toPlainString()
                : "be between " + min.toPlainString() + " and " + max.toPlainString();
    return on(
        "range",
        field,
        (v, row, t, now) -> {
          BigDecimal d = Values.toDecimal(v);
          return (min == null || d.compareTo(min) >= 0) && (max == null || d.compareTo(max) <= 0);
        },
        expect,
        "numeric");
  }

  /** The value's string form (numbers by value) must be one of {@code allowed}. */
  public static QualityRule allowedValues(String field, Collection<String> allowed) {
    checkArgument(
        allowed != null && !allowed.isEmpty(),
        "QualityRule.allowedValues(%s): allowed values must not be empty",
        field);
    Set<String> values = new TreeSet<>(allowed);
    return on(
        "allowed_values",
        field,
        (v, row, t, now) -> values.contains(Values.key(v)),
        "be one of " + values,
        "");
  }

  /** The whole string must match {@code regex} (anchored: {@code Matcher.matches()}). */
  public static QualityRule pattern(String field, String regex) {
    checkArgument(
        regex != null && !regex.isEmpty(),
        "QualityRule.pattern(%s): regex must not be empty",
        field);
    Pattern p = compile(regex, "QualityRule.pattern(" + field + ")");
    return on(
        "pattern",
        field,
        (v, row, t, now) -> p.matcher(v.toString()).matches(),
        "match /" + regex + "/",
        "string");
  }

  /**
   * The string length in characters (code points) must lie in {@code [min, max]}; either may be
   * null.
   */
  public static QualityRule length(String field, @Nullable Integer min, @Nullable Integer max) {
    checkArgument(
        min != null || max != null, "QualityRule.length(%s): give min, max or both", field);
    checkArgument(
        min == null || min >= 0, "QualityRule.length(%s): min must be >= 0, got %s", field, min);
    checkArgument(
        min == null || max == null || min <= max,
        "QualityRule.length(%s): min %s is greater than max %s",
        field,
        min,
        max);
    String expect =
        "have length "
            + (min == null
                ? "<= " + max
                : max == null ? ">= " + min : "between " + min + " and " + max);
    return on(
        "length",
        field,
        (v, row, t, now) -> {
          String s = v.toString();
          int n = s.codePointCount(0, s.length());
          return (min == null || n >= min) && (max == null || n <= max);
        },
        expect,
        "string");
  }

  /** The string must look like an e-mail address ({@code local@domain.tld}). */
  public static QualityRule email(String field) {
    Pattern p = Pattern.compile(EMAIL);
    return on(
        "email",
        field,
        (v, row, t, now) -> p.matcher(v.toString()).matches(),
        "be an e-mail address",
        "string");
  }

  /** The string must look like an absolute http(s) or ftp URL. */
  public static QualityRule url(String field) {
    Pattern p = Pattern.compile(URL);
    return on(
        "url",
        field,
        (v, row, t, now) -> p.matcher(v.toString()).matches(),
        "be an http(s) or ftp URL",
        "string");
  }

  /**
   * The value (its distinct-value key) must be present in the reference table {@code table}, which
   * {@code Quality.check(...).withReferenceTable(table, keys)} provides as a side input.
   */
  public static QualityRule referential(String field, String table) {
    checkArgument(
        table != null && !table.isBlank(),
        "QualityRule.referential(%s): table must not be empty",
        field);
    QualityRule r =
        on(
            "referential",
            field,
            (v, row, tables, now) -> {
              Set<String> keys = tables.get(table);
              return keys != null && keys.contains(Values.key(v));
            },
            "be present in reference table '" + table + "'",
            "");
    return new QualityRule(
        r.name, r.kind, r.field, null, r.severity, r.test, r.expectation, false, table, "");
  }

  /**
   * The {@code DATETIME} field (event time) must not be behind the ingest time by more than {@code
   * maxDelay}. The ingest time is the processing time at which the rule runs; use {@link
   * #freshness(String, Duration, String)} to read it from a field instead.
   */
  public static QualityRule freshness(String field, Duration maxDelay) {
    return freshness(field, maxDelay, null);
  }

  /**
   * As {@link #freshness(String, Duration)}, with the ingest time read from {@code ingestField}.
   */
  public static QualityRule freshness(
      String field, Duration maxDelay, @Nullable String ingestField) {
    checkArgument(
        maxDelay != null && maxDelay.isLongerThan(Duration.ZERO),
        "QualityRule.freshness(%s): maxDelay must be > 0, got %s",
        field,
        maxDelay);
    FieldPath ingest = ingestField == null ? null : FieldPath.of(ingestField);
    long max = maxDelay.getMillis();
    String expect =
        "be at most "
            + Durations.format(maxDelay)
            + " behind "
            + (ingest == null ? "the processing time" : "'" + ingestField + "'");
    QualityRule r =
        on(
            "freshness",
            field,
            (v, row, t, now) -> {
              Instant reference = now;
              if (ingest != null) {
                Object at = ingest.get(row);
                if (at == null) {
                  return true;
                }
                reference = ((ReadableInstant) at).toInstant();
              }
              return reference.getMillis() - ((ReadableInstant) v).toInstant().getMillis() <= max;
            },
            expect,
            "datetime");
    return new QualityRule(
        r.name,
        r.kind,
        r.field,
        ingest == null ? null : Condition.parse(ingestField + " is not null"),
        r.severity,
        r.test,
        r.expectation,
        false,
        null,
        r.typeRequirement);
  }

  /** The row must satisfy {@code condition} (see {@link Condition} for the syntax). */
  public static QualityRule custom(String name, Condition condition) {
    checkArgument(condition != null, "QualityRule.custom(%s): condition must not be null", name);
    return new QualityRule(
        name,
        "custom",
        null,
        condition,
        Severity.ERROR,
        (v, row, t, now) -> condition.test(row),
        "satisfy " + condition,
        true,
        null,
        "");
  }

  /** The row must satisfy {@code predicate}; {@code expectation} completes "row must ...". */
  public static QualityRule custom(
      String name, SerializableFunction<Row, Boolean> predicate, String expectation) {
    checkArgument(predicate != null, "QualityRule.custom(%s): predicate must not be null", name);
    return new QualityRule(
        name,
        "custom",
        null,
        null,
        Severity.ERROR,
        (v, row, t, now) -> Boolean.TRUE.equals(predicate.apply(row)),
        expectation,
        true,
        null,
        "");
  }

  /** The same rule under another name (what quarantine records and counters show). */
  public QualityRule named(String newName) {
    return new QualityRule(
        newName,
        kind,
        field,
        condition,
        severity,
        test,
        expectation,
        checksNull,
        table,
        typeRequirement);
  }

  /** The same rule with another severity. */
  public QualityRule withSeverity(Severity newSeverity) {
    checkArgument(
        newSeverity != null, "QualityRule.withSeverity(%s): severity must not be null", name);
    return new QualityRule(
        name,
        kind,
        field,
        condition,
        newSeverity,
        test,
        expectation,
        checksNull,
        table,
        typeRequirement);
  }

  /** Shorthand for {@code withSeverity(Severity.WARN)}. */
  public QualityRule warn() {
    return withSeverity(Severity.WARN);
  }

  private QualityRule withChecksNull() {
    return new QualityRule(
        name, kind, field, condition, severity, test, expectation, true, table, typeRequirement);
  }

  /** The rule's name. */
  public String name() {
    return name;
  }

  /** The rule's kind, e.g. {@code not_null}, {@code range}, {@code custom}. */
  public String kind() {
    return kind;
  }

  /** The field it reads, or {@code *} for a row-level custom rule. */
  public String fieldName() {
    return field == null ? "*" : field.toString();
  }

  /** Its severity. */
  public Severity severity() {
    return severity;
  }

  /** The reference table of a referential rule, else null. */
  public @Nullable String table() {
    return table;
  }

  /**
   * Checks the field exists and has a type the rule can read; called when the pipeline is built.
   */
  public void checkIn(Schema schema) {
    String where = "rule '" + name + "'";
    if (condition != null) {
      try {
        condition.checkIn(schema);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
    }
    if (field == null) {
      return;
    }
    Schema.FieldType type;
    try {
      type = field.checkIn(schema);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
    boolean ok;
    switch (typeRequirement) {
      case "numeric":
        ok = Values.isNumeric(type);
        break;
      case "string":
        ok = Values.isString(type);
        break;
      case "datetime":
        ok = type.getTypeName() == Schema.TypeName.DATETIME;
        break;
      default:
        ok = true;
    }
    checkArgument(
        ok,
        "%s: field '%s' is %s; a %s rule needs a %s field",
        where,
        field,
        type.getTypeName(),
        kind,
        typeRequirement.equals("datetime") ? "DATETIME" : typeRequirement);
  }

  /** Null when {@code row} passes; otherwise what was expected, naming the field. */
  public @Nullable String violation(Row row, Map<String, Set<String>> tables, Instant now) {
    Object value = field == null ? null : field.get(row);
    if (value == null && !checksNull) {
      return null;
    }
    if (test.passes(value, row, tables, now)) {
      return null;
    }
    return (field == null ? "row" : "field '" + field + "'") + " must " + expectation;
  }

  private static boolean isOfType(Object v, String type) {
    switch (type) {
      case "string":
        return v instanceof String;
      case "boolean":
        return v instanceof Boolean
            || (v instanceof String && ("true".equals(v) || "false".equals(v)));
      case "timestamp":
        if (v instanceof ReadableInstant) {
          return true;
        }
        if (v instanceof String s) {
          try {
            Timestamps.parseOffsetDateTime(s);
            return true;
          } catch (RuntimeException e) {
            return false;
          }
        }
        return false;
      default:
        BigDecimal d;
        try {
          d =
              v instanceof String s
                  ? new BigDecimal(s.trim())
                  : v instanceof Number ? Values.toDecimal(v) : null;
        } catch (NumberFormatException e) {
          return false;
        }
        if (d == null) {
          return false;
        }
        return !type.equals("integer") || d.signum() == 0 || d.stripTrailingZeros().scale() <= 0;
    }
  }

  private static Pattern compile(String regex, String what) {
    try {
      return Pattern.compile(regex);
    } catch (java.util.regex.PatternSyntaxException e) {
      throw new IllegalArgumentException(
          what + ": regex '" + regex + "' does not compile: " + e.getDescription());
    }
  }

  @Override
  public String toString() {
    return name + "[" + severity.label() + "](" + fieldName() + " must " + expectation + ")";
  }
}
