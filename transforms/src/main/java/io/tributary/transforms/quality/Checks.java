package io.tributary.transforms.quality;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.transforms.quality.anomaly.AbsoluteChange;
import io.tributary.transforms.quality.anomaly.AnomalyCheck;
import io.tributary.transforms.quality.anomaly.AnomalyStrategy;
import io.tributary.transforms.quality.anomaly.KSigma;
import io.tributary.transforms.quality.anomaly.RelativeRateOfChange;
import io.tributary.transforms.quality.constraints.Check;
import io.tributary.transforms.quality.constraints.Constraint;
import io.tributary.transforms.quality.metrics.Metric;
import io.tributary.transforms.quality.rules.QualityRule;
import io.tributary.transforms.values.Durations;
import java.io.IOException;
import java.io.Serializable;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.sdk.schemas.Schema;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Everything the quality stage checks for one dataset: row rules, metrics, constraint checks and
 * anomaly checks. Built in code or read from a JSON checks file (one per dataset).
 *
 * <p>A checks file (every section optional except {@code dataset}; unknown keys are errors):
 *
 * <pre>{@code
 * {
 *   "dataset": "clickstream",
 *   "rules": [
 *     {"rule": "pattern", "field": "event_id", "regex": "e-[0-9]{7}", "severity": "error"},
 *     {"rule": "email", "field": "email", "severity": "warn"},
 *     {"rule": "range", "field": "price", "min": 0.01, "max": 10000}
 *   ],
 *   "metrics": ["size", "completeness(email)", "approx_quantiles(price, 0.5, 0.9)"],
 *   "checks": [
 *     {"name": "volume", "level": "error", "constraints": ["size between 1 and 5000"]}
 *   ],
 *   "anomalies": [
 *     {"metric": "size", "strategy": "k_sigma", "k": 3, "window": 24, "min_history": 5}
 *   ]
 * }
 * }</pre>
 *
 * Rule keys: {@code rule} (not_null, type, range, allowed_values, pattern, length, email, url,
 * referential, freshness, custom), {@code field}, {@code name} (default {@code <rule>_<field>}),
 * {@code severity} (error, the default, or warn) and per rule: {@code type}; {@code min}/{@code
 * max}; {@code values}; {@code regex}; {@code table}; {@code max_delay} (e.g. 6h) and {@code
 * ingest_field}; {@code condition}. Anomaly strategies: {@code k_sigma} (k, window, min_history),
 * {@code absolute_change} (max_decrease, max_increase), {@code relative_rate_of_change}
 * (max_rate_decrease, max_rate_increase). A bad file fails at construction with one line naming the
 * entry and what was expected.
 *
 * <pre>{@code
 * Checks checks = Checks.fromFile(Path.of("testdata/clickstream/checks.json"));
 * Checks inCode = Checks.forDataset("orders")
 *     .withRule(QualityRule.notNull("order_id"))
 *     .withMetric(Metric.completeness("email"))
 *     .withCheck(Check.of("volume", Severity.ERROR, List.of(Constraint.parse("size >= 1"))));
 * }</pre>
 */
