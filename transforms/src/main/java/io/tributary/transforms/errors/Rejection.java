package io.tributary.transforms.errors;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.util.CoderUtils;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Why a record was rejected, as typed fields: the stage, a stable reason code, a message a person
 * can act on, and the name of the coder the payload was routed with (which tells a sink whether the
 * payload is text, original bytes or a {@link TruncatedPayload}).
 *
 * <p>A rejection travels inside the Beam {@link BadRecord} that {@link DeadLetters#reject} emits:
 * encoded with {@link #coder()} into {@code Record.encodedRecord}, with {@code Record.coder} set to
 * {@link #CODER_NAME}. The payload itself stays only in {@code Record.humanReadableJsonRecord} (no
 * second encoded copy), and the failure's description stays a readable {@code stage/reason:
 * message} for users' own error handlers; Tributary never parses it. {@link #from(BadRecord)} reads
 * a rejection back, from any bad record: one a handler or transform that is not Tributary's
 * recorded (a plain Beam {@code BadRecord}) becomes stage {@link #UNKNOWN} with a reason derived
 * from its exception's class, e.g. {@code illegal_state_exception}.
 *
 * <pre>{@code
 * // in a sink or a user's error handler
 * Rejection r = Rejection.from(badRecord);
 * String line = r.stage() + " " + r.reason() + " " + r.message();
 * }</pre>
 */
public final class Rejection implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Stage (and reason, when nothing better is known) of a bad record that is not Tributary's. */
  public static final String UNKNOWN = "unknown";

  /** The {@code Record.coder} of a bad record whose {@code encodedRecord} is a rejection. */
  public static final String CODER_NAME = RejectionCoder.INSTANCE.toString();

  private final String stage;
  private final String reason;
  private final String message;
  private final @Nullable String payloadCoder;

  private Rejection(String stage, String reason, String message, @Nullable String payloadCoder) {
    this.stage = stage;
    this.reason = reason;
    this.message = message;
    this.payloadCoder = payloadCoder;
  }

  /**
   * A rejection.
   *
   * @param stage the stage that rejected the record, e.g. {@code decode}
   * @param reason a stable lower_snake_case reason code, e.g. {@code missing_field}
   * @param message what is wrong and what was expected; any text, {@code /} and {@code :} included
   */
  public static Rejection of(String stage, String reason, String message) {
    return of(stage, reason, message, null);
  }

  /** A rejection whose payload was routed with the coder named {@code payloadCoder}. */
  public static Rejection of(
      String stage, String reason, String message, @Nullable String payloadCoder) {
    checkArgument(stage != null && !stage.isEmpty(), "Rejection.of: stage must be set");
    checkArgument(
        reason != null && reason.matches("[a-z0-9_]+"),
        "Rejection.of: reason must be lower_snake_case, got %s",
        reason);
    checkArgument(message != null, "Rejection.of: message must not be null");
    return new Rejection(stage, reason, message, payloadCoder);
  }

  /** The stage that rejected the record. */
  public String stage() {
    return stage;
  }

  /** The stable reason code. */
  public String reason() {
    return reason;
  }

  /** The message, as given. */
  public String message() {
    return message;
  }

  /**
   * The name of the coder the payload was routed with ({@code Coder.toString()}, e.g. {@code
   * ByteArrayCoder}), or null when none was given.
   */
  public @Nullable String payloadCoder() {
    return payloadCoder;
  }

  /** This rejection with the payload's coder name. */
  public Rejection withPayloadCoder(@Nullable String coderName) {
    return new Rejection(stage, reason, message, coderName);
  }

  /** The deterministic coder rejections travel with inside a {@link BadRecord}. */
  public static RejectionCoder coder() {
    return RejectionCoder.INSTANCE;
  }

  /** Whether {@code record} carries a Tributary rejection (was emitted by {@link DeadLetters}). */
  public static boolean isTributary(BadRecord record) {
    BadRecord.Record r = record.getRecord();
    return r != null && CODER_NAME.equals(r.getCoder()) && r.getEncodedRecord() != null;
  }

  /**
   * The rejection a bad record carries. A Tributary one is decoded from its typed fields; any other
   * (a plain Beam {@code BadRecord}) is stage {@link #UNKNOWN}, the reason its exception's class in
   * lower_snake_case ({@code IllegalStateException} gives {@code illegal_state_exception}, no
   * exception gives {@code unknown}), the message its description (or, without one, its exception
   * text), and the payload coder its {@code Record.coder}.
   */
  public static Rejection from(BadRecord record) {
    BadRecord.Failure failure = record.getFailure();
    if (isTributary(record)) {
      try {
        return CoderUtils.decodeFromByteArray(coder(), record.getRecord().getEncodedRecord());
      } catch (CoderException e) {
        return new Rejection(
            UNKNOWN,
            "unreadable_rejection",
            failure == null || failure.getDescription() == null ? "" : failure.getDescription(),
            null);
      }
    }
    String exception = failure == null ? null : failure.getException();
    String description = failure == null ? null : failure.getDescription();
    String message =
        description != null && !description.isEmpty()
            ? description
            : exception == null ? "" : exception;
    return new Rejection(
        UNKNOWN,
        reasonOfException(exception),
        message,
        record.getRecord() == null ? null : record.getRecord().getCoder());
  }

  /**
   * The reason code of a foreign failure: the simple name of the exception class that {@code
   * exceptionText} ({@code Throwable.toString()}) starts with, in lower_snake_case.
   */
  static String reasonOfException(@Nullable String exceptionText) {
    if (exceptionText == null) {
      return UNKNOWN;
    }
    int colon = exceptionText.indexOf(':');
    String className = (colon < 0 ? exceptionText : exceptionText.substring(0, colon)).trim();
    if (!className.matches("[A-Za-z_$][A-Za-z0-9_$.]*")) {
      return UNKNOWN;
    }
    String simple = className.substring(className.lastIndexOf('.') + 1);
    String snake =
        simple
            .replaceAll("([a-z0-9])([A-Z])", "$1_$2")
            .replaceAll("([A-Z]+)([A-Z][a-z])", "$1_$2")
            .toLowerCase(java.util.Locale.ROOT)
            .replaceAll("[^a-z0-9_]+", "_")
            .replaceAll("_+", "_")
            .replaceAll("^_|_$", "");
    return snake.isEmpty() ? UNKNOWN : snake;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof Rejection r)) {
      return false;
    }
    return stage.equals(r.stage)
        && reason.equals(r.reason)
        && message.equals(r.message)
        && Objects.equals(payloadCoder, r.payloadCoder);
  }

  @Override
  public int hashCode() {
    return Objects.hash(stage, reason, message, payloadCoder);
  }

  @Override
  public String toString() {
    return "Rejection{" + stage + ", " + reason + ", " + message + "}";
  }

  /** Coder of {@link Rejection}: stage, reason, message, payload coder name (nullable). */
  public static final class RejectionCoder extends AtomicCoder<Rejection> {
    private static final long serialVersionUID = 1L;
    private static final RejectionCoder INSTANCE = new RejectionCoder();
    private static final StringUtf8Coder TEXT = StringUtf8Coder.of();
    private static final NullableCoder<String> OPTIONAL_TEXT = NullableCoder.of(TEXT);

    private RejectionCoder() {}

    @Override
    public void encode(Rejection value, OutputStream out) throws IOException {
      TEXT.encode(value.stage, out);
      TEXT.encode(value.reason, out);
      TEXT.encode(value.message, out);
      OPTIONAL_TEXT.encode(value.payloadCoder, out);
    }

    @Override
    public Rejection decode(InputStream in) throws IOException {
      return new Rejection(
          TEXT.decode(in), TEXT.decode(in), TEXT.decode(in), OPTIONAL_TEXT.decode(in));
    }

    @Override
    public void verifyDeterministic() {}

    @Override
    public String toString() {
      return "TributaryRejectionCoder";
    }
  }
}
