/**
 * The quality report: one self-contained static HTML page per run (inline CSS and SVG, no script).
 *
 * <p>Reading a run's output files and deciding where the page goes is the pipeline's job.
 */
package io.tributary.transforms.quality.report;
