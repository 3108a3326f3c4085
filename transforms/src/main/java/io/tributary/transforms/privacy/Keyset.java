package io.tributary.transforms.privacy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Named secret keys with one primary: new tokens and ciphertexts use the primary key and carry its
 * id, older ids still decrypt, so keys rotate without rewriting data.
 *
 * <p>The JSON form, in a file (mode 600) or an environment variable:
 *
 * <pre>{@code
 * {"primary": "k2",
 *  "keys": {"k1": "<base64 of 32 random bytes>", "k2": "<base64 of 32 random bytes>"}}
 *
 * Keyset keys = Keyset.load(KeysetSource.file("/etc/tributary/keyset.json"));
 * byte[] material = keys.primary();
 * }</pre>
 *
 * <p>Errors name the source and what is wrong, never the key material; {@link #toString()} shows
 * only key ids.
 */
public final class Keyset {
  /** Minimum key length in bytes (256 bits). */
  public static final int KEY_BYTES = 32;

  private final String primaryId;
  private final Map<String, byte[]> keys;
  // Derived per purpose on first use (Crypto.derive is an HMAC: per record it cost as much as the
  // token itself).
  private final Map<String, Crypto.Hmac> derivedHmacs = new ConcurrentHashMap<>();
  private final Map<String, byte[]> derivedKeys = new ConcurrentHashMap<>();

  private Keyset(String primaryId, Map<String, byte[]> keys) {
    this.primaryId = primaryId;
    this.keys = Collections.unmodifiableMap(keys);
  }

  /**
   * Where a keyset comes from: a file path or an environment variable. Serializable, secret-free.
   */
  public static final class KeysetSource implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String kind;
    private final String name;

    private KeysetSource(String kind, String name) {
      this.kind = kind;
      this.name = name;
    }

    /** A JSON keyset file. */
    public static KeysetSource file(String path) {
      return new KeysetSource("file", path);
    }

    /** An environment variable holding the JSON keyset. */
    public static KeysetSource env(String variable) {
      return new KeysetSource("env", variable);
    }

    /** Parses {@code file:PATH} or {@code env:VARIABLE}, the form options use. */
    public static KeysetSource parse(String spec, String option) {
      if (spec != null && spec.startsWith("file:") && spec.length() > 5) {
        return file(spec.substring(5));
      }
      if (spec != null && spec.startsWith("env:") && spec.length() > 4) {
        return env(spec.substring(4));
      }
      throw new IllegalArgumentException(
          option + ": expected file:<path> or env:<VARIABLE>, got '" + spec + "'");
    }

    @Override
    public String toString() {
      return kind + ":" + name;
    }
  }

  /** Loads and checks a keyset; throws {@link IllegalArgumentException} naming the source. */
  public static Keyset load(KeysetSource source) {
    return load(source, System::getenv);
  }

  static Keyset load(KeysetSource source, Function<String, String> env) {
    String json;
    if (source.kind.equals("file")) {
      try {
        json = Files.readString(Path.of(source.name));
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "keyset " + source + ": cannot read the file (" + e.getClass().getSimpleName() + ")");
      }
    } else {
      json = env.apply(source.name);
      if (json == null || json.isBlank()) {
        throw new IllegalArgumentException(
            "keyset " + source + ": the environment variable is not set");
      }
    }
    return parse(json, source.toString());
  }

  static Keyset parse(String json, String where) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "keyset "
              + where
              + ": not valid JSON; expected {\"primary\": ID, \"keys\": {ID: base64}}");
    }
    if (root == null || !root.path("keys").isObject() || root.path("keys").size() == 0) {
      throw new IllegalArgumentException(
          "keyset " + where + ": 'keys' must be a non-empty object of id -> base64 key");
    }
    Map<String, byte[]> keys = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = root.path("keys").fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getKey().matches("[A-Za-z0-9_-]{1,32}")) {
        throw new IllegalArgumentException(
            "keyset " + where + ": key id '" + e.getKey() + "' must be 1-32 of [A-Za-z0-9_-]");
      }
      byte[] material;
      try {
        material = Base64.getDecoder().decode(e.getValue().asText(""));
      } catch (IllegalArgumentException bad) {
        throw new IllegalArgumentException(
            "keyset " + where + ": key '" + e.getKey() + "' is not base64");
      }
      if (material.length < KEY_BYTES) {
        throw new IllegalArgumentException(
            "keyset "
                + where
                + ": key '"
                + e.getKey()
                + "' has "
                + material.length
                + " bytes; expected at least "
                + KEY_BYTES);
      }
      keys.put(e.getKey(), material);
    }
    String primary = root.path("primary").asText("");
    if (!keys.containsKey(primary)) {
      throw new IllegalArgumentException(
          "keyset "
              + where
              + ": 'primary' must name one of "
              + keys.keySet()
              + ", got '"
              + primary
              + "'");
    }
    return new Keyset(primary, keys);
  }

  /** Id of the key new data is protected with. */
  public String primaryId() {
    return primaryId;
  }

  /** The primary key's material. */
  public byte[] primary() {
    return keys.get(primaryId).clone();
  }

  /** The material of key {@code id}; throws naming the id if the keyset lacks it. */
  public byte[] key(String id) {
    byte[] k = keys.get(id);
    if (k == null) {
      throw new IllegalArgumentException(
          "keyset has no key '" + id + "' (known: " + keys.keySet() + ")");
    }
    return k.clone();
  }

  /**
   * HMAC under key {@code id}'s key for {@code purpose} ({@link Crypto#derive}), derived and keyed
   * once per keyset; throws naming the id if the keyset lacks it.
   */
  Crypto.Hmac derivedHmac(String id, String purpose) {
    return derivedHmacs.computeIfAbsent(
        id + "\u0000" + purpose, k -> new Crypto.Hmac(Crypto.derive(key(id), purpose)));
  }

  /**
   * Key {@code id}'s key for {@code purpose} ({@link Crypto#derive}), derived once per keyset; the
   * caller must not change it. Throws naming the id if the keyset lacks it.
   */
  byte[] derivedKey(String id, String purpose) {
    return derivedKeys.computeIfAbsent(
        id + "\u0000" + purpose, k -> Crypto.derive(key(id), purpose));
  }

  @Override
  public String toString() {
    return "Keyset{primary=" + primaryId + ", ids=" + keys.keySet() + "}";
  }
}
