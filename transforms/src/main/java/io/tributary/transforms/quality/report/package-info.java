/**
 * The quality report: one self-contained static HTML page per run (inline CSS and SVG, no script),
 * with the run's status, the checks grouped over windows ({@link
 * io.tributary.transforms.quality.report.CheckOutcome}) and plots with each constraint's bound.
 *
 * <p>Reading a run's output files and deciding where the page goes is the pipeline's job.
 */
package io.tributary.transforms.quality.report;
