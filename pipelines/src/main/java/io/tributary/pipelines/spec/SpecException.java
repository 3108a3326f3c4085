package io.tributary.pipelines.spec;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A spec that cannot run: every {@link SpecError} found, in file order. The message is one line per
 * error, each {@code file:line:column: message}.
 *
 * <pre>{@code
 * try {
 *   Spec spec = SpecParser.parse(path);
 * } catch (SpecException e) {
 *   e.errors().forEach(System.err::println);
 * }
 * }</pre>
 */
public final class SpecException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  @SuppressWarnings("serial") // never serialized: thrown to the command line
  private final List<SpecError> errors;

  /** A spec with {@code errors} (at least one). */
  public SpecException(List<SpecError> errors) {
    super(errors.stream().map(SpecError::toString).collect(Collectors.joining("\n")));
    this.errors = List.copyOf(errors);
  }

  /** The errors, in file order. */
  public List<SpecError> errors() {
    return errors;
  }
}
