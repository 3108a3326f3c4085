package io.tributary.pipelines.spec;

import java.util.Objects;

/**
 * One mistake in a spec, at a place: {@code clickstream.yaml:12:7: unknown key 'confg' (did you
 * mean 'config'?)}. Lines and columns are 1-based, as editors count them.
 *
 * <pre>{@code
 * SpecError e = SpecError.at(Path.of("p.yaml").toString(), 12, 7, "unknown key 'confg'");
 * System.err.println(e); // p.yaml:12:7: unknown key 'confg'
 * }</pre>
 */
public final class SpecError {
  private final String file;
  private final int line;
  private final int column;
  private final String message;

  private SpecError(String file, int line, int column, String message) {
    this.file = file;
    this.line = line;
    this.column = column;
    this.message = message;
  }

  /** A mistake at {@code line}:{@code column} of {@code file}. */
  public static SpecError at(String file, int line, int column, String message) {
    return new SpecError(file, line, column, message);
  }

  /** The file as given to the command. */
  public String file() {
    return file;
  }

  /** 1-based line. */
  public int line() {
    return line;
  }

  /** 1-based column. */
  public int column() {
    return column;
  }

  /** What is wrong and what was expected, one line. */
  public String message() {
    return message;
  }

  @Override
  public String toString() {
    return file + ":" + line + ":" + column + ": " + message;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SpecError e
        && e.file.equals(file)
        && e.line == line
        && e.column == column
        && e.message.equals(message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(file, line, column, message);
  }
}
