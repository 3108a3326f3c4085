package io.tributary.pipelines.spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The values {@code ${name}} stands for in a spec: the run's options and the spec's {@code
 * options:} ({@code ${output}}), {@code ${env:NAME}} (an environment variable) and {@code
 * ${file:PATH}} (a file's content without its trailing newline). Secrets come only from the last
 * two; errors never show a resolved value.
 *
 * <pre>{@code
 * Variables vars = Variables.of(Map.of("output", "/tmp/out"));
 * vars.resolve("output"); // /tmp/out
 * }</pre>
 */
public final class Variables {
  private final Map<String, String> values;
  private final Map<String, String> environment;

  private Variables(Map<String, String> values, Map<String, String> environment) {
    this.values = values;
    this.environment = environment;
  }

  /** Named values, with the process environment for {@code env:}. */
  public static Variables of(Map<String, String> values) {
    return new Variables(new TreeMap<>(values), System.getenv());
  }

  /** The named values. */
  public Map<String, String> values() {
    return values;
  }

  /** Whether {@code name} ({@code env:X}, {@code file:P}) reads a secret, never to be shown. */
  public static boolean isSecret(String name) {
    return name.startsWith("env:") || name.startsWith("file:");
  }

  /** The value of {@code name}; throws naming the variable when there is none. */
  public String resolve(String name) {
    if (name.startsWith("env:")) {
      String var = name.substring(4);
      String v = environment.get(var);
      if (v == null) {
        throw new IllegalArgumentException(
            "${" + name + "}: the environment variable " + var + " is not set");
      }
      return v;
    }
    if (name.startsWith("file:")) {
      Path file = Path.of(name.substring(5));
      try {
        String v = Files.readString(file, StandardCharsets.UTF_8);
        return v.endsWith("\n") ? v.substring(0, v.length() - 1) : v;
      } catch (IOException e) {
        throw new IllegalArgumentException("${" + name + "}: cannot read " + file);
      }
    }
    String v = values.get(name);
    if (v == null) {
      throw new IllegalArgumentException(
          "unknown variable ${"
              + name
              + "}"
              + Suggest.didYouMean(name, values.keySet(), false)
              + "; define it under options: or use ${env:NAME} / ${file:PATH}");
    }
    return v;
  }
}
