package io.tributary.transforms.privacy;

import java.util.Set;

/**
 * Redacts the values of named fields in text that looks like JSON but may not parse (a truncated or
 * malformed line), in one pass for all names: {@code "email": "ana@x.org"} becomes {@code "email":
 * "[redacted]"}, also when the line was cut inside the value.
 *
 * <pre>
 * new FieldValueRedactor(Set.of("email", "ip")).redact("&#123;\"email\":\"ana&#64;exa");
 * // &#123;"email":"[redacted]"
 * </pre>
 *
 * <p>Every {@code "} is tried as the start of a key: the text up to the next {@code "} (looked for
 * at most as far as the longest name) is looked up among the names, so the work per character is
 * bounded by the longest name, whatever the text. This does not track whether a quote opens a key
 * or a value, on purpose: a line cut at its start shifts that parity, and the old pattern did not
 * depend on it either. A named key is followed by optional whitespace, a colon and optional
 * whitespace; its value is then:
 *
 * <ul>
 *   <li>a string: up to the closing unescaped quote, or to the end of the text;
 *   <li>an object or array: up to its matching bracket (quotes and escapes respected), or to the
 *       end of the text;
 *   <li>a number or literal: up to the next <code>,</code> <code>}</code> <code>]</code> or
 *       whitespace; {@code null} stays.
 * </ul>
 *
 * <p>Each value is replaced by {@code "[redacted]"} and scanning resumes after it, so no character
 * is read twice. Keys are matched as written: a key spelled with escapes is not recognised (as in
 * <code>"em&#92;u0061il"</code>), its value is then left to {@link PiiScanner}.
 */
final class FieldValueRedactor {
  static final String REDACTED = "\"[redacted]\"";

  private final Set<String> names;
  private final int longest;

  FieldValueRedactor(Set<String> names) {
    this.names = Set.copyOf(names);
    int max = 0;
    for (String name : names) {
      max = Math.max(max, name.length());
    }
    this.longest = max;
  }

  /** {@code text} with every named field's value redacted; {@code text} itself if none. */
  String redact(String text) {
    if (names.isEmpty()) {
      return text;
    }
    int n = text.length();
    StringBuilder out = null;
    int copied = 0;
    int i = text.indexOf('"');
    while (i >= 0) {
      int limit = Math.min(n, i + 2 + longest);
      int j = i + 1;
      while (j < limit && text.charAt(j) != '"') {
        j++;
      }
      if (j < limit && names.contains(text.substring(i + 1, j))) {
        int k = skipWhitespace(text, j + 1);
        if (k < n && text.charAt(k) == ':') {
          k = skipWhitespace(text, k + 1);
          int end = valueEnd(text, k);
          if (end > k) {
            if (out == null) {
              out = new StringBuilder(n);
            }
            out.append(text, copied, k).append(REDACTED);
            copied = end;
            i = text.indexOf('"', end);
            continue;
          }
        }
      }
      i = text.indexOf('"', i + 1);
    }
    if (out == null) {
      return text;
    }
    return out.append(text, copied, n).toString();
  }

  private static int skipWhitespace(String text, int i) {
    while (i < text.length()) {
      char ch = text.charAt(i);
      if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
        break;
      }
      i++;
    }
    return i;
  }

  /** The end of the value starting at {@code k}, or {@code k} when there is none to redact. */
  private static int valueEnd(String text, int k) {
    int n = text.length();
    if (k >= n) {
      return k;
    }
    char first = text.charAt(k);
    if (first == '"') {
      int p = k + 1;
      while (p < n) {
        char ch = text.charAt(p);
        if (ch == '\\') {
          p += 2;
        } else if (ch == '"') {
          return p + 1;
        } else {
          p++;
        }
      }
      return n;
    }
    if (first == '{' || first == '[') {
      int depth = 0;
      boolean inString = false;
      int p = k;
      while (p < n) {
        char ch = text.charAt(p);
        if (inString) {
          if (ch == '\\') {
            p++;
          } else if (ch == '"') {
            inString = false;
          }
        } else if (ch == '"') {
          inString = true;
        } else if (ch == '{' || ch == '[') {
          depth++;
        } else if (ch == '}' || ch == ']') {
          depth--;
          if (depth == 0) {
            return p + 1;
          }
        }
        p++;
      }
      return n;
    }
    int p = k;
    while (p < n) {
      char ch = text.charAt(p);
      if (ch == ','
          || ch == '}'
          || ch == ']'
          || ch == ' '
          || ch == '\t'
          || ch == '\n'
          || ch == '\r') {
        break;
      }
      p++;
    }
    if (text.startsWith("null", k) && p == k + 4) {
      return k;
    }
    return p;
  }
}
