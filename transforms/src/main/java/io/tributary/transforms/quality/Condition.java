package io.tributary.transforms.quality;

import io.tributary.transforms.expr.Expression;
import io.tributary.transforms.expr.ExpressionEvaluationException;
import io.tributary.transforms.expr.ExpressionException;
import io.tributary.transforms.values.FieldPath;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;
import org.joda.time.ReadableInstant;

/**
 * A small boolean condition over a row's fields, written as text: the {@code where} filter of a
 * metric, the predicate of a {@code Compliance} metric and of a {@code custom} rule.
 *
 * <p>Grammar: {@code clause (and|or clause)*}, {@code and} binding tighter than {@code or}, no
 * parentheses. A clause is {@code path op literal} with {@code op} one of {@code == != < <= > >=},
 * or {@code path is null}, {@code path is not null}, or {@code path in ('a', 'b', 3)}. Literals are
 * single-quoted strings, numbers, {@code true} and {@code false}; a {@code DATETIME} field compares
 * with an ISO-8601 string. As in SQL, a comparison with a null field is false (so {@code x != 'a'}
 * is false when {@code x} is null).
 *
 * <p>A condition that starts with {@value #CEL_PREFIX} is a CEL expression instead ({@link
 * Expression}, docs/expressions.md), for what the clause grammar cannot say: parentheses,
 * arithmetic, functions, nested fields ({@code cel: (price * double(quantity) > 100.0 || user.vip)
 * && !currency.startsWith('X')}). {@link #checkIn} type-checks it against the schema and requires a
 * bool. To keep the clause grammar's rule, a row on which it is null or fails (a null used as a
 * value, a division by zero) does not satisfy it.
 *
 * <pre>{@code
 * Condition c = Condition.parse("event_type == 'purchase' and price > 0");
 * c.checkIn(schema);        // at construction: every path exists
 * boolean yes = c.test(row);
 * Condition.parse("cel: price * double(quantity) > 100.0").checkIn(schema);
 * }</pre>
 */
