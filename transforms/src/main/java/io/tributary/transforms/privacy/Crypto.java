package io.tributary.transforms.privacy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The cryptographic primitives behind field policies, all from the JDK (no Tink: its protobuf is
 * newer than Beam's, see docs/architecture.md). Every output names the key it was made with, so
 * keys rotate.
 *
 * <ul>
 *   <li>{@code tk:<keyId>:<b64>} keyed token, HMAC-SHA256; one-way, equal inputs give equal tokens
 *       (joins and counts still work).
 *   <li>{@code dt:<keyId>:<b64>} deterministic, reversible token: AES-256-GCM whose nonce is an
 *       HMAC of the plaintext (the synthetic-IV construction), so equal inputs give equal tokens
 *       and the key holder can decrypt. The field name is bound as associated data.
 *   <li>{@code en:<keyId>:<b64>} randomized AES-256-GCM under a per-subject key, for
 *       crypto-shredding: destroy the subject's key and every copy becomes unreadable.
 * </ul>
 *
 * <pre>{@code
 * String token = Crypto.token(keyset, "email", "ana@example.com");     // tk:k2:...
 * String det = Crypto.deterministicEncrypt(keyset, "email", "ana@example.com");
 * String back = Crypto.deterministicDecrypt(keyset, "email", det);     // ana@example.com
 * }</pre>
 */
public final class Crypto {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int NONCE = 12;

  private Crypto() {}

  /** One-way keyed token of {@code value} with the primary key. */
  public static String token(Keyset keys, String field, String value) {
    String id = keys.primaryId();
    byte[] mac = keys.derivedHmac(id, "token").of(field + "\u0000" + value);
    return "tk:" + id + ":" + B64.encodeToString(mac);
  }

  /** Deterministic, reversible encryption of {@code value} with the primary key. */
  public static String deterministicEncrypt(Keyset keys, String field, String value) {
    String id = keys.primaryId();
    byte[] nonce = Arrays.copyOf(keys.derivedHmac(id, "siv").of(field + "\u0000" + value), NONCE);
    return "dt:"
        + id
        + ":"
        + B64.encodeToString(seal(keys.derivedKey(id, "enc"), nonce, field, value));
  }

  /** Decrypts a {@code dt:} token with whichever key id it names. */
  public static String deterministicDecrypt(Keyset keys, String field, String token) {
    String[] parts = split(token, "dt");
    String id = parts[1];
    String plain = open(keys.derivedKey(id, "enc"), B64D.decode(parts[2]), field);
    byte[] expected =
        Arrays.copyOf(keys.derivedHmac(id, "siv").of(field + "\u0000" + plain), NONCE);
    if (!MessageDigest.isEqual(expected, Arrays.copyOf(B64D.decode(parts[2]), NONCE))) {
      throw new IllegalArgumentException(
          "token for field '" + field + "' fails its integrity check");
    }
    return plain;
  }

  /** Randomized encryption under a subject's data key, named {@code keyId}. */
  public static String encrypt(byte[] subjectKey, String keyId, String field, String value) {
    byte[] nonce = new byte[NONCE];
    RANDOM.nextBytes(nonce);
    return "en:" + keyId + ":" + B64.encodeToString(seal(subjectKey, nonce, field, value));
  }

  /** The key id an {@code en:} ciphertext was made with. */
  public static String keyIdOf(String ciphertext) {
    return split(ciphertext, "en")[1];
  }

  /** Decrypts an {@code en:} ciphertext with the subject's data key. */
  public static String decrypt(byte[] subjectKey, String field, String ciphertext) {
    return open(subjectKey, B64D.decode(split(ciphertext, "en")[2]), field);
  }

  private static String[] split(String token, String kind) {
    String[] parts = token == null ? new String[0] : token.split(":", 3);
    if (parts.length != 3 || !parts[0].equals(kind)) {
      throw new IllegalArgumentException(
          "not a " + kind + ": token (expected " + kind + ":<keyId>:<data>)");
    }
    return parts;
  }

  private static byte[] seal(byte[] key, byte[] nonce, String field, String value) {
    try {
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
      gcm.init(
          Cipher.ENCRYPT_MODE,
          new SecretKeySpec(key, 0, 32, "AES"),
          new GCMParameterSpec(128, nonce));
      gcm.updateAAD(field.getBytes(StandardCharsets.UTF_8));
      byte[] ct = gcm.doFinal(value.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[NONCE + ct.length];
      System.arraycopy(nonce, 0, out, 0, NONCE);
      System.arraycopy(ct, 0, out, NONCE, ct.length);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable in this JVM", e);
    }
  }

  private static String open(byte[] key, byte[] sealed, String field) {
    if (sealed.length < NONCE + 16) {
      throw new IllegalArgumentException("ciphertext for field '" + field + "' is too short");
    }
    try {
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
      gcm.init(
          Cipher.DECRYPT_MODE,
          new SecretKeySpec(key, 0, 32, "AES"),
          new GCMParameterSpec(128, sealed, 0, NONCE));
      gcm.updateAAD(field.getBytes(StandardCharsets.UTF_8));
      return new String(gcm.doFinal(sealed, NONCE, sealed.length - NONCE), StandardCharsets.UTF_8);
    } catch (javax.crypto.AEADBadTagException e) {
      throw new IllegalArgumentException(
          "ciphertext for field '"
              + field
              + "' does not decrypt with its key (wrong key or tampered)");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable in this JVM", e);
    }
  }

  /** Separate keys per purpose from one key: HMAC(key, purpose), as HKDF-Expand with one block. */
  static byte[] derive(byte[] key, String purpose) {
    return hmac(key, "tributary/" + purpose);
  }

  static byte[] hmac(byte[] key, String data) {
    return newMac(key).doFinal(data.getBytes(StandardCharsets.UTF_8));
  }

  private static Mac newMac(byte[] key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable in this JVM", e);
    }
  }

  /**
   * HMAC-SHA256 under one key, set up once: each use works on a clone of an initialized {@code
   * Mac}, because looking the algorithm up and keying it cost more than the HMAC of a short value
   * (docs/performance.md). Safe to share between threads: the prototype itself is never updated.
   */
  static final class Hmac {
    private final byte[] key;
    private final Mac prototype;

    Hmac(byte[] key) {
      this.key = key.clone();
      this.prototype = newMac(this.key);
    }

    /** HMAC-SHA256 of {@code data}'s UTF-8 bytes. */
    byte[] of(String data) {
      Mac mac;
      try {
        mac = (Mac) prototype.clone();
      } catch (CloneNotSupportedException e) {
        mac = newMac(key); // a provider whose Mac cannot be cloned: key it afresh
      }
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Fresh random key material for a subject. */
  static byte[] newKey() {
    byte[] k = new byte[Keyset.KEY_BYTES];
    RANDOM.nextBytes(k);
    return k;
  }
}
