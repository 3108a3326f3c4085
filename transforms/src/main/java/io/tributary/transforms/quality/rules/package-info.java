/**
 * Row-level quality rules (not-null, type, range, allowed values, pattern, length, e-mail, URL,
 * referential, freshness, custom) with a severity: error quarantines the row, warn counts it.
 *
 * <p>Evaluating them over a collection and routing the quarantine is {@code Quality}'s job.
 */
package io.tributary.transforms.quality.rules;
