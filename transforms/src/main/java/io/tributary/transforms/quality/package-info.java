/**
 * Data quality as a pipeline stage: {@link io.tributary.transforms.quality.Quality#check} applies a
 * dataset's {@link io.tributary.transforms.quality.Checks} (row rules with quarantine, Deequ-class
 * metrics per window, constraint checks, anomaly detection) to any schema'd collection of rows.
 *
 * <p>Sub-packages hold the parts: rules, metrics, constraints, anomaly, repository, report. Writing
 * outputs to files and the pipeline wiring live in io-connectors and pipelines, not here.
 */
package io.tributary.transforms.quality;
