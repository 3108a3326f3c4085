package io.tributary.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Where the keys live: the keyset ({@code --keyset}), the per-subject key store ({@code
 * --subjectKeys}) and the keyset key that indexes subject ids in it ({@code --indexKeyId}). The
 * producing pipelines and erasure must name the same ones.
 *
 * <pre>{@code
 * tributary run erasure ... --keyset=env:TRIBUTARY_KEYSET --subjectKeys=/var/lib/tributary/subject-keys
 * }</pre>
 */
@Description("Keys")
public interface KeyOptions extends PipelineOptions {
  // No @Default on keyset and subjectKeys: whether they are required depends on the job.
  @Description(
      "Keyset: file:<path> or env:<VARIABLE> (never on the command line itself). Tokenize and "
          + "encrypt policies need it; erasure requires it (it hashes subject ids in the audit and "
          + "indexes the subject key store).")
  String getKeyset();

  void setKeyset(String value);

  @Description(
      "Per-subject key store for encrypt policies (crypto-shredding): a directory every worker "
          + "sees, or a jdbc:postgresql:// URL of a key table; unset: no subject keys.")
  String getSubjectKeys();

  void setSubjectKeys(String value);

  @Description(
      "Id of the keyset key that indexes subject ids in --subjectKeys; keep it when rotating the primary.")
  @Default.String("k1")
  String getIndexKeyId();

  void setIndexKeyId(String value);
}
