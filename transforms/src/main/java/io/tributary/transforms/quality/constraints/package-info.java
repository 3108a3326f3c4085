/**
 * Constraints on metric values ({@code completeness(email) >= 0.95}) grouped into named checks with
 * a level, evaluated per window into verification records.
 *
 * <p>Metrics themselves are computed in the metrics package.
 */
package io.tributary.transforms.quality.constraints;
