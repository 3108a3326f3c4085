/**
 * Anomaly detection on metric series: absolute change, relative rate of change and a k-sigma normal
 * model over a rolling history, plus the stateful DoFn that runs them in a pipeline.
 *
 * <p>Where the history of earlier runs is stored is the repository package's concern.
 */
package io.tributary.transforms.quality.anomaly;
