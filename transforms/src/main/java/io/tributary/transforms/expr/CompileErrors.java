package io.tributary.transforms.expr;

import dev.cel.common.CelIssue;
import dev.cel.common.CelSourceLocation;
import dev.cel.common.types.CelKind;
import dev.cel.common.types.CelType;
import dev.cel.common.types.NullableType;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Turns CEL's compile issues into one {@link ExpressionException} in the spec author's terms: the
 * first error by position, CEL's wording shortened (no overload candidate lists, no container
 * names), and for an unknown field or nested field the nearest name within a small edit distance.
 */
final class CompileErrors {
  private static final Pattern UNDECLARED =
      Pattern.compile("undeclared reference to '([^']+)'(?: \\(in container '[^']*'\\))?");
  private static final Pattern MISMATCHED =
      Pattern.compile(
          "(?:Syntax error: )?(?:mismatched|extraneous) input ('[^']*'|\\S+) expecting .*");
  private static final Pattern UNDEFINED_FIELD = Pattern.compile("undefined field '([^']+)'");
  private static final Pattern NO_OVERLOAD =
      Pattern.compile(
          "found no matching overload for '([^']+)' applied to '\\(([^']*)\\)'(?: \\(candidates: .*\\))?");

  private CompileErrors() {}

  static ExpressionException of(List<CelIssue> issues, RowTypes types) {
    CelIssue first = issues.get(0);
    for (CelIssue i : issues) {
      if (i.getSourceLocation().compareTo(first.getSourceLocation()) < 0
          && !i.getSourceLocation().equals(CelSourceLocation.NONE)) {
        first = i;
      }
    }
    CelSourceLocation at = first.getSourceLocation();
    int line = at.getLine() > 0 ? at.getLine() : 1;
    int column = at.getColumn() >= 0 ? at.getColumn() + 1 : 1;
    return new ExpressionException(problem(first.getMessage(), types), line, column);
  }

  static String problem(String celMessage, RowTypes types) {
    String message = oneLine(celMessage);
    Matcher m = UNDECLARED.matcher(message);
    if (m.matches()) {
      String name = m.group(1);
      String unreadable = types.unreadable().get(name);
      if (unreadable != null) {
        return "field '" + name + "' is " + unreadable + ", which expressions cannot read";
      }
      return "undeclared reference to '"
          + name
          + "'"
          + didYouMean(name, types.variables().keySet());
    }
    m = UNDEFINED_FIELD.matcher(message);
    if (m.matches()) {
      return "undefined field '"
          + m.group(1)
          + "'"
          + didYouMean(m.group(1), types.nestedFieldNames());
    }
    m = MISMATCHED.matcher(message);
    if (m.matches()) {
      return m.group(1).equals("'<EOF>'")
          ? "the expression ends too early"
          : "syntax error: unexpected " + m.group(1);
    }
    m = NO_OVERLOAD.matcher(message);
    if (m.matches()) {
      String function = m.group(1);
      String operator = operatorOf(function);
      return operator == null
          ? "no function " + function + "() taking (" + m.group(2) + ")"
          : "operator " + operator + " cannot be applied to (" + m.group(2) + ")";
    }
    return message;
  }

  static String oneLine(String s) {
    String first = s.replaceFirst("^ERROR: <input>:\\d+:\\d+: ", "");
    int end = first.indexOf('\n');
    return (end < 0 ? first : first.substring(0, end)).trim();
  }

  static String typeName(CelType t) {
    if (t instanceof NullableType n) {
      return typeName(n.targetType()) + " (nullable)";
    }
    return t.kind() == CelKind.DYN ? "dyn" : t.name();
  }

  private static @Nullable String operatorOf(String function) {
    if (function.matches("_[^_]+_") || function.equals("_[_]")) {
      return function.equals("_[_]") ? "[]" : function.substring(1, function.length() - 1);
    }
    if (function.matches("[!-]_")) {
      return function.substring(0, 1);
    }
    return null;
  }

  /** {@code " (did you mean 'price'?)"} for the nearest name, or empty when none is near. */
  static String didYouMean(String name, Collection<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d =
          io.tributary.transforms.spec.EditDistance.between(
              name.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    int allowed = Math.max(1, Math.min(3, name.length() / 3));
    return best != null && bestDistance <= allowed ? " (did you mean '" + best + "'?)" : "";
  }
}
