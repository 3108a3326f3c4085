package io.tributary.pipelines.clickstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.io.schema.SchemaRegistry;
import io.tributary.pipelines.runtime.UsageException;
import io.tributary.transforms.privacy.Keyset;
import io.tributary.transforms.privacy.PayloadScrubber;
import io.tributary.transforms.privacy.PrivacyPolicy;
import io.tributary.transforms.privacy.Protect;
import io.tributary.transforms.privacy.ProtectionSpec;
import java.nio.file.Path;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;

/**
 * The privacy stage of clickstream: the policy (a file, or the contract's {@code "pii"} properties)
 * and its keys, applied to the events before anything is written, and to every dead-letter and
 * quarantine payload.
 *
 * <pre>{@code
 * tributary run clickstream ... --privacyPolicy=testdata/clickstream/privacy.json \
 *     --keyset=env:TRIBUTARY_KEYSET --subjectKeys=/var/lib/tributary/subject-keys
 * }</pre>
 */
public final class ClickstreamPrivacy {
  private ClickstreamPrivacy() {}

  /** The policy and key sources the options ask for. */
  static ProtectionSpec spec(ClickstreamOptions o) {
    PrivacyPolicy policy =
        o.getPrivacyPolicy() == null
            ? PrivacyPolicy.fromAvro(
                SchemaRegistry.bundled().latest(ClickstreamPipeline.SUBJECT).schema())
            : PrivacyPolicy.fromFile(Path.of(o.getPrivacyPolicy()));
    Keyset.KeysetSource keys =
        o.getKeyset() == null ? null : Keyset.KeysetSource.parse(o.getKeyset(), "--keyset");
    return ProtectionSpec.of(
        policy, keys, o.getSubjectKeys(), o.getSubjectKeys() == null ? null : o.getIndexKeyId());
  }

  /** Checks policy and keys at start: one line naming the option and the problem. */
  static void validate(ClickstreamOptions o) throws UsageException {
    try {
      ProtectionSpec spec = spec(o);
      if (spec.policy().needsKeys() && o.getKeyset() == null) {
        throw new UsageException(
            "--keyset: the privacy policy tokenizes or encrypts; expected file:<path> or env:<VARIABLE>");
      }
      if (spec.policy().encrypts() && o.getSubjectKeys() == null) {
        throw new UsageException(
            "--subjectKeys: the privacy policy encrypts per subject; expected a directory");
      }
      spec.protector().outputSchema(ClickstreamPipeline.EVENT_SCHEMA);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  /** The Protect transform for the events. */
  static Protect protect(ClickstreamOptions o, ErrorHandler<BadRecord, ?> deadLetters) {
    ProtectionSpec spec = spec(o);
    Protect p = Protect.with(spec.policy());
    if (o.getKeyset() != null) {
      p = p.withKeyset(Keyset.KeysetSource.parse(o.getKeyset(), "--keyset"));
    }
    if (o.getSubjectKeys() != null) {
      p = p.withSubjectKeys(o.getSubjectKeys(), o.getIndexKeyId());
    }
    return p.withBadRecordErrorHandler(deadLetters);
  }

  /** Protects the {@code record} field of quarantine JSON lines (the original row, as JSON). */
  static final class ScrubRecordFn extends DoFn<String, String> {
    private final ProtectionSpec spec;
    private transient PayloadScrubber scrubber;
    private transient ObjectMapper mapper;

    ScrubRecordFn(ProtectionSpec spec) {
      this.spec = spec;
    }

    @Setup
    public void setup() {
      scrubber = PayloadScrubber.create(spec.protector());
      mapper = new ObjectMapper();
    }

    @ProcessElement
    public void process(@Element String line, OutputReceiver<String> out) throws Exception {
      ObjectNode node = (ObjectNode) mapper.readTree(line);
      if (node.hasNonNull("record")) {
        node.put("record", scrubber.scrub(node.get("record").asText()));
      }
      out.output(mapper.writeValueAsString(node));
    }
  }
}
