package io.tributary.transforms.spec;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A step's configuration is wrong: names the key (dotted for nested keys, {@code rules.1.field}) so
 * the spec checker can point at its line and column, and, for an expression, the column inside the
 * value.
 *
 * <pre>{@code
 * throw new StepConfigException("ttl", "expected a duration like 30s or 1h, got 'soon'");
 * }</pre>
 */
public class StepConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final int valueColumn;

  /** The value of {@code key} is wrong; {@code message} says what was expected. */
  public StepConfigException(String key, String message) {
    this(key, 0, message, null);
  }

  /**
   * The value of {@code key} is wrong at {@code valueColumn} (1-based, inside the value's text; 0
   * when the whole value is meant).
   */
  public StepConfigException(
      String key, int valueColumn, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.key = key;
    this.valueColumn = valueColumn;
  }

  /** The configuration key, dotted for nested keys and list positions ({@code rules.0.reason}). */
  public String key() {
    return key;
  }

  /** 1-based column inside the value's text, or 0. */
  public int valueColumn() {
    return valueColumn;
  }
}
