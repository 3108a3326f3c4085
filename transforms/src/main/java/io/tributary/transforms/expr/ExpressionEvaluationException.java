package io.tributary.transforms.expr;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * An {@link Expression} that failed on one row: division by zero, a missing map key or list index,
 * an integer overflow, or a null where a value is needed. The message says what failed and where in
 * the expression, never with the row's values (they may be personal data), e.g. {@code division by
 * zero at column 7}. {@link MapFields} and {@link FilterRows} turn it into a rejection.
 *
 * <pre>{@code
 * try {
 *   expression.evaluate(row);
 * } catch (ExpressionEvaluationException e) {
 *   reject(row, "expression_error", e.getMessage());
 * }
 * }</pre>
 */
public class ExpressionEvaluationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A failure described by {@code message} (which must not carry row values). */
  public ExpressionEvaluationException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
