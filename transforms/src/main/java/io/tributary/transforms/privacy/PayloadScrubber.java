package io.tributary.transforms.privacy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Protects a dead-letter payload with the data's own policy, so rejected records never carry
 * personal data in clear.
 *
 * <pre>{@code
 * PayloadScrubber scrubber = PayloadScrubber.create(protect.spec().protector());
 * String safe = scrubber.scrub(badRecordPayload);
 * }</pre>
 *
 * <p>A payload that is a JSON object gets each policy field protected exactly as the data would be
 * (a {@code drop} field is removed; a field that cannot be protected becomes {@code [redacted]}).
 * Every other value, at any depth of nested objects and arrays, is scanned for personal data by
 * {@code PiiScanner} (e-mail, phone, US SSN, payment card, IPv4/IPv6, street address; the rules and
 * their limits are in its Javadoc and in docs/privacy.md); so are integral numbers (a card number
 * sent as a JSON number) and field names; a string value that holds a JSON line (a wrapped record)
 * also has that line's policy fields redacted; a field named {@code *_base64} (a Kafka key or value
 * kept as bytes) is decoded, scrubbed as bytes ({@link #scrubBytes}) and encoded again. A nested
 * field named like a policy field is redacted whole ({@code [redacted]}, or removed if the policy
 * drops it): the policy is written for the top level, but the same name further down holds the same
 * kind of data.
 *
 * <p>A payload that is not a JSON object (malformed or truncated lines are exactly what dead
 * letters hold, and so is trailing text after an object) gets every policy field's value redacted
 * where it appears as {@code "field": value}, even when the line was cut inside the value ({@code
 * FieldValueRedactor}), and then the whole text scanned by {@code PiiScanner}, which reads JSON
 * escapes (<code>alice&#92;u0040example.com</code> is an e-mail) and replaces a finding together
 * with the escapes it was written with.
 *
 * <p>Work is linear in the payload's length whatever its content: both text passes are hand-written
 * scans with bounded work per character (no backtracking regular expressions, which made the old
 * version quadratic on long runs of letters and digits), and Jackson's own limits (nesting depth
 * 1000, number length 1000) make hostile JSON fail fast, after which the payload is scrubbed as
 * text. Measurements: docs/performance.md.
 */
public final class PayloadScrubber {
  private static final String REDACTED = "[redacted]";

  /** Fields named {@code *_base64} hold bytes; they are scrubbed as bytes. */
  static final String BASE64_SUFFIX = "_base64";

  private final FieldProtector protector;
  private final FieldValueRedactor fieldValues;
  // Trailing text after an object would be silently dropped by readTree: scrub such lines as text.
  private final ObjectMapper mapper =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private PayloadScrubber(FieldProtector protector) {
    this.protector = protector;
    this.fieldValues = new FieldValueRedactor(protector.fields().keySet());
  }

  /** A scrubber applying {@code protector}'s policy. */
  public static PayloadScrubber create(FieldProtector protector) {
    return new PayloadScrubber(protector);
  }

  /**
   * A scrubber of no policy fields: free-text rules only. Dead letters of a pipeline without a
   * privacy policy still never keep an e-mail, phone, id, card or address in clear.
   */
  public static PayloadScrubber patternsOnly() {
    return new PayloadScrubber(FieldProtector.create(PrivacyPolicy.of(Map.of()), null, null));
  }

  /**
   * The protected form of a payload kept as bytes (not valid UTF-8, so it cannot be a string):
   * every byte maps to one character (ISO-8859-1), the text rules run on that, and the result maps
   * back, so the bytes that made the record invalid stay exactly as they were while the personal
   * data around them is replaced. Null stays null.
   */
  public byte @Nullable [] scrubBytes(byte @Nullable [] payload) {
    if (payload == null) {
      return null;
    }
    return scrub(new String(payload, StandardCharsets.ISO_8859_1))
        .getBytes(StandardCharsets.ISO_8859_1);
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
      // Includes Jackson's StreamConstraintsException for too deep nesting or too long numbers.
      node = null;
    }
    if (node instanceof ObjectNode) {
      return scrubObject((ObjectNode) node);
    }
    return scrubText(payload);
  }

  // scrubValue returns the node itself when it found nothing: identity says "unchanged".
  @SuppressWarnings("ReferenceEquality")
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
        object.put(e.getKey(), safe == null ? REDACTED : safe.toString());
      } catch (RuntimeException cannot) {
        object.put(e.getKey(), REDACTED);
      }
    }
    // Values outside the policy may still hold personal data a producer put there by mistake. An
    // explicit stack, not recursion: depth is bounded by Jackson, but a stack costs nothing.
    Deque<JsonNode> todo = new ArrayDeque<>();
    scrubFields(object, true, todo);
    while (!todo.isEmpty()) {
      JsonNode node = todo.pop();
      if (node instanceof ObjectNode nested) {
        scrubFields(nested, false, todo);
      } else if (node instanceof ArrayNode array) {
        for (int i = 0; i < array.size(); i++) {
          JsonNode element = array.get(i);
          if (element.isContainerNode()) {
            todo.push(element);
          } else {
            JsonNode safe = scrubValue(element);
            if (safe != element) {
              array.set(i, safe);
            }
          }
        }
      }
    }
    return object.toString();
  }

  /** Scrubs one object's fields; the top level's policy fields were protected already. */
  // scrubValue returns the node itself when it found nothing: identity says "unchanged".
  @SuppressWarnings("ReferenceEquality")
  private void scrubFields(ObjectNode object, boolean topLevel, Deque<JsonNode> todo) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    for (String name : names) {
      JsonNode value = object.get(name);
      FieldPolicy policy = protector.fields().get(name);
      if (policy != null) {
        if (!topLevel) {
          if (policy.action() == FieldPolicy.Action.DROP) {
            object.remove(name);
          } else if (!value.isNull()) {
            object.put(name, REDACTED);
          }
        }
        continue;
      }
      String safeName = PiiScanner.redact(name);
      if (!safeName.equals(name)) {
        object.remove(name);
        object.set(safeName, value);
      }
      if (value.isTextual() && name.endsWith(BASE64_SUFFIX)) {
        // Bytes kept as base64 (a Kafka key or value): the personal data is in the bytes, which
        // the text rules cannot see through the encoding. Scrub the bytes and encode them again.
        JsonNode safe = scrubBase64(value.textValue());
        if (safe != null) {
          object.set(safeName, safe);
          continue;
        }
      }
      if (value.isContainerNode()) {
        todo.push(value);
      } else {
        JsonNode safe = scrubValue(value);
        if (safe != value) {
          object.set(safeName, safe);
        }
      }
    }
  }

  /** {@code value} itself, or a text node with its findings replaced. */
  private JsonNode scrubValue(JsonNode value) {
    String safe;
    String text;
    if (value.isTextual()) {
      text = value.textValue();
      // A string may hold a whole JSON line (a wrapped or re-sent record): its policy fields too.
      safe = scrubText(text);
    } else if (value.isIntegralNumber()) {
      text = value.asText();
      safe = PiiScanner.redact(text);
    } else {
      return value; // booleans, null, fractional numbers
    }
    return safe.equals(text) ? value : mapper.getNodeFactory().textNode(safe);
  }

  /** The re-encoded scrubbed bytes, or null when {@code base64} is not base64 (scanned as text). */
  private @Nullable JsonNode scrubBase64(String base64) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException notBase64) {
      return null;
    }
    byte[] safe = scrubBytes(bytes);
    return mapper.getNodeFactory().textNode(Base64.getEncoder().encodeToString(safe));
  }

  private String scrubText(String text) {
    return PiiScanner.redact(fieldValues.redact(text));
  }
}
