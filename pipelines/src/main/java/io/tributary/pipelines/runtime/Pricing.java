package io.tributary.pipelines.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;

/**
 * Unit prices for a run's cost estimate: per vCPU-hour, per GB stored and per GB of egress, in one
 * currency. From {@code --pricing=FILE} (JSON), overridden by {@code --pricePerVcpuHour}, {@code
 * --pricePerGbStored} and {@code --pricePerGbEgress}; unset prices are 0.
 *
 * <pre>{@code
 * // pricing.json: {"currency": "EUR", "pricePerVcpuHour": 0.045, "pricePerGbStored": 0.02, "pricePerGbEgress": 0.09}
 * Pricing p = Pricing.from(options.as(RunOptions.class));
 * }</pre>
 */
public final class Pricing {
  private static final Set<String> KEYS =
      Set.of("currency", "pricePerVcpuHour", "pricePerGbStored", "pricePerGbEgress");

  private final double perVcpuHour;
  private final double perGbStored;
  private final double perGbEgress;
  private final String currency;

  private Pricing(double perVcpuHour, double perGbStored, double perGbEgress, String currency) {
    this.perVcpuHour = perVcpuHour;
    this.perGbStored = perGbStored;
    this.perGbEgress = perGbEgress;
    this.currency = currency;
  }

  /** Explicit prices. */
  public static Pricing of(
      double perVcpuHour, double perGbStored, double perGbEgress, String currency) {
    return new Pricing(perVcpuHour, perGbStored, perGbEgress, currency);
  }

  /** The prices the options ask for; one line naming the option or file field when one is wrong. */
  public static Pricing from(RunOptions o) throws UsageException {
    double cpu = 0;
    double stored = 0;
    double egress = 0;
    String currency = "USD";
    if (o.getPricing() != null && !o.getPricing().isBlank()) {
      Path file = Path.of(o.getPricing());
      if (!Files.isRegularFile(file)) {
        throw new UsageException(
            "--pricing: no pricing file '"
                + file
                + "'; expected JSON such as "
                + "{\"currency\": \"USD\", \"pricePerVcpuHour\": 0.04, \"pricePerGbStored\": 0.02, \"pricePerGbEgress\": 0.09}");
      }
      JsonNode node;
      try {
        node = new ObjectMapper().readTree(Files.readString(file));
      } catch (IOException e) {
        throw new UsageException(
            "--pricing: "
                + file
                + " is not JSON: "
                + e.getMessage().lines().findFirst().orElse(""));
      }
      if (node == null || !node.isObject()) {
        throw new UsageException("--pricing: " + file + " must hold a JSON object");
      }
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!KEYS.contains(k)) {
          throw new UsageException(
              "--pricing: unknown field '"
                  + k
                  + "' in "
                  + file
                  + "; expected one of "
                  + new java.util.TreeSet<>(KEYS));
        }
      }
      cpu = price(node, "pricePerVcpuHour", file);
      stored = price(node, "pricePerGbStored", file);
      egress = price(node, "pricePerGbEgress", file);
      if (node.has("currency")) {
        currency = node.get("currency").asText();
      }
    }
    cpu =
        o.getPricePerVcpuHour() != null
            ? check("--pricePerVcpuHour", o.getPricePerVcpuHour())
            : cpu;
    stored =
        o.getPricePerGbStored() != null
            ? check("--pricePerGbStored", o.getPricePerGbStored())
            : stored;
    egress =
        o.getPricePerGbEgress() != null
            ? check("--pricePerGbEgress", o.getPricePerGbEgress())
            : egress;
    return new Pricing(cpu, stored, egress, currency);
  }

  private static double price(JsonNode node, String field, Path file) throws UsageException {
    if (!node.has(field)) {
      return 0;
    }
    if (!node.get(field).isNumber()) {
      throw new UsageException(
          "--pricing: field '"
              + field
              + "' in "
              + file
              + " must be a number >= 0, got "
              + node.get(field));
    }
    return check("--pricing: field '" + field + "'", node.get(field).asDouble());
  }

  private static double check(String what, double v) throws UsageException {
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new UsageException(what + ": expected a price >= 0, got " + v);
    }
    return v;
  }

  /** Price per vCPU-hour. */
  public double perVcpuHour() {
    return perVcpuHour;
  }

  /** Price per GB (10^9 bytes) stored. */
  public double perGbStored() {
    return perGbStored;
  }

  /** Price per GB (10^9 bytes) of egress. */
  public double perGbEgress() {
    return perGbEgress;
  }

  /** Currency code of the prices. */
  public String currency() {
    return currency;
  }

  /** Whether every price is 0 (nothing configured). */
  public boolean free() {
    return perVcpuHour == 0 && perGbStored == 0 && perGbEgress == 0;
  }
}
