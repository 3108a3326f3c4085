package io.tributary.pipelines.clickstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.pipelines.runtime.UsageException;
import io.tributary.transforms.privacy.PayloadScrubber;
import io.tributary.transforms.privacy.Protect;
import io.tributary.transforms.privacy.ProtectionSpec;
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

  /**
   * Checks at start that the keys of {@code settings}' policy load and that the policy fits the
   * contract: one line naming the option and the problem. The policy and its options were checked
   * when the settings were parsed.
   */
  static void validate(ClickstreamSettings settings) throws UsageException {
    try {
      settings.protection().protector().outputSchema(ClickstreamPipeline.EVENT_SCHEMA);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  /** The Protect transform for the events: the policy and keys of the run's one ProtectionSpec. */
  static Protect protect(ClickstreamSettings settings, ErrorHandler<BadRecord, ?> deadLetters) {
    Protect p = Protect.with(settings.protection().policy());
    if (settings.keyset() != null) {
      p = p.withKeyset(settings.keyset());
    }
    if (settings.subjectKeys() != null) {
      p = p.withSubjectKeys(settings.subjectKeys(), settings.indexKeyId());
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
