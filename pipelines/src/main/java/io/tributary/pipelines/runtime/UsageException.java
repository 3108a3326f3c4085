package io.tributary.pipelines.runtime;

/**
 * A user mistake (bad option, missing input): printed as one line, exit code 2, no stack trace.
 *
 * <pre>{@code
 * throw new UsageException("--input: no file matches '/no/such/file'");
 * }</pre>
 */
public final class UsageException extends Exception {
  private static final long serialVersionUID = 1L;

  /** A one-line message that names the option or field and what was expected. */
  public UsageException(String message) {
    super(message, null, false, false);
  }
}
