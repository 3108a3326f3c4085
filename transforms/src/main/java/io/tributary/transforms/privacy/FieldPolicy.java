package io.tributary.transforms.privacy;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;
import java.util.Locale;

/**
 * What happens to one field: an action and its parameter.
 *
 * <table>
 *   <caption>Actions</caption>
 *   <tr><th>action</th><th>parameter</th><th>result</th></tr>
 *   <tr><td>{@code mask}</td><td>{@code email} | {@code ipv4} | {@code last4} | {@code full}</td>
 *       <td>{@code j***@example.com}, {@code 203.0.113.0/24}, {@code ****1234}, {@code ***}</td></tr>
 *   <tr><td>{@code tokenize}</td><td>-</td><td>{@code tk:<keyId>:...} one-way keyed token</td></tr>
 *   <tr><td>{@code tokenize_reversible}</td><td>-</td><td>{@code dt:<keyId>:...} deterministic AEAD</td></tr>
 *   <tr><td>{@code encrypt}</td><td>-</td><td>{@code en:<subjectKeyId>:...} per-subject AEAD</td></tr>
 *   <tr><td>{@code generalize}</td><td>number: bucket width; datetime: {@code hour} | {@code day}</td>
 *       <td>value floored to its bucket</td></tr>
 *   <tr><td>{@code drop}</td><td>-</td><td>field removed from the schema</td></tr>
 * </table>
 *
 * <pre>{@code
 * FieldPolicy.parse("mask:email");  FieldPolicy.parse("generalize:10");  FieldPolicy.parse("drop");
 * }</pre>
 */
public final class FieldPolicy implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The actions. */
  public enum Action {
    MASK,
    TOKENIZE,
    TOKENIZE_REVERSIBLE,
    ENCRYPT,
    GENERALIZE,
    DROP
  }

  private final Action action;
  private final String parameter;

  private FieldPolicy(Action action, String parameter) {
    this.action = action;
    this.parameter = parameter;
  }

  /** Parses {@code action[:parameter]}; errors name the bad part and the accepted values. */
  public static FieldPolicy parse(String spec) {
    checkArgument(
        spec != null && !spec.isBlank(),
        "policy: empty action; expected one of mask, tokenize, tokenize_reversible, encrypt, generalize, drop");
    String[] parts = spec.trim().split(":", 2);
    Action action;
    try {
      action = Action.valueOf(parts[0].toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "policy '"
              + spec
              + "': unknown action '"
              + parts[0]
              + "'; expected one of mask, tokenize, tokenize_reversible, encrypt, generalize, drop");
    }
    String parameter = parts.length > 1 ? parts[1] : null;
    switch (action) {
      case MASK:
        checkArgument(
            parameter != null && parameter.matches("email|ipv4|last4|full"),
            "policy '%s': mask needs a style, one of email, ipv4, last4, full (e.g. mask:email)",
            spec);
        break;
      case GENERALIZE:
        checkArgument(
            parameter != null
                && (parameter.matches("hour|day") || parameter.matches("[0-9]+(\\.[0-9]+)?")),
            "policy '%s': generalize needs a bucket width (e.g. generalize:10) or hour|day",
            spec);
        break;
      default:
        checkArgument(parameter == null, "policy '%s': %s takes no parameter", spec, parts[0]);
    }
    return new FieldPolicy(action, parameter);
  }

  /** The action. */
  public Action action() {
    return action;
  }

  /** The parameter, or null. */
  public String parameter() {
    return parameter;
  }

  /** Whether applying this needs the keyset. */
  boolean needsKeys() {
    return action == Action.TOKENIZE
        || action == Action.TOKENIZE_REVERSIBLE
        || action == Action.ENCRYPT;
  }

  @Override
  public String toString() {
    return action.name().toLowerCase(Locale.ROOT) + (parameter == null ? "" : ":" + parameter);
  }
}
