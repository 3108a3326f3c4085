package io.tributary.pipelines.options;

import org.apache.beam.sdk.options.Description;

/**
 * The privacy policy that protects personal data before anything is written ({@code
 * --privacyPolicy}), with its keys ({@link KeyOptions}).
 *
 * <pre>{@code
 * tributary run clickstream ... --privacyPolicy=testdata/clickstream/privacy.json \
 *     --keyset=env:TRIBUTARY_KEYSET --subjectKeys=/var/lib/tributary/subject-keys
 * }</pre>
 */
@Description("Privacy")
public interface PrivacyOptions extends KeyOptions {
  @Description(
      "Privacy policy file (JSON: {\"subject\": FIELD, \"fields\": {FIELD: ACTION}}); default: the "
          + "contract's \"pii\" field properties (email masked, ip masked to /24).")
  String getPrivacyPolicy();

  void setPrivacyPolicy(String value);
}
