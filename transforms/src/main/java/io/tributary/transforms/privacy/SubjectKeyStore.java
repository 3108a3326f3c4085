package io.tributary.transforms.privacy;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Per-subject data keys for crypto-shredding, in a directory (local runs; every worker must see the
 * same directory): one file per subject, named by a keyed hash of the subject id so the directory
 * listing reveals no ids. {@link #destroy} deletes the file: every {@code en:} value of that
 * subject, in any copy anywhere, is unreadable from then on.
 *
 * <p>Given a {@code jdbc:postgresql://host:port/db} URL instead of a directory, the keys live in
 * the PostgreSQL table {@code tributary_subject_keys} (created when absent; credentials from the
 * URL or {@code PGUSER}/{@code PGPASSWORD}), which every worker of a cluster can reach; the first
 * writer of a key wins there too ({@code INSERT ... ON CONFLICT DO NOTHING}).
 *
 * <pre>{@code
 * SubjectKeyStore store = SubjectKeyStore.directory(
 *     "/var/lib/tributary/subject-keys", Keyset.KeysetSource.file("/etc/tributary/keyset.json"), "k1");
 * SubjectKeyStore.SubjectKey key = store.getOrCreate("u-00042");
 * String ct = Crypto.encrypt(key.material(), key.id(), "email", "ana@example.com");
 * store.destroy("u-00042");   // erasure: ct can never be decrypted again
 * }</pre>
 */
public final class SubjectKeyStore implements Serializable {
  private static final long serialVersionUID = 1L;
  private final String directory;
  private final Keyset.KeysetSource keyset;
  private final String indexKeyId;
  private transient byte[] indexKey;
  private transient SubjectKeyTable table;

  private SubjectKeyStore(String directory, Keyset.KeysetSource keyset, String indexKeyId) {
    this.directory = directory;
    this.keyset = keyset;
    this.indexKeyId = indexKeyId;
  }

  /**
   * A store in {@code directory}, or in PostgreSQL when it is a {@code jdbc:postgresql:} URL.
   * Subject ids are hashed with key {@code indexKeyId} of the keyset, named explicitly (not "the
   * primary") so that rotating the primary key does not orphan existing subject keys. The store
   * holds only the keyset's source; workers load it themselves.
   */
  public static SubjectKeyStore directory(
      String directory, Keyset.KeysetSource keyset, String indexKeyId) {
    SubjectKeyStore store = new SubjectKeyStore(directory, keyset, indexKeyId);
    store.indexKey(); // fail at construction, naming the source, if the key cannot be loaded
    return store;
  }

  private byte[] indexKey() {
    if (indexKey == null) {
      indexKey = Crypto.derive(Keyset.load(keyset).key(indexKeyId), "subject-index");
    }
    return indexKey;
  }

  /** A subject's key: its id (as written into ciphertexts) and material. */
  public static final class SubjectKey {
    private final String id;
    private final byte[] material;

    SubjectKey(String id, byte[] material) {
      this.id = id;
      this.material = material;
    }

    /** The key id, {@code s-<hash>}. */
    public String id() {
      return id;
    }

    /** The key material. */
    public byte[] material() {
      return material.clone();
    }
  }

  /** The key id for a subject, whether or not its key exists. */
  public String keyId(String subject) {
    return keyId(indexKey(), subject);
  }

  /**
   * The key id of {@code subject} in any store indexed with key {@code indexKeyId} of {@code keys}:
   * a keyed hash, so it also serves as a pseudonymous token of the subject (audit records), stable
   * while the index key is kept, whatever the primary key.
   */
  public static String keyIdFor(Keyset keys, String indexKeyId, String subject) {
    // The keyset derives the index key once, not per request.
    return keyId(keys.derivedKey(indexKeyId, "subject-index"), subject);
  }

  private static String keyId(byte[] indexKey, String subject) {
    return "s-" + HexFormat.of().formatHex(Crypto.hmac(indexKey, subject), 0, 16);
  }

  /**
   * The PostgreSQL backend, when the store's location is a {@code jdbc:postgresql:} URL; else null.
   */
  private synchronized SubjectKeyTable table() {
    if (table == null && SubjectKeyTable.isTable(directory)) {
      table = new SubjectKeyTable(directory);
    }
    return table;
  }

  /** {@code directory} or {@code postgresql}: where the keys are kept. */
  public String kind() {
    return SubjectKeyTable.isTable(directory) ? "postgresql" : "directory";
  }

  /** The subject's key, created atomically on first use (concurrent workers agree on one key). */
  public SubjectKey getOrCreate(String subject) {
    String id = keyId(subject);
    if (table() != null) {
      return new SubjectKey(id, table().getOrCreate(id, Crypto.newKey()));
    }
    Path file = Path.of(directory, id + ".key");
    try {
      Files.createDirectories(file.getParent());
      byte[] fresh = HexFormat.of().formatHex(Crypto.newKey()).getBytes(StandardCharsets.US_ASCII);
      Path tmp = Files.createTempFile(file.getParent(), id, ".tmp");
      Files.write(tmp, fresh, StandardOpenOption.TRUNCATE_EXISTING);
      try {
        // A hard link is created atomically or fails if the file exists: the first writer wins.
        Files.createLink(file, tmp);
      } catch (FileAlreadyExistsException raced) {
        // another worker created it first; use theirs
      } finally {
        Files.deleteIfExists(tmp);
      }
      return read(id, file)
          .orElseThrow(
              () -> new IllegalStateException("subject key " + id + " vanished while created"));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "subject key store " + directory + ": cannot create key " + id, e);
    }
  }

  /** The key named {@code keyId}, if it has not been destroyed. */
  public Optional<SubjectKey> find(String keyId) {
    if (!keyId.matches("s-[0-9a-f]{32}")) {
      return Optional.empty();
    }
    if (table() != null) {
      return table().find(keyId).map(material -> new SubjectKey(keyId, material));
    }
    try {
      return read(keyId, Path.of(directory, keyId + ".key"));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "subject key store " + directory + ": cannot read key " + keyId, e);
    }
  }

  /** Destroys the subject's key; returns its id if there was one. */
  public Optional<String> destroy(String subject) {
    String id = keyId(subject);
    if (table() != null) {
      return table().delete(id) ? Optional.of(id) : Optional.empty();
    }
    try {
      return Files.deleteIfExists(Path.of(directory, id + ".key"))
          ? Optional.of(id)
          : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "subject key store " + directory + ": cannot delete key " + id, e);
    }
  }

  private static Optional<SubjectKey> read(String id, Path file) throws IOException {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    String hex = Files.readString(file, StandardCharsets.US_ASCII).trim();
    return Optional.of(new SubjectKey(id, HexFormat.of().parseHex(hex)));
  }

  @Override
  public String toString() {
    return "SubjectKeyStore{" + SubjectKeyTable.display(directory) + "}";
  }
}
