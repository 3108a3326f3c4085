package io.tributary.io.deadletter;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.io.files.JsonLinesFiles;
import io.tributary.transforms.errors.Rejection;
import io.tributary.transforms.errors.TruncatedPayload;
import io.tributary.transforms.privacy.PayloadScrubber;
import io.tributary.transforms.privacy.ProtectionSpec;
import java.util.Base64;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.values.PCollection;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Writes bad records as JSON lines, one object per rejected input: {@code
 * {"stage":"decode","reason":"missing_field","message":"required field 'price' ...",
 * "payload":"<the original line>","exception":...}}.
 *
 * <p>The stage, reason and message are read as typed fields ({@link Rejection#from}), never parsed
 * out of the failure's description, so a message may hold any text. Bad records that other
 * transforms recorded (plain Beam {@code BadRecord}s) are written too, under stage {@code unknown}
 * with the reason their exception's class.
 *
 * <p>Two kinds of payload get fields of their own, recognised by the coder the record was routed
 * with (never by its reason): original bytes ({@code byte[]} with {@code ByteArrayCoder}, e.g. a
 * line that is not UTF-8) are written as {@code "payload":"<base64>","payload_encoding":"base64"};
 * a {@link TruncatedPayload} (a record over the size limit) as {@code "payload":"<the kept
 * head>","payload_truncated":true,"payload_bytes":<original length>,"payload_sha256":"<hex>"}. Text
 * payloads have no {@code payload_encoding}.
 *
 * <p>Every payload is scrubbed before it is written ({@link PayloadScrubber}): with {@link
 * #withProtection} by the data's own privacy policy plus the free-text rules, without it by the
 * free-text rules alone (e-mail, phone, national id, card, IP and street address), so dead letters
 * are never less private than outputs. Bytes stay bytes: the personal data in them is replaced and
 * every other byte, including those that made the record invalid, is kept.
 *
 * <p>Register it as the pipeline's bad-record handler. A bounded run writes one file {@code
 * dead-letters-00000-of-00001.jsonl}; an unbounded run writes one file per minute of processing
 * ({@code dead-letters-pane-<n>-00000-of-00001.jsonl}, {@link JsonLinesFiles}) so records become
 * visible while the job runs, committed at checkpoints ({@link
 * io.tributary.io.files.CommittedFiles}) so a restored job writes each dead letter once. The output
 * is the names of the files written.
 *
 * <pre>{@code
 * ErrorHandler.BadRecordErrorHandler<?> handler =
 *     pipeline.registerBadRecordErrorHandler(DeadLetterFiles.to("/data/out/dead-letter"));
 * // ... apply transforms with .withBadRecordErrorHandler(handler)
 * handler.close();
 * }</pre>
 */
public final class DeadLetterFiles extends PTransform<PCollection<BadRecord>, PCollection<String>> {
  private static final String BYTES_CODER = ByteArrayCoder.of().toString();
  private static final String TRUNCATED_CODER = TruncatedPayload.coder().toString();

  private final String directory;
  private final @Nullable ProtectionSpec protection;

  private DeadLetterFiles(String directory, @Nullable ProtectionSpec protection) {
    this.directory = directory;
    this.protection = protection;
  }

  /** Writes dead letters under {@code directory}. */
  public static DeadLetterFiles to(String directory) {
    checkArgument(
        directory != null && !directory.isEmpty(),
        "DeadLetterFiles.to: directory must not be empty");
    return new DeadLetterFiles(directory, null);
  }

  /**
   * Protects every payload with the data's own privacy policy before it is written (see {@link
   * PayloadScrubber}): dead letters never hold personal data in clear.
   */
  public DeadLetterFiles withProtection(ProtectionSpec spec) {
    checkArgument(spec != null, "DeadLetterFiles.withProtection: spec must not be null");
    return new DeadLetterFiles(directory, spec);
  }

  @Override
  public PCollection<String> expand(PCollection<BadRecord> badRecords) {
    if (protection != null) {
      protection.protector(); // a missing key fails here, when the pipeline is built
    }
    PCollection<String> lines = badRecords.apply("ToJson", ParDo.of(new ToJsonFn(protection)));
    // Not windowed by the records' own timestamps: a record rejected before it had an event time
    // carries Beam's minimum timestamp, which named files "dead-letters--290308-12-21T20:00...".
    return lines.apply("WriteDeadLetters", JsonLinesFiles.to(directory).withPrefix("dead-letters"));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("directory", directory).withLabel("Dead-letter directory"))
        .addIfNotNull(
            DisplayData.item("protection", protection == null ? null : protection.toString())
                .withLabel("Payload protection"));
  }

  /**
   * Renders one bad record as a JSON line; public for sinks other than files. The stage, reason and
   * message are the record's typed {@link Rejection} ({@link Rejection#from}); a bad record that is
   * not Tributary's (a plain Beam {@code BadRecord}) is written with stage {@code unknown}, the
   * reason its exception's class ({@code illegal_state_exception}) and its description as message.
   */
  public static String toJson(
      BadRecord record, ObjectMapper mapper, @Nullable PayloadScrubber scrubber) throws Exception {
    Rejection rejection = Rejection.from(record);
    ObjectNode node = mapper.createObjectNode();
    node.put("stage", rejection.stage());
    node.put("reason", rejection.reason());
    node.put("message", rejection.message());
    String human = record.getRecord().getHumanReadableJsonRecord();
    String coder = rejection.payloadCoder();
    if (human == null) {
      node.putNull("payload");
    } else {
      JsonNode parsed = mapper.readTree(human);
      if (BYTES_CODER.equals(coder) && parsed.isTextual()) {
        // Jackson renders byte[] as base64; decode and re-encode so the alphabet is the standard
        // one.
        // The original bytes stay bytes; a scrubber replaces the personal data in them and keeps
        // every other byte, including the ones that made the record invalid.
        byte[] bytes = parsed.binaryValue();
        node.put(
            "payload",
            Base64.getEncoder()
                .encodeToString(scrubber == null ? bytes : scrubber.scrubBytes(bytes)));
        node.put("payload_encoding", "base64");
      } else if (TRUNCATED_CODER.equals(coder) && parsed.isObject()) {
        String head = parsed.path("head").asText();
        node.put("payload", scrubber == null ? head : scrubber.scrub(head));
        node.put("payload_truncated", true);
        node.put("payload_bytes", parsed.path("originalBytes").asLong());
        node.put("payload_sha256", parsed.path("sha256").asText());
      } else {
        // Strings (raw lines) are stored JSON-quoted: unquote so the payload is the original text.
        String payload = parsed.isTextual() ? parsed.textValue() : human;
        node.put("payload", scrubber == null ? payload : scrubber.scrub(payload));
      }
    }
    // The exception text repeats the message; Tributary messages never carry field values.
    node.put("exception", record.getFailure().getException());
    return mapper.writeValueAsString(node);
  }

  static final class ToJsonFn extends DoFn<BadRecord, String> {
    private final @Nullable ProtectionSpec protection;
    private transient ObjectMapper mapper;
    private transient @Nullable PayloadScrubber scrubber;

    ToJsonFn(@Nullable ProtectionSpec protection) {
      this.protection = protection;
    }

    @Setup
    public void setup() {
      mapper = new ObjectMapper();
      scrubber =
          protection == null
              ? PayloadScrubber.patternsOnly()
              : PayloadScrubber.create(protection.protector());
    }

    @ProcessElement
    public void process(@Element BadRecord record, OutputReceiver<String> out) throws Exception {
      out.output(toJson(record, mapper, scrubber));
    }
  }
}
