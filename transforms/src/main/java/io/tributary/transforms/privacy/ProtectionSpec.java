package io.tributary.transforms.privacy;

import java.io.Serializable;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Everything needed to build a {@link FieldProtector} on a worker, without any key material: the
 * policy and where the keys live. Shared by {@link Protect} and {@link PayloadScrubber}, so the
 * data and its dead letters are protected by exactly the same policy and keys.
 *
 * <pre>{@code
 * ProtectionSpec spec = ProtectionSpec.of(policy, Keyset.KeysetSource.env("TRIBUTARY_KEYSET"),
 *     "/var/lib/tributary/subject-keys", "k1");
 * FieldProtector protector = spec.protector(); // loads the keys now
 * }</pre>
 */
public final class ProtectionSpec implements Serializable {
  private static final long serialVersionUID = 1L;
  private final PrivacyPolicy policy;
  private final Keyset.@Nullable KeysetSource keyset;
  private final @Nullable String subjectKeyDirectory;
  private final @Nullable String indexKeyId;

  private ProtectionSpec(
      PrivacyPolicy policy,
      Keyset.@Nullable KeysetSource keyset,
      @Nullable String subjectKeyDirectory,
      @Nullable String indexKeyId) {
    this.policy = policy;
    this.keyset = keyset;
    this.subjectKeyDirectory = subjectKeyDirectory;
    this.indexKeyId = indexKeyId;
  }

  /** A spec; the key sources may be null when the policy needs no keys. */
  public static ProtectionSpec of(
      PrivacyPolicy policy,
      Keyset.@Nullable KeysetSource keyset,
      @Nullable String subjectKeyDirectory,
      @Nullable String indexKeyId) {
    return new ProtectionSpec(policy, keyset, subjectKeyDirectory, indexKeyId);
  }

  /** The policy. */
  public PrivacyPolicy policy() {
    return policy;
  }

  /** Loads the keys and builds the protector; throws naming the source when a key is missing. */
  public FieldProtector protector() {
    Keyset keys = keyset == null ? null : Keyset.load(keyset);
    SubjectKeyStore store =
        subjectKeyDirectory == null
            ? null
            : SubjectKeyStore.directory(subjectKeyDirectory, keyset, indexKeyId);
    return FieldProtector.create(policy, keys, store);
  }

  @Override
  public String toString() {
    return policy
        + (keyset == null ? "" : ", keyset=" + keyset)
        + (subjectKeyDirectory == null
            ? ""
            : ", subjectKeys=" + SubjectKeyTable.display(subjectKeyDirectory));
  }
}
