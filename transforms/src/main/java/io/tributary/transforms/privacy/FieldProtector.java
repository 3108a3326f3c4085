package io.tributary.transforms.privacy;

import io.tributary.transforms.values.Rows;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.Schema.TypeName;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.DateTimeZone;
import org.joda.time.Instant;
import org.joda.time.ReadableInstant;

/**
 * Applies a {@link PrivacyPolicy} to rows and to single values: the logic behind {@link Protect}
 * and the dead-letter scrubbing, usable on its own.
 *
 * <pre>{@code
 * FieldProtector p = FieldProtector.create(policy, Keyset.load(source), subjectKeys);
 * Schema out = p.outputSchema(in.getSchema());
 * Row safe = p.protect(in, out);
 * }</pre>
 */
public final class FieldProtector {
  private final PrivacyPolicy policy;
  private final @Nullable Keyset keys;
  private final @Nullable SubjectKeyStore subjectKeys;

  private FieldProtector(
      PrivacyPolicy policy, @Nullable Keyset keys, @Nullable SubjectKeyStore subjectKeys) {
    this.policy = policy;
    this.keys = keys;
    this.subjectKeys = subjectKeys;
  }

  /** A protector; {@code keys} is needed for tokenize, {@code subjectKeys} for encrypt. */
  public static FieldProtector create(
      PrivacyPolicy policy, @Nullable Keyset keys, @Nullable SubjectKeyStore subjectKeys) {
    if (policy.needsKeys() && keys == null) {
      throw new IllegalArgumentException(
          "privacy policy " + policy.fields() + " tokenizes or encrypts: a keyset is required");
    }
    if (policy.encrypts() && (subjectKeys == null || policy.subjectField() == null)) {
      throw new IllegalArgumentException(
          "privacy policy encrypts per subject: a subject field and a subject key store are required");
    }
    return new FieldProtector(policy, keys, subjectKeys);
  }

  /**
   * The schema of protected rows: dropped fields removed, masked/tokenized/encrypted ones STRING.
   */
  public Schema outputSchema(Schema input) {
    for (String field : policy.fields().keySet()) {
      if (!input.hasField(field)) {
        throw new IllegalArgumentException(
            "privacy policy names field '"
                + field
                + "', which is not in the schema "
                + input.getFieldNames());
      }
    }
    if (policy.subjectField() != null && !input.hasField(policy.subjectField())) {
      throw new IllegalArgumentException(
          "privacy policy subject field '" + policy.subjectField() + "' is not in the schema");
    }
    Schema.Builder out = Schema.builder();
    for (Field f : input.getFields()) {
      FieldPolicy p = policy.fields().get(f.getName());
      if (p == null || p.action() == FieldPolicy.Action.GENERALIZE) {
        if (p != null) {
          checkGeneralizable(f, p);
        }
        out.addField(f);
      } else if (p.action() != FieldPolicy.Action.DROP) {
        out.addField(
            Field.of(f.getName(), FieldType.STRING.withNullable(f.getType().getNullable()))
                .withDescription("protected: " + p));
      }
    }
    return out.build();
  }

  private static void checkGeneralizable(Field f, FieldPolicy p) {
    TypeName t = f.getType().getTypeName();
    boolean time = p.parameter().equals("hour") || p.parameter().equals("day");
    if (time ? t != TypeName.DATETIME : !t.isNumericType()) {
      throw new IllegalArgumentException(
          "field '"
              + f.getName()
              + "': generalize:"
              + p.parameter()
              + (time ? " needs a DATETIME field" : " needs a numeric field")
              + ", got "
              + t);
    }
  }

  /** The protected form of {@code row}. */
  public Row protect(Row row, Schema outSchema) {
    Object subjectValue =
        policy.subjectField() == null ? null : row.getValue(policy.subjectField());
    String subject = subjectValue == null ? null : subjectValue.toString();
    List<Object> values = new ArrayList<>(outSchema.getFieldCount());
    for (Field f : outSchema.getFields()) {
      Object v = row.getValue(f.getName());
      FieldPolicy p = policy.fields().get(f.getName());
      values.add(p == null || v == null ? v : apply(f.getName(), p, v, subject));
    }
    return Rows.build(outSchema, values);
  }

  /** The protected form of one value of {@code field} (null if the policy drops it). */
  public @Nullable Object apply(
      String field, FieldPolicy p, Object value, @Nullable String subject) {
    switch (p.action()) {
      case MASK:
        return mask(p.parameter(), value.toString());
      case TOKENIZE:
        return Crypto.token(keys, field, value.toString());
      case TOKENIZE_REVERSIBLE:
        return Crypto.deterministicEncrypt(keys, field, value.toString());
      case ENCRYPT:
        if (subject == null) {
          throw new IllegalArgumentException(
              "field '"
                  + policy.subjectField()
                  + "' (the data subject) is null; cannot encrypt '"
                  + field
                  + "'");
        }
        SubjectKeyStore.SubjectKey key = subjectKeys.getOrCreate(subject);
        return Crypto.encrypt(key.material(), key.id(), field, value.toString());
      case GENERALIZE:
        return generalize(p.parameter(), value);
      default:
        return null;
    }
  }

  /** Policies by field, for callers that protect loose values (dead-letter payloads). */
  public Map<String, FieldPolicy> fields() {
    return policy.fields();
  }

  /** The subject field, or null. */
  public @Nullable String subjectField() {
    return policy.subjectField();
  }

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  static String mask(String style, String s) {
    switch (style) {
      case "email":
        int at = s.indexOf('@');
        return at <= 0 ? "***" : s.charAt(0) + "***" + s.substring(at);
      case "ipv4":
        String[] octets = s.split("\\.", -1);
        if (octets.length == 4 && IPV4.matcher(s).matches()) {
          return octets[0] + "." + octets[1] + "." + octets[2] + ".0/24";
        }
        return "***";
      case "last4":
        return s.length() <= 4 ? "****" : "*".repeat(s.length() - 4) + s.substring(s.length() - 4);
      default:
        return "***";
    }
  }

  static Object generalize(String parameter, Object value) {
    if (value instanceof ReadableInstant instant) {
      DateTimeZone utc = DateTimeZone.UTC;
      org.joda.time.DateTime t = new org.joda.time.DateTime(instant.getMillis(), utc);
      t = parameter.equals("day") ? t.withTimeAtStartOfDay() : t.hourOfDay().roundFloorCopy();
      return new Instant(t.getMillis());
    }
    BigDecimal width = new BigDecimal(parameter);
    BigDecimal floored =
        new BigDecimal(value.toString()).divide(width, 0, RoundingMode.FLOOR).multiply(width);
    if (value instanceof BigDecimal) {
      return floored;
    }
    if (value instanceof Long) {
      return floored.longValue();
    }
    if (value instanceof Integer) {
      return floored.intValue();
    }
    if (value instanceof Short) {
      return floored.shortValue();
    }
    if (value instanceof Float) {
      return floored.floatValue();
    }
    return floored.doubleValue();
  }
}
