package io.tributary.pipelines.spec;

import io.tributary.pipelines.spec.Nodes.Errors;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Turns a step's {@code config:} node into a {@link Row} of its provider's configuration schema:
 * unknown keys (with a "did you mean"), missing required keys and values of the wrong type are
 * errors at their line and column; {@code ${name}} in a string is replaced by a run variable.
 * Remembers where each key was written, so a provider's {@code StepConfigException} can be reported
 * at its key.
 */
final class ConfigRows {
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{([^}]*)}");

  /** Where each dotted key's value was written. */
  final Map<String, Node> positions = new LinkedHashMap<>();

  private final Errors errors;
  private final Variables variables;

  ConfigRows(Errors errors, Variables variables) {
    this.errors = errors;
    this.variables = variables;
  }

  /** The row of {@code schema} that {@code config} (null: nothing written) describes, or null. */
  @Nullable Row toRow(Schema schema, @Nullable MappingNode config, Node owner, String what) {
    int before = errors.list.size();
    Row row = row(schema, config, owner, "", what);
    return errors.list.size() == before ? row : null;
  }

  private @Nullable Row row(
      Schema schema, @Nullable MappingNode map, Node owner, String prefix, String what) {
    Map<String, Node> values = new LinkedHashMap<>();
    if (map != null) {
      Nodes.checkKeys(map, schema.getFieldNames(), what, errors);
      for (NodeTuple t : map.getValue()) {
        String key = Nodes.scalar(t.getKeyNode());
        if (key != null && schema.hasField(key)) {
          values.put(key, t.getValueNode());
          positions.put(prefix + key, t.getValueNode());
        }
      }
    }
    List<Object> fieldValues = new ArrayList<>();
    boolean ok = true;
    for (Field f : schema.getFields()) {
      Node n = values.get(f.getName());
      if (n == null || Nodes.isNull(n)) {
        if (!f.getType().getNullable()) {
          errors.at(
              n != null ? n : map != null ? map : owner,
              "missing required key '" + prefix + f.getName() + "' in " + what + describe(f));
          ok = false;
        }
        fieldValues.add(null);
        continue;
      }
      Object v = value(f.getType(), n, prefix + f.getName(), what);
      if (v == null) {
        ok = false;
      }
      fieldValues.add(v);
    }
    // attachValues keeps the maps as built (LinkedHashMap, in the order written): the builder's
    // verification would copy them into hash maps, and MapToFields' output order would be lost.
    return ok ? Row.withSchema(schema).attachValues(fieldValues) : null;
  }

  private static String describe(Field f) {
    String d = f.getDescription();
    return d == null || d.isEmpty() ? "" : " (" + d.replaceAll("\\.$", "") + ")";
  }

  private @Nullable Object value(FieldType type, Node n, String key, String what) {
    switch (type.getTypeName()) {
      case ROW:
        if (!(n instanceof MappingNode m)) {
          return wrong(n, key, "a mapping");
        }
        return row(type.getRowSchema(), m, n, key + ".", what);
      case ARRAY:
      case ITERABLE:
        {
          if (!(n instanceof SequenceNode s)) {
            return wrong(n, key, "a list");
          }
          List<Object> out = new ArrayList<>();
          int i = 0;
          for (Node item : s.getValue()) {
            positions.put(key + "." + i, item);
            Object v =
                Nodes.isNull(item)
                    ? null
                    : value(type.getCollectionElementType(), item, key + "." + i, what);
            if (v == null) {
              if (!Nodes.isNull(item)) {
                return null;
              }
              errors.at(item, key + "." + i + ": expected a value, got nothing (null)");
              return null;
            }
            out.add(v);
            i++;
          }
          return out;
        }
      case MAP:
        {
          if (!(n instanceof MappingNode m)) {
            return wrong(n, key, "a mapping");
          }
          Map<Object, Object> out = new LinkedHashMap<>();
          for (NodeTuple t : m.getValue()) {
            String k = Nodes.scalar(t.getKeyNode());
            if (k == null) {
              return wrong(t.getKeyNode(), key, "a plain key");
            }
            if (out.containsKey(k)) {
              errors.at(t.getKeyNode(), "duplicate key '" + k + "' in " + key);
              return null;
            }
            positions.put(key + "." + k, t.getValueNode());
            Object v = value(type.getMapValueType(), t.getValueNode(), key + "." + k, what);
            if (v == null) {
              return null;
            }
            out.put(k, v);
          }
          return out;
        }
      default:
        break;
    }
    if (!(n instanceof ScalarNode s)) {
      return wrong(n, key, expectation(type));
    }
    String text =
        s.getTag().equals(Tag.STR)
                || s.getTag().equals(Tag.INT)
                || s.getTag().equals(Tag.FLOAT)
                || s.getTag().equals(Tag.BOOL)
            ? substitute(s, key)
            : s.getValue();
    if (text == null) {
      return null;
    }
    try {
      switch (type.getTypeName()) {
        case STRING:
          return text;
        case BOOLEAN:
          if (text.equals("true") || text.equals("false")) {
            return Boolean.valueOf(text);
          }
          return wrong(n, key, "true or false");
        case BYTE:
          return Byte.valueOf(text);
        case INT16:
          return Short.valueOf(text);
        case INT32:
          return Integer.valueOf(text);
        case INT64:
          return Long.valueOf(text);
        case FLOAT:
          return Float.valueOf(text);
        case DOUBLE:
          return Double.valueOf(text);
        case DECIMAL:
          return new BigDecimal(text);
        default:
          errors.at(n, key + ": the provider's configuration type " + type + " is not supported");
          return null;
      }
    } catch (NumberFormatException e) {
      return wrong(n, key, expectation(type));
    }
  }

  private static String expectation(FieldType type) {
    switch (type.getTypeName()) {
      case BYTE:
      case INT16:
      case INT32:
      case INT64:
        return "a whole number";
      case FLOAT:
      case DOUBLE:
      case DECIMAL:
        return "a number";
      case BOOLEAN:
        return "true or false";
      default:
        return "a single value";
    }
  }

  private @Nullable Object wrong(Node n, String key, String expected) {
    String got = Nodes.kind(n);
    // The value may be a secret read from a variable: show what was written, never the result.
    errors.at(n, key + ": expected " + expected + ", got " + got);
    return null;
  }

  /** {@code s}'s text with every {@code ${name}} replaced, or null after an error. */
  @Nullable String substitute(ScalarNode s, String key) {
    String text = s.getValue();
    Matcher m = VARIABLE.matcher(text);
    StringBuilder out = new StringBuilder();
    int quote =
        s.getScalarStyle() == DumperOptions.ScalarStyle.DOUBLE_QUOTED
                || s.getScalarStyle() == DumperOptions.ScalarStyle.SINGLE_QUOTED
            ? 1
            : 0;
    while (m.find()) {
      String name = m.group(1).trim();
      String value;
      try {
        value = variables.resolve(name);
      } catch (IllegalArgumentException e) {
        errors.at(s, quote + m.start(), key + ": " + e.getMessage());
        return null;
      }
      if (Variables.isSecret(name)) {
        errors.secret(value, name);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}