public final class Checks implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final String dataset;
  private final List<QualityRule> rules;
  private final List<Metric> metrics;
  private final List<Check> checks;
  private final List<AnomalyCheck> anomalies;

  private Checks(
      String dataset,
      List<QualityRule> rules,
      List<Metric> metrics,
      List<Check> checks,
      List<AnomalyCheck> anomalies) {
    this.dataset = dataset;
    this.rules = List.copyOf(rules);
    this.metrics = List.copyOf(metrics);
    this.checks = List.copyOf(checks);
    this.anomalies = List.copyOf(anomalies);
  }

  /** No checks yet for {@code dataset}. */
  public static Checks forDataset(String dataset) {
    checkArgument(
        dataset != null && dataset.matches("[A-Za-z0-9_.-]+"),
        "Checks.forDataset: dataset must be a name of letters, digits, _ . -; got '%s'",
        dataset);
    return new Checks(dataset, List.of(), List.of(), List.of(), List.of());
  }

  /** Adds a row rule; names must be unique. */
  public Checks withRule(QualityRule rule) {
    checkArgument(rule != null, "Checks.withRule: rule must not be null");
    for (QualityRule r : rules) {
      checkArgument(
          !r.name().equals(rule.name()),
          "Checks.withRule: two rules are named '%s'; give one another name with named()",
          rule.name());
    }
    return new Checks(dataset, plus(rules, rule), metrics, checks, anomalies);
  }

  /** Adds a metric to compute (metrics used by checks and anomaly checks are added anyway). */
  public Checks withMetric(Metric metric) {
    checkArgument(metric != null, "Checks.withMetric: metric must not be null");
    return new Checks(dataset, rules, plus(metrics, metric), checks, anomalies);
  }

  /** Adds a constraint check. */
  public Checks withCheck(Check check) {
    checkArgument(check != null, "Checks.withCheck: check must not be null");
    return new Checks(dataset, rules, metrics, plus(checks, check), anomalies);
  }

  /** Adds an anomaly check. */
  public Checks withAnomalyCheck(AnomalyCheck check) {
    checkArgument(check != null, "Checks.withAnomalyCheck: check must not be null");
    return new Checks(dataset, rules, metrics, checks, plus(anomalies, check));
  }

  private static <T> List<T> plus(List<T> list, T item) {
    List<T> out = new ArrayList<>(list);
    out.add(item);
    return out;
  }

  /** The dataset name. */
  public String dataset() {
    return dataset;
  }

  /** Row rules in declaration order. */
  public List<QualityRule> rules() {
    return rules;
  }

  /** Constraint checks. */
  public List<Check> checks() {
    return checks;
  }

  /** Anomaly checks. */
  public List<AnomalyCheck> anomalies() {
    return anomalies;
  }

  /**
   * Every metric to compute: declared ones, then those the checks and anomaly checks need, each
   * once; quantiles of one column (and filter) are merged into one sketch.
   */
  public List<Metric> allMetrics() {
    Map<String, Metric> byName = new LinkedHashMap<>();
    List<Metric> wanted = new ArrayList<>(metrics);
    for (Check c : checks) {
      for (Constraint k : c.constraints()) {
        wanted.add(k.metric());
      }
    }
    for (AnomalyCheck a : anomalies) {
      wanted.add(a.metric());
    }
    for (Metric m : wanted) {
      Metric known = byName.get(m.name());
      if (known != null && m.kind() == Metric.Kind.APPROX_QUANTILES) {
        Set<Double> qs = new TreeSet<>(known.quantiles());
        qs.addAll(m.quantiles());
        Metric merged = Metric.approxQuantiles(m.columns().get(0), new ArrayList<>(qs));
        byName.put(
            m.name(), m.whereCondition() == null ? merged : merged.where(m.whereCondition()));
      } else if (known == null) {
        byName.put(m.name(), m);
      }
    }
    return new ArrayList<>(byName.values());
  }

  /**
   * Checks every rule and metric against {@code schema}; throws naming the first that does not fit.
   */
  public void checkIn(Schema schema) {
    for (QualityRule r : rules) {
      r.checkIn(schema);
    }
    for (Metric m : allMetrics()) {
      m.checkIn(schema);
    }
  }

  /** The reference tables the referential rules need. */
  public Set<String> referenceTables() {
    Set<String> tables = new LinkedHashSet<>();
    for (QualityRule r : rules) {
      if (r.table() != null) {
        tables.add(r.table());
      }
    }
    return tables;
  }

  @Override
  public String toString() {
    return "Checks("
        + dataset
        + ": rules="
        + rules
        + ", metrics="
        + allMetrics()
        + ", checks="
        + checks
        + ", anomalies="
        + anomalies
        + ")";
  }

  // ---------------------------------------------------------------- checks file

  /** Reads a JSON checks file. */
  public static Checks fromFile(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "checks file " + file + ": cannot read it: " + e.getMessage(), e);
    }
    return fromJson(text, file.toString());
  }

  /** Reads checks from JSON text; {@code source} names it in error messages. */
  public static Checks fromJson(String json, String source) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "checks file "
              + source
              + ": not valid JSON at line "
              + e.getLocation().getLineNr()
              + ", column "
              + e.getLocation().getColumnNr());
    }
    String where = "checks file " + source;
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(where + ": expected a JSON object with \"dataset\"");
    }
    allowKeys(root, where, "dataset", "rules", "metrics", "checks", "anomalies", "description");
    Checks checks;
    try {
      checks = forDataset(text(root, "dataset", where));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
    int i = 0;
    for (JsonNode r : array(root, "rules", where)) {
      String at =
          where
              + ": rules["
              + i++
              + "]"
              + (r.has("name") ? " (" + r.get("name").asText() + ")" : "");
      try {
        checks = checks.withRule(rule(r, at));
      } catch (IllegalArgumentException e) {
        throw prefixed(at, e);
      }
    }
    i = 0;
    for (JsonNode m : array(root, "metrics", where)) {
      String at = where + ": metrics[" + i++ + "]";
      try {
        checks = checks.withMetric(Metric.parse(textValue(m, at)));
      } catch (IllegalArgumentException e) {
        throw prefixed(at, e);
      }
    }
    i = 0;
    for (JsonNode c : array(root, "checks", where)) {
      String at =
          where
              + ": checks["
              + i++
              + "]"
              + (c.has("name") ? " (" + c.get("name").asText() + ")" : "");
      try {
        allowKeys(c, at, "name", "level", "constraints", "description");
        List<Constraint> constraints = new ArrayList<>();
        for (JsonNode k : array(c, "constraints", at)) {
          constraints.add(Constraint.parse(textValue(k, at)));
        }
        checks =
            checks.withCheck(
                Check.of(
                    text(c, "name", at),
                    Severity.parse(optText(c, "level", "error"), at),
                    constraints));
      } catch (IllegalArgumentException e) {
        throw prefixed(at, e);
      }
    }
    i = 0;
    for (JsonNode a : array(root, "anomalies", where)) {
      String at =
          where
              + ": anomalies["
              + i++
              + "]"
              + (a.has("metric") ? " (" + a.get("metric").asText() + ")" : "");
      try {
        checks =
            checks.withAnomalyCheck(
                AnomalyCheck.of(Metric.parse(text(a, "metric", at)), strategy(a, at)));
      } catch (IllegalArgumentException e) {
        throw prefixed(at, e);
      }
    }
    return checks;
  }

  private static IllegalArgumentException prefixed(String at, IllegalArgumentException e) {
    String m = e.getMessage() == null ? "invalid" : e.getMessage();
    return m.startsWith(at) ? e : new IllegalArgumentException(at + ": " + m, e);
  }

  private static QualityRule rule(JsonNode r, String at) {
    String kind = text(r, "rule", at);
    String field = "custom".equals(kind) ? null : text(r, "field", at);
    QualityRule rule;
    switch (kind) {
      case "not_null":
        allowKeys(r, at, "rule", "field", "name", "severity");
        rule = QualityRule.notNull(field);
        break;
      case "type":
        allowKeys(r, at, "rule", "field", "name", "severity", "type");
        rule = QualityRule.type(field, text(r, "type", at));
        break;
      case "range":
        allowKeys(r, at, "rule", "field", "name", "severity", "min", "max");
        rule = QualityRule.range(field, decimal(r, "min", at), decimal(r, "max", at));
        break;
      case "allowed_values":
        allowKeys(r, at, "rule", "field", "name", "severity", "values");
        List<String> values = new ArrayList<>();
        for (JsonNode v : array(r, "values", at)) {
          values.add(v.isNumber() ? Values.key(v.decimalValue()) : v.asText());
        }
        checkArgument(!values.isEmpty(), "'values' must list at least one value");
        rule = QualityRule.allowedValues(field, values);
        break;
      case "pattern":
        allowKeys(r, at, "rule", "field", "name", "severity", "regex");
        rule = QualityRule.pattern(field, text(r, "regex", at));
        break;
      case "length":
        allowKeys(r, at, "rule", "field", "name", "severity", "min", "max");
        BigDecimal min = decimal(r, "min", at);
        BigDecimal max = decimal(r, "max", at);
        rule =
            QualityRule.length(
                field,
                min == null ? null : min.intValueExact(),
                max == null ? null : max.intValueExact());
        break;
      case "email":
        allowKeys(r, at, "rule", "field", "name", "severity");
        rule = QualityRule.email(field);
        break;
      case "url":
        allowKeys(r, at, "rule", "field", "name", "severity");
        rule = QualityRule.url(field);
        break;
      case "referential":
        allowKeys(r, at, "rule", "field", "name", "severity", "table");
        rule = QualityRule.referential(field, text(r, "table", at));
        break;
      case "freshness":
        allowKeys(r, at, "rule", "field", "name", "severity", "max_delay", "ingest_field");
        rule =
            QualityRule.freshness(
                field,
                Durations.parse(text(r, "max_delay", at), "'max_delay'"),
                r.hasNonNull("ingest_field") ? r.get("ingest_field").asText() : null);
        break;
      case "custom":
        allowKeys(r, at, "rule", "name", "severity", "condition");
        rule = QualityRule.custom(text(r, "name", at), Condition.parse(text(r, "condition", at)));
        break;
      default:
        throw new IllegalArgumentException(
            "unknown rule '"
                + kind
                + "'; expected one of not_null, type, range, "
                + "allowed_values, pattern, length, email, url, referential, freshness, custom");
    }
    if (r.hasNonNull("name")) {
      rule = rule.named(r.get("name").asText());
    }
    return rule.withSeverity(Severity.parse(optText(r, "severity", "error"), "'severity'"));
  }

  private static AnomalyStrategy strategy(JsonNode a, String at) {
    String s = text(a, "strategy", at);
    switch (s) {
      case "k_sigma":
        allowKeys(a, at, "metric", "strategy", "k", "window", "min_history");
        return new KSigma(
            num(a, "k", 3.0, at),
            (int) num(a, "window", 24, at),
            (int) num(a, "min_history", 5, at));
      case "absolute_change":
        allowKeys(a, at, "metric", "strategy", "max_decrease", "max_increase");
        return new AbsoluteChange(optNum(a, "max_decrease", at), optNum(a, "max_increase", at));
      case "relative_rate_of_change":
        allowKeys(a, at, "metric", "strategy", "max_rate_decrease", "max_rate_increase");
        return new RelativeRateOfChange(
            optNum(a, "max_rate_decrease", at), optNum(a, "max_rate_increase", at));
      default:
        throw new IllegalArgumentException(
            "unknown strategy '"
                + s
                + "'; expected k_sigma, absolute_change or relative_rate_of_change");
    }
  }

  private static void allowKeys(JsonNode node, String at, String... keys) {
    Set<String> allowed = Set.of(keys);
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String n = names.next();
      if (!allowed.contains(n)) {
        throw new IllegalArgumentException(
            at + ": unknown key '" + n + "'; expected one of " + new TreeSet<>(allowed));
      }
    }
  }

  private static String text(JsonNode node, String key, String at) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull() || !v.isTextual() || v.asText().isBlank()) {
      throw new IllegalArgumentException(
          at + ": '" + key + "' is required and must be a non-empty string");
    }
    return v.asText();
  }

  private static String textValue(JsonNode v, String at) {
    if (!v.isTextual()) {
      throw new IllegalArgumentException(
          at
              + ": expected a string, got a JSON "
              + v.getNodeType().name().toLowerCase(Locale.ROOT));
    }
    return v.asText();
  }

  private static String optText(JsonNode node, String key, String dflt) {
    JsonNode v = node.get(key);
    return v == null || v.isNull() ? dflt : v.asText();
  }

  private static @Nullable BigDecimal decimal(JsonNode node, String key, String at) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isNumber()) {
      throw new IllegalArgumentException(at + ": '" + key + "' must be a number");
    }
    return v.decimalValue();
  }

  private static double num(JsonNode node, String key, double dflt, String at) {
    Double d = optNum(node, key, at);
    return d == null ? dflt : d;
  }

  private static @Nullable Double optNum(JsonNode node, String key, String at) {
    BigDecimal d = decimal(node, key, at);
    return d == null ? null : d.doubleValue();
  }

  private static List<JsonNode> array(JsonNode node, String key, String at) {
    JsonNode v = node.get(key);
    List<JsonNode> out = new ArrayList<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isArray()) {
      throw new IllegalArgumentException(at + ": '" + key + "' must be a JSON array");
    }
    v.forEach(out::add);
    return out;
  }
}
