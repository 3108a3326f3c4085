package io.tributary.pipelines.options;

import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The unit prices of a run's cost estimate: a pricing file ({@code --pricing}) and overrides per
 * price.
 *
 * <pre>{@code
 * tributary run clickstream ... --pricePerVcpuHour=0.04 --pricePerGbStored=0.02
 * }</pre>
 */
@Description("Cost estimate")
public interface PricingOptions extends PipelineOptions {
  @Description(
      "Cost estimate: JSON file with currency, pricePerVcpuHour, pricePerGbStored, pricePerGbEgress. "
          + "Default: AWS us-east-1 on-demand list prices of 2025 (0.0504 USD/vCPU-h, 0.023 USD/GB-month, "
          + "0.09 USD/GB egress; docs/metadata.md).")
  String getPricing();

  void setPricing(String value);

  @Description("Cost estimate: price per vCPU-hour (overrides --pricing).")
  Double getPricePerVcpuHour();

  void setPricePerVcpuHour(Double value);

  @Description("Cost estimate: price per GB (10^9 bytes) stored (overrides --pricing).")
  Double getPricePerGbStored();

  void setPricePerGbStored(Double value);

  @Description("Cost estimate: price per GB (10^9 bytes) of egress (overrides --pricing).")
  Double getPricePerGbEgress();

  void setPricePerGbEgress(Double value);
}
