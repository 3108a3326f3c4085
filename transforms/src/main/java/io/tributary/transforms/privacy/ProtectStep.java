package io.tributary.transforms.privacy;

import io.tributary.transforms.lineage.ColumnLineage.Transformation;
import io.tributary.transforms.spec.FieldLineage;
import io.tributary.transforms.spec.RecordStageStep;
import io.tributary.transforms.spec.StepConfig;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.stages.RecordStage;
import java.nio.file.Path;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.values.Row;

/**
 * The {@code Protect} step: {@link Protect} applies a privacy policy (mask, tokenize, encrypt per
 * subject, drop) to the fields it names, before any output sees them. Keys come only from a file or
 * an environment variable ({@code keyset: env:TRIBUTARY_KEYSET}).
 *
 * <pre>{@code
 * - type: Protect
 *   name: protect
 *   config:
 *     fields: {email: "mask:email", ip: "mask:ipv4", user_agent: drop}
 * }</pre>
 */
public final class ProtectStep extends RecordStageStep {
  @Override
  public String typeName() {
    return "Protect";
  }

  @Override
  public String description() {
    return "Protects personal data field by field (mask, tokenize, encrypt per subject, drop) by a"
        + " privacy policy written inline or in a policy file; keys from a file or the"
        + " environment only.";
  }

  @Override
  public Schema configurationSchema() {
    return Schema.of(
        Field.nullable("fields", FieldType.map(FieldType.STRING, FieldType.STRING))
            .withDescription(
                "Field -> action: mask:email, mask:ipv4, mask:last4, mask:full,"
                    + " tokenize, encrypt, drop."),
        Field.nullable("policy", FieldType.STRING)
            .withDescription("A policy file (JSON: subject, fields) instead of fields."),
        Field.nullable("subject", FieldType.STRING)
            .withDescription("The field naming the data subject (for per-subject encryption)."),
        Field.nullable("keyset", FieldType.STRING)
            .withDescription("Where the keys are: file:<path> or env:<VARIABLE>."),
        Field.nullable("subject_keys", FieldType.STRING)
            .withDescription("Directory of per-subject keys (crypto-shredding)."),
        Field.nullable("index_key_id", FieldType.STRING)
            .withDescription("Key id of the subject index, with subject_keys."));
  }

  @Override
  public RecordStage recordStage(Row configuration, StepContext context) {
    return protect(configuration, context);
  }

  private static Protect protect(Row configuration, StepContext context) {
    StepConfig c = StepConfig.of(configuration);
    Map<String, String> fields = c.stringMap("fields");
    String file = c.string("policy");
    if (fields.isEmpty() == (file == null)) {
      throw c.error("fields", "give exactly one of 'fields' (inline) and 'policy' (a file)");
    }
    PrivacyPolicy policy;
    try {
      policy = file != null ? PrivacyPolicy.fromFile(Path.of(file)) : PrivacyPolicy.of(fields);
    } catch (IllegalArgumentException e) {
      throw c.error(file != null ? "policy" : "fields", e.getMessage());
    }
    if (c.has("subject")) {
      policy = policy.withSubject(c.requiredString("subject"));
    }
    Protect protect = Protect.with(policy).withStageName(context.stageName());
    String keyset = c.string("keyset");
    if (keyset != null) {
      try {
        protect = protect.withKeyset(Keyset.KeysetSource.parse(keyset, c.key("keyset")));
      } catch (IllegalArgumentException e) {
        throw c.error("keyset", e.getMessage());
      }
    } else if (policy.needsKeys()) {
      throw c.error(
          "keyset", "the policy tokenizes or encrypts: 'keyset' is required (file: or env:)");
    }
    if (c.has("subject_keys")) {
      protect =
          protect.withSubjectKeys(
              c.requiredString("subject_keys"), c.requiredString("index_key_id"));
    }
    if (context.errorHandler() != null) {
      protect = protect.withBadRecordErrorHandler(context.errorHandler());
    }
    return protect;
  }

  @Override
  public FieldLineage fieldLineage(Row configuration, Schema input, Schema output) {
    StepConfig c = StepConfig.of(configuration);
    Map<String, String> fields = c.stringMap("fields");
    java.util.Set<String> masked =
        fields.isEmpty()
            ? PrivacyPolicy.fromFile(Path.of(c.requiredString("policy"))).fields().keySet()
            : fields.keySet();
    FieldLineage.Builder b = FieldLineage.builder();
    for (String f : output.getFieldNames()) {
      boolean m = masked.contains(f);
      b.field(f, f, Transformation.direct(m ? "TRANSFORMATION" : "IDENTITY", m));
    }
    return b.build();
  }
}
