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
    super(subject + " is " + mode + ": " + String.join("; ", problems), null, false, false);
    this.problems = List.copyOf(problems);
  }

  /** One line per problem. */
  public List<String> problems() {
    return problems;
  }
}
