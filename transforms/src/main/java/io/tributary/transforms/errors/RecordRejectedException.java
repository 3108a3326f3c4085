package io.tributary.transforms.errors;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

/**
 * Why a record was rejected: the pipeline stage, a stable machine-readable reason code, and a
 * message a person can act on.
 *
 * <p>This is the exception Tributary transforms hand to Beam's {@code BadRecordRouter}. With an
 * error handler registered it becomes the {@code BadRecord}'s failure; without one it is thrown, so
 * bad input stops the pipeline instead of disappearing. It carries no stack trace: the cause is the
 * data, not the code, and a stack trace per bad line would only bloat the dead letters.
 *
 * <pre>{@code
 * throw new RecordRejectedException("decode", "missing_field", "required field 'price' is absent");
 * }</pre>
 */
public final class RecordRejectedException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String stage;
  private final String reason;

  /**
   * Creates a rejection.
   *
   * @param stage the pipeline stage that rejected the record, e.g. {@code parse}
   * @param reason a stable, lower_snake_case reason code, e.g. {@code missing_field}
   * @param message what is wrong and what was expected, naming the field; never the field's value
   *     when it may be personal data
   */
  public RecordRejectedException(String stage, String reason, String message) {
    super(message, null, false, false);
    checkArgument(stage != null && !stage.isEmpty(), "stage must be set");
    checkArgument(
        reason != null && reason.matches("[a-z0-9_]+"),
        "reason must be lower_snake_case, got %s",
        reason);
    this.stage = stage;
    this.reason = reason;
  }

  /** The stage that rejected the record. */
  public String stage() {
    return stage;
  }

  /** The stable reason code. */
  public String reason() {
    return reason;
  }

  /** The rejection as typed fields, the form it travels in inside a {@code BadRecord}. */
  public Rejection rejection() {
    return Rejection.of(stage, reason, String.valueOf(getMessage()));
  }

  /**
   * The text stored as the {@code BadRecord} failure description, for people and users' own error
   * handlers: {@code stage/reason: message}. Tributary never parses it: the stage, reason and
   * message travel as typed fields ({@link Rejection#from}).
   */
  public String description() {
    return stage + "/" + reason + ": " + getMessage();
  }
}
