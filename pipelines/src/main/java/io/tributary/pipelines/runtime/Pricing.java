package io.tributary.pipelines.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;

/**
 * Unit prices for a run's cost estimate: per vCPU-hour, per GB stored (a month) and per GB of
 * egress, in one currency. Without {@code --pricing=FILE} the {@link #DEFAULT_LIST} applies (AWS
 * on-demand list prices in us-east-1, named and dated in {@link #source()}), so a cost line is
 * never 0 by default; a file replaces the whole list (its missing prices are 0), and {@code
 * --pricePerVcpuHour}, {@code --pricePerGbStored} and {@code --pricePerGbEgress} override single
 * prices of either.
 *
 * <pre>{@code
 * // pricing.json: {"currency": "EUR", "pricePerVcpuHour": 0.045, "pricePerGbStored": 0.02, "pricePerGbEgress": 0.09}
 * Pricing p = Pricing.from(options.as(RunOptions.class));
 * }</pre>
 */
public final class Pricing {
  private static final Set<String> KEYS =
      Set.of("currency", "pricePerVcpuHour", "pricePerGbStored", "pricePerGbEgress");

  /**
   * The default price list: AWS on-demand list prices in us-east-1 (N. Virginia) as AWS published
   * them in 2025. vCPU-hour: an m7i.large (2 vCPU, 8 GiB) at USD 0.1008 an hour, so 0.0504 per
   * vCPU-hour; storage: S3 Standard, first 50 TB, USD 0.023 per GB-month; egress: data transfer out
   * to the internet, first 10 TB a month, USD 0.09 per GB. Not re-checked against AWS from this
   * build: give {@code --pricing} for your provider, region and discounts.
   */
  public static final Pricing DEFAULT_LIST =
      new Pricing(
          0.0504,
          0.023,
          0.09,
          "USD",
          "default list: AWS us-east-1 on-demand, 2025 (m7i.large vCPU-hour, S3 Standard GB-month,"
              + " internet egress); --pricing to change");

  private final double perVcpuHour;
  private final double perGbStored;
  private final double perGbEgress;
  private final String currency;
  private final String source;

  private Pricing(
      double perVcpuHour, double perGbStored, double perGbEgress, String currency, String source) {
    this.perVcpuHour = perVcpuHour;
    this.perGbStored = perGbStored;
    this.perGbEgress = perGbEgress;
    this.currency = currency;
    this.source = source;
  }

  /** Explicit prices. */
  public static Pricing of(
      double perVcpuHour, double perGbStored, double perGbEgress, String currency) {
    return new Pricing(perVcpuHour, perGbStored, perGbEgress, currency, "given prices");
  }

  /** Where the prices come from: the default list (named and dated), a file, or options. */
  public String source() {
    return source;
  }

  /** The prices the options ask for; one line naming the option or file field when one is wrong. */
  public static Pricing from(RunOptions o) throws UsageException {
    double cpu = DEFAULT_LIST.perVcpuHour;
    double stored = DEFAULT_LIST.perGbStored;
    double egress = DEFAULT_LIST.perGbEgress;
    String currency = DEFAULT_LIST.currency;
    String source = DEFAULT_LIST.source;
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
      source = "prices from " + file;
      currency = "USD";
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
    if (o.getPricePerVcpuHour() != null
        || o.getPricePerGbStored() != null
        || o.getPricePerGbEgress() != null) {
      source += ", overridden by --pricePer* options";
    }
    return new Pricing(cpu, stored, egress, currency, source);
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
