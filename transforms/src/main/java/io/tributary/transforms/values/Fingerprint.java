package io.tributary.transforms.values;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 fingerprints of text, unkeyed: for a message that must say <i>which</i> value without
 * writing it (a lookup key in a dead letter or an exception, a record too large to keep).
 *
 * <p>{@link #of} is the short form for messages: {@code sha256:} and the first 12 hex digits of the
 * SHA-256 of the value's string form in UTF-8, e.g. {@code sha256:2cf24dba5fb0} for {@code hello}.
 * It cannot be turned back into the value, yet anyone holding a suspect value computes the same
 * fingerprint and compares:
 *
 * <pre>{@code
 * printf %s 'hello' | sha256sum | cut -c1-12     # 2cf24dba5fb0
 * }</pre>
 *
 * <p>An unkeyed hash of a value from a small set (a 6-digit id) can be found by trying every value:
 * a fingerprint says which one to someone who could list them all anyway. For values that must stay
 * unlinkable use a keyed {@link io.tributary.transforms.privacy.Crypto#token} instead.
 */
public final class Fingerprint {
  /** Hex digits of the short fingerprint: 48 bits, collisions unlikely below millions of values. */
  public static final int SHORT_HEX = 12;

  private Fingerprint() {}

  /**
   * {@code sha256:} and the first {@value #SHORT_HEX} hex digits of {@code String.valueOf(value)}.
   */
  public static String of(Object value) {
    return "sha256:" + sha256Hex(String.valueOf(value)).substring(0, SHORT_HEX);
  }

  /** The lower-case hex SHA-256 (64 digits) of {@code text} in UTF-8. */
  public static String sha256Hex(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
