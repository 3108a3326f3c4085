package io.tributary.transforms.expr;

/**
 * An expression that does not compile against its row schema: a syntax error, an unknown field
 * (with the nearest field name, when one is close), or a type error. The message is one line and
 * ends with where the problem is, e.g. {@code undeclared reference to 'prise' (did you mean
 * 'price'?) at column 1}; {@link #line()} and {@link #column()} give the same position (1-based,
 * within the expression text) to a tool that underlines it.
 *
 * <pre>{@code
 * try {
 *   Expression.compile("prise > 10.0", schema);
 * } catch (ExpressionException e) {
 *   System.err.println(e.getMessage() + " in line " + e.line());
 * }
 * }</pre>
 */
public class ExpressionException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String problem;
  private final int line;
  private final int column;

  /**
   * An error at {@code line}:{@code column} (1-based). {@code problem} says what is wrong without
   * the position, which the message appends.
   */
  public ExpressionException(String problem, int line, int column) {
    super(
        problem + " at " + (line > 1 ? "line " + line + ", column " + column : "column " + column));
    this.problem = problem;
    this.line = line;
    this.column = column;
  }

  /** The same error, its message prefixed by {@code context} (e.g. the call and the field). */
  public ExpressionException withContext(String context) {
    return new ExpressionException(context + ": " + problem, line, column);
  }

  /** What is wrong, without the position. */
  public String problem() {
    return problem;
  }

  /** The line of the error, 1-based. */
  public int line() {
    return line;
  }

  /** The column of the error within its line, 1-based. */
  public int column() {
    return column;
  }
}
