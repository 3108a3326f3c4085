package io.tributary.transforms.privacy;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Which fields of a dataset are personal data and what to do with each, plus the field that
 * identifies the data subject (needed by {@code encrypt}).
 *
 * <p>Declared on the contract (an Avro field property {@code "pii": "encrypt"} or {@code "pii":
 * "mask:ipv4"}) or in a policy file:
 *
 * <pre>{@code
 * {"subject": "user_id",
 *  "fields": {"email": "encrypt", "ip": "mask:ipv4", "user_agent": "drop"}}
 *
 * PrivacyPolicy policy = PrivacyPolicy.fromFile(Path.of("testdata/clickstream/privacy.json"));
 * PrivacyPolicy same = PrivacyPolicy.fromAvro(avroSchema).withSubject("user_id");
 * }</pre>
 */
public final class PrivacyPolicy implements Serializable {
  private static final long serialVersionUID = 1L;
  private final Map<String, FieldPolicy> fields;
  private final String subjectField;

  private PrivacyPolicy(Map<String, FieldPolicy> fields, String subjectField) {
    this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    this.subjectField = subjectField;
  }

  /** A policy from explicit field -> action specs. */
  public static PrivacyPolicy of(Map<String, String> specs) {
    Map<String, FieldPolicy> fields = new LinkedHashMap<>();
    specs.forEach((field, spec) -> fields.put(field, parseFor(field, spec)));
    return new PrivacyPolicy(fields, null);
  }

  /**
   * The default action of each kind of personal data a contract may declare with {@code "pii":
   * KIND}: protections that need no keys, so a declared field is never written in clear even when
   * no keyset is configured. {@code "pii"} may also name an action directly.
   */
  public static final Map<String, String> DEFAULT_ACTIONS =
      Map.of(
          "email", "mask:email",
          "ip", "mask:ipv4",
          "phone", "mask:last4",
          "card", "mask:last4",
          "name", "mask:full",
          "address", "mask:full",
          "user_agent", "drop");

  /** Reads every field's {@code "pii"} property (a kind such as {@code email}, or an action). */
  public static PrivacyPolicy fromAvro(Schema schema) {
    Map<String, FieldPolicy> fields = new LinkedHashMap<>();
    for (Schema.Field f : schema.getFields()) {
      Object pii = f.getObjectProp("pii");
      if (pii != null) {
        fields.put(
            f.name(),
            parseFor(f.name(), DEFAULT_ACTIONS.getOrDefault(pii.toString(), pii.toString())));
      }
    }
    return new PrivacyPolicy(fields, null);
  }

  /** Reads a JSON policy file; errors name the file and the bad entry. */
  public static PrivacyPolicy fromFile(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "privacy policy "
              + file
              + ": cannot read it as JSON ("
              + e.getClass().getSimpleName()
              + ")");
    }
    checkArgument(
        root != null && root.path("fields").isObject(),
        "privacy policy %s: expected {\"subject\": FIELD, \"fields\": {FIELD: ACTION}}",
        file);
    Map<String, String> specs = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = root.path("fields").fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      checkArgument(
          e.getValue().isTextual(),
          "privacy policy %s: field '%s' must map to an action string",
          file,
          e.getKey());
      specs.put(e.getKey(), e.getValue().asText());
    }
    PrivacyPolicy policy;
    try {
      policy = of(specs);
    } catch (IllegalArgumentException bad) {
      throw new IllegalArgumentException("privacy policy " + file + ": " + bad.getMessage());
    }
    return root.hasNonNull("subject") ? policy.withSubject(root.get("subject").asText()) : policy;
  }

  private static FieldPolicy parseFor(String field, String spec) {
    try {
      return FieldPolicy.parse(spec);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("field '" + field + "': " + e.getMessage());
    }
  }

  /** The field whose value names the data subject (e.g. {@code user_id}). */
  public PrivacyPolicy withSubject(String field) {
    checkArgument(
        field != null && !field.isBlank(), "PrivacyPolicy.withSubject: field must not be empty");
    return new PrivacyPolicy(fields, field);
  }

  /** Field name -> policy, in declaration order. */
  public Map<String, FieldPolicy> fields() {
    return fields;
  }

  /** The subject field, or null. */
  public String subjectField() {
    return subjectField;
  }

  /** Whether any action needs the keyset. */
  public boolean needsKeys() {
    return fields.values().stream().anyMatch(FieldPolicy::needsKeys);
  }

  /** Whether any field is encrypted per subject. */
  public boolean encrypts() {
    return fields.values().stream().anyMatch(p -> p.action() == FieldPolicy.Action.ENCRYPT);
  }

  @Override
  public String toString() {
    return "PrivacyPolicy{subject=" + subjectField + ", fields=" + fields + "}";
  }
}
