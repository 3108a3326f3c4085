package io.tributary.transforms.privacy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Protects a dead-letter payload with the data's own policy, so rejected records never carry
 * personal data in clear.
 *
 * <p>A payload that is a JSON object gets each policy field protected exactly as the data would be
 * (a {@code drop} field is removed; a field that cannot be protected becomes {@code [redacted]}). A
 * payload that is not JSON (malformed or truncated lines are exactly what dead letters hold) gets
 * every policy field's value redacted by pattern, and any e-mail address or IPv4 address anywhere
 * in it replaced by {@code [redacted-email]} / {@code [redacted-ip]}.
 *
 * <pre>{@code
 * PayloadScrubber scrubber = PayloadScrubber.create(protect.spec().protector());
 * String safe = scrubber.scrub(badRecordPayload);
 * }</pre>
 */
public final class PayloadScrubber {
  private static final Pattern EMAIL =
      Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}");
  // Not after a slash or a word character: "Chrome/130.0.0.0" is a version, not an address.
  private static final Pattern IPV4 =
      Pattern.compile("(?<![\\w./])\\d{1,3}(?:\\.\\d{1,3}){3}(?![\\w.])");
  private final FieldProtector protector;
  private final ObjectMapper mapper = new ObjectMapper();

  private PayloadScrubber(FieldProtector protector) {
    this.protector = protector;
  }

  /** A scrubber applying {@code protector}'s policy. */
  public static PayloadScrubber create(FieldProtector protector) {
    return new PayloadScrubber(protector);
  }

  /** The protected payload; null stays null. */
  public @Nullable String scrub(@Nullable String payload) {
    if (payload == null) {
      return null;
    }
    JsonNode node;
    try {
      node = mapper.readTree(payload);
    } catch (Exception notJson) {
      node = null;
    }
    if (node instanceof ObjectNode) {
      return scrubObject((ObjectNode) node);
    }
    return scrubText(payload);
  }

  private String scrubObject(ObjectNode object) {
    String subjectField = protector.subjectField();
    String subject =
        subjectField != null
                && object.hasNonNull(subjectField)
                && object.get(subjectField).isValueNode()
            ? object.get(subjectField).asText()
            : null;
    for (Map.Entry<String, FieldPolicy> e : protector.fields().entrySet()) {
      JsonNode value = object.get(e.getKey());
      if (value == null || value.isNull()) {
        continue;
      }
      if (e.getValue().action() == FieldPolicy.Action.DROP) {
        object.remove(e.getKey());
        continue;
      }
      try {
        Object safe =
            value.isValueNode()
                ? protector.apply(
                    e.getKey(),
                    e.getValue(),
                    value.isTextual() ? value.textValue() : value.toString(),
                    subject)
                : null;
        object.put(e.getKey(), safe == null ? "[redacted]" : safe.toString());
      } catch (RuntimeException cannot) {
        object.put(e.getKey(), "[redacted]");
      }
    }
    // Fields outside the policy may still hold personal data a producer put there by mistake.
    java.util.Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      if (!protector.fields().containsKey(f.getKey())
          && !f.getValue().isNumber()
          && !f.getValue().isBoolean()) {
        String text = f.getValue().isTextual() ? f.getValue().textValue() : f.getValue().toString();
        String safe = patterns(text);
        if (!safe.equals(text)) {
          f.setValue(object.textNode(safe));
        }
      }
    }
    return object.toString();
  }

  private static String patterns(String text) {
    return IPV4.matcher(EMAIL.matcher(text).replaceAll("[redacted-email]"))
        .replaceAll("[redacted-ip]");
  }

  private String scrubText(String text) {
    String out = text;
    for (String field : protector.fields().keySet()) {
      // "field": "value  -- also when the line was cut inside the value.
      out =
          out.replaceAll(
              "(\"" + Pattern.quote(field) + "\"\\s*:\\s*)\"(?:[^\"\\\\]|\\\\.)*\"?",
              "$1\"[redacted]\"");
    }
    return patterns(out);
  }
}