public final class Condition implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Prefix of a condition written in CEL rather than in the clause grammar. */
  public static final String CEL_PREFIX = "cel:";

  private final String text;

  /** Disjunction of conjunctions of clauses (empty for a CEL condition). */
  private final List<List<Clause>> anyOf;

  /** The CEL source after {@link #CEL_PREFIX}, or null for the clause grammar. */
  private final @Nullable String cel;

  /** The CEL condition compiled for the schema of the rows seen last; rebuilt when it changes. */
  private transient volatile @Nullable Expression compiled;

  private Condition(String text, List<List<Clause>> anyOf, @Nullable String cel) {
    this.text = text;
    this.anyOf = anyOf;
    this.cel = cel;
  }

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException naming the clause that does not parse and what was expected
   */
  public static Condition parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(
          "condition is empty; expected e.g. price > 0 and currency == 'EUR'");
    }
    String trimmed = text.trim();
    if (trimmed.regionMatches(true, 0, CEL_PREFIX, 0, CEL_PREFIX.length())) {
      String source = trimmed.substring(CEL_PREFIX.length()).trim();
      if (source.isEmpty()) {
        throw new IllegalArgumentException(
            "condition '"
                + text
                + "' has no CEL expression after 'cel:'; expected e.g. cel:"
                + " price > 10.0 && currency == 'EUR'");
      }
      return new Condition(trimmed, List.of(), source);
    }
    List<String> tokens = tokenize(text);
    List<List<Clause>> anyOf = new ArrayList<>();
    List<Clause> allOf = new ArrayList<>();
    int i = 0;
    while (true) {
      int start = i;
      int end = i;
      while (end < tokens.size()
          && !isWord(tokens.get(end), "and")
          && !isWord(tokens.get(end), "or")) {
        end++;
      }
      allOf.add(Clause.parse(tokens.subList(start, end), text));
      if (end >= tokens.size()) {
        break;
      }
      if (isWord(tokens.get(end), "or")) {
        anyOf.add(allOf);
        allOf = new ArrayList<>();
      }
      i = end + 1;
      if (i >= tokens.size()) {
        throw new IllegalArgumentException(
            "condition '"
                + text
                + "' ends with '"
                + tokens.get(end)
                + "'; expected a clause after it");
      }
    }
    anyOf.add(allOf);
    return new Condition(text.trim(), anyOf, null);
  }

  /**
   * Throws {@link IllegalArgumentException} naming a path that is not in {@code schema}; for a CEL
   * condition, an {@link ExpressionException} when it does not compile or is not a bool.
   */
  public void checkIn(Schema schema) {
    if (cel != null) {
      compiledFor(schema);
      return;
    }
    for (List<Clause> all : anyOf) {
      for (Clause c : all) {
        c.path.checkIn(schema);
      }
    }
  }

  /** Whether {@code row} satisfies the condition. */
  public boolean test(Row row) {
    if (cel != null) {
      try {
        return Boolean.TRUE.equals(compiledFor(row.getSchema()).evaluate(row));
      } catch (ExpressionEvaluationException e) {
        return false; // as a comparison with a null field is false in the clause grammar
      }
    }
    for (List<Clause> all : anyOf) {
      boolean ok = true;
      for (Clause c : all) {
        if (!c.test(row)) {
          ok = false;
          break;
        }
      }
      if (ok) {
        return true;
      }
    }
    return false;
  }

  private Expression compiledFor(Schema schema) {
    Expression e = compiled;
    if (e != null && e.inputSchema().equals(schema)) {
      return e;
    }
    try {
      e = Expression.compile(cel, schema);
    } catch (ExpressionException x) {
      throw x.withContext("condition '" + text + "'");
    }
    if (e.resultType().getTypeName() != Schema.TypeName.BOOLEAN) {
      throw new ExpressionException(
          "condition '" + text + "': expected bool, got " + e.resultType(), 1, 1);
    }
    compiled = e;
    return e;
  }

  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Condition other && other.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  private static boolean isWord(String token, String word) {
    return token.equalsIgnoreCase(word);
  }

  static List<String> tokenize(String text) {
    List<String> tokens = new ArrayList<>();
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '\'') {
        StringBuilder b = new StringBuilder("'");
        i++;
        while (true) {
          if (i >= text.length()) {
            throw new IllegalArgumentException(
                "condition '" + text + "' has an unterminated string; close it with '");
          }
          char d = text.charAt(i++);
          if (d == '\'') {
            if (i < text.length() && text.charAt(i) == '\'') { // '' is a quote inside a string
              b.append('\'');
              i++;
              continue;
            }
            break;
          }
          b.append(d);
        }
        tokens.add(b.toString());
      } else if ("=!<>".indexOf(c) >= 0) {
        int j = i + 1;
        if (j < text.length() && text.charAt(j) == '=') {
          j++;
        }
        tokens.add(text.substring(i, j));
        i = j;
      } else if (c == '(' || c == ')' || c == ',') {
        tokens.add(String.valueOf(c));
        i++;
      } else {
        int j = i;
        while (j < text.length()
            && !Character.isWhitespace(text.charAt(j))
            && "=!<>(),'".indexOf(text.charAt(j)) < 0) {
          j++;
        }
        tokens.add(text.substring(i, j));
        i = j;
      }
    }
    return tokens;
  }

  private static final class Clause implements Serializable {
    private static final long serialVersionUID = 1L;
    final FieldPath path;
    final String op; // == != < <= > >= null notnull in
    final List<Object> literals;

    Clause(FieldPath path, String op, List<Object> literals) {
      this.path = path;
      this.op = op;
      this.literals = literals;
    }

    static Clause parse(List<String> t, String text) {
      String hint =
          "; expected field op literal (op one of == != < <= > >=), field is [not] null, or field in (...)";
      if (t.size() < 3) {
        throw new IllegalArgumentException(
            "condition '" + text + "': clause '" + String.join(" ", t) + "' is incomplete" + hint);
      }
      FieldPath path = FieldPath.of(t.get(0));
      String op = t.get(1);
      if (isWord(op, "is")) {
        if (t.size() == 3 && isWord(t.get(2), "null")) {
          return new Clause(path, "null", List.of());
        }
        if (t.size() == 4 && isWord(t.get(2), "not") && isWord(t.get(3), "null")) {
          return new Clause(path, "notnull", List.of());
        }
        throw new IllegalArgumentException(
            "condition '"
                + text
                + "': clause '"
                + String.join(" ", t)
                + "' is not 'is null' or 'is not null'");
      }
      if (isWord(op, "in")) {
        if (!t.get(2).equals("(") || !t.get(t.size() - 1).equals(")")) {
          throw new IllegalArgumentException(
              "condition '" + text + "': 'in' needs a list in parentheses, e.g. x in ('a', 'b')");
        }
        List<Object> values = new ArrayList<>();
        for (int i = 3; i < t.size() - 1; i++) {
          if (!t.get(i).equals(",")) {
            values.add(literal(t.get(i), text));
          }
        }
        return new Clause(path, "in", values);
      }
      if (!List.of("==", "!=", "<", "<=", ">", ">=").contains(op) || t.size() != 3) {
        throw new IllegalArgumentException(
            "condition '" + text + "': cannot read clause '" + String.join(" ", t) + "'" + hint);
      }
      return new Clause(path, op, List.of(literal(t.get(2), text)));
    }

    static Object literal(String token, String text) {
      if (token.startsWith("'")) {
        return token.substring(1);
      }
      if (isWord(token, "true") || isWord(token, "false")) {
        return Boolean.valueOf(token.toLowerCase(Locale.ROOT));
      }
      try {
        return new BigDecimal(token);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "condition '"
                + text
                + "': literal '"
                + token
                + "' is not a number, true/false or a 'quoted string'");
      }
    }

    boolean test(Row row) {
      Object v = path.get(row);
      switch (op) {
        case "null":
          return v == null;
        case "notnull":
          return v != null;
        case "in":
          if (v == null) {
            return false;
          }
          for (Object lit : literals) {
            if (compare(v, lit) == 0) {
              return true;
            }
          }
          return false;
        default:
          if (v == null) {
            return false;
          }
          int c = compare(v, literals.get(0));
          switch (op) {
            case "==":
              return c == 0;
            case "!=":
              return c != 0;
            case "<":
              return c < 0;
            case "<=":
              return c <= 0;
            case ">":
              return c > 0;
            default:
              return c >= 0;
          }
      }
    }

    /** Compares a field value with a literal; a mismatch of kinds compares the string forms. */
    static int compare(Object value, Object literal) {
      if (literal instanceof BigDecimal decimal && value instanceof Number) {
        return Values.toDecimal(value).compareTo(decimal);
      }
      if (literal instanceof String iso && value instanceof ReadableInstant instant) {
        Instant at = Instant.parse(iso);
        return instant.toInstant().compareTo(at);
      }
      if (literal instanceof Boolean b && value instanceof Boolean a) {
        return Boolean.compare(a, b);
      }
      return Values.key(value)
          .compareTo(literal instanceof BigDecimal ? Values.key(literal) : literal.toString());
    }
  }
}
