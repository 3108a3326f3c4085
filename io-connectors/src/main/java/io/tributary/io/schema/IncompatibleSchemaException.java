package io.tributary.io.schema;

import java.util.List;

/**
 * Registering a schema version was refused because it breaks the subject's compatibility mode; the
 * message lists every problem, each naming the field and the rule.
 *
 * <pre>{@code
 * try {
 *   registry.register("clickstream-event", candidate);
 * } catch (IncompatibleSchemaException e) {
 *   e.problems().forEach(System.err::println);
 * }
 * }</pre>
 */
public final class IncompatibleSchemaException extends Exception {
  private static final long serialVersionUID = 1L;
  private final List<String> problems;

  IncompatibleSchemaException(String subject, Compatibility mode, List<String> problems) {
    super(subject + " is " + mode + ": " + withoutMode(mode, problems), null, false, false);
    this.problems = List.copyOf(problems);
  }

  /**
   * Each problem starts with the mode ("BACKWARD: the new version ..."); the message says it once.
   */
  private static String withoutMode(Compatibility mode, List<String> problems) {
    String prefix = mode.name() + ": ";
    return problems.stream()
        .map(p -> p.startsWith(prefix) ? p.substring(prefix.length()) : p)
        .collect(java.util.stream.Collectors.joining("; "));
  }

  /** One line per problem. */
  public List<String> problems() {
    return problems;
  }
}
