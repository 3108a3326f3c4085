package io.tributary.pipelines.runtime;

import io.tributary.pipelines.options.LineageOptions;
import io.tributary.pipelines.options.OutputOptions;
import io.tributary.pipelines.options.PricingOptions;
import io.tributary.pipelines.options.ProgressOptions;
import io.tributary.pipelines.options.StateOptions;

/**
 * Options every Tributary run accepts, whatever the pipeline: its output and whether it may replace
 * an earlier run's ({@link OutputOptions}), where its lineage goes ({@link LineageOptions}), the
 * live progress line ({@link ProgressOptions}), the unit prices of the cost estimate ({@link
 * PricingOptions}) and how keyed state is spread ({@link StateOptions}). Each job's options extend
 * it.
 *
 * <pre>{@code
 * tributary run clickstream ... --lineage=http://localhost:5000   # a Marquez endpoint
 * tributary run clickstream ... --lineage=none
 * tributary run clickstream ... --progress=always --pricePerVcpuHour=0.04 --pricePerGbStored=0.02
 * RunOptions run = options.as(RunOptions.class);
 * }</pre>
 */
public interface RunOptions
    extends OutputOptions, LineageOptions, ProgressOptions, PricingOptions, StateOptions {}
