package io.tributary.transforms.errors;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * The dead-letter payload of a record too large to keep: its first bytes (a preview), its length in
 * bytes and the SHA-256 of the whole record, so the original can be found and compared without the
 * dead letter holding it.
 *
 * <p>Route it with {@link #coder()}: dead-letter sinks recognise the payload by that coder (Beam's
 * {@code BadRecord} keeps the coder's name) and write the three values as typed fields ({@code
 * payload}, {@code payload_bytes}, {@code payload_sha256}, {@code payload_truncated}) instead of
 * parsing them out of a message.
 *
 * <pre>{@code
 * DeadLetters.reject(router, out,
 *     TruncatedPayload.of(preview, originalLength, sha256Hex), TruncatedPayload.coder(),
 *     new RecordRejectedException("read", "too_large", "..."));
 * }</pre>
 */
public final class TruncatedPayload implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String head;
  private final long originalBytes;
  private final String sha256;

  private TruncatedPayload(String head, long originalBytes, String sha256) {
    this.head = head;
    this.originalBytes = originalBytes;
    this.sha256 = sha256;
  }

  /**
   * A truncated payload.
   *
   * @param head the kept first bytes, decoded for reading (a preview, not the original bytes)
   * @param originalBytes the length of the whole record in bytes
   * @param sha256 lower-case hex SHA-256 of the whole record
   */
  public static TruncatedPayload of(String head, long originalBytes, String sha256) {
    checkArgument(head != null, "TruncatedPayload.of: head must not be null");
    checkArgument(
        originalBytes >= 0,
        "TruncatedPayload.of: originalBytes must be >= 0, got %s",
        originalBytes);
    checkArgument(
        sha256 != null && sha256.matches("[0-9a-f]{64}"),
        "TruncatedPayload.of: sha256 must be 64 lower-case hex digits, got %s",
        sha256);
    return new TruncatedPayload(head, originalBytes, sha256);
  }

  /** The kept first bytes as text. Getter names give Jackson its field names. */
  public String getHead() {
    return head;
  }

  /** The whole record's length in bytes. */
  public long getOriginalBytes() {
    return originalBytes;
  }

  /** Hex SHA-256 of the whole record. */
  public String getSha256() {
    return sha256;
  }

  /** The coder to route it with; sinks recognise truncated payloads by it. */
  public static TruncatedPayloadCoder coder() {
    return TruncatedPayloadCoder.INSTANCE;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof TruncatedPayload t)) {
      return false;
    }
    return originalBytes == t.originalBytes && head.equals(t.head) && sha256.equals(t.sha256);
  }

  @Override
  public int hashCode() {
    return Objects.hash(head, originalBytes, sha256);
  }

  @Override
  public String toString() {
    return "TruncatedPayload{" + originalBytes + " bytes, sha256 " + sha256 + "}";
  }

  /** Coder of {@link TruncatedPayload}: head, length, hash. */
  public static final class TruncatedPayloadCoder extends AtomicCoder<TruncatedPayload> {
    private static final TruncatedPayloadCoder INSTANCE = new TruncatedPayloadCoder();

    private TruncatedPayloadCoder() {}

    @Override
    public void encode(TruncatedPayload value, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(value.head, out);
      VarLongCoder.of().encode(value.originalBytes, out);
      StringUtf8Coder.of().encode(value.sha256, out);
    }

    @Override
    public TruncatedPayload decode(InputStream in) throws IOException {
      return new TruncatedPayload(
          StringUtf8Coder.of().decode(in),
          VarLongCoder.of().decode(in),
          StringUtf8Coder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
