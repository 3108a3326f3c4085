/**
 * Per-window aggregates of schema'd rows: counts, sums, minima, maxima, means and exact distinct
 * counts, optionally per group and per value of a field, as rows with the window and pane.
 *
 * <p>Not here: windowing itself (the windowing package) and anything that needs the whole history
 * of a key (sessions, CDC).
 */
package io.tributary.transforms.aggregate;
