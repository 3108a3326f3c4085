/**
 * Joins of two keyed collections of rows by event time: the stream-stream {@link
 * io.tributary.transforms.join.IntervalJoin} and the as-of (temporal) {@link
 * io.tributary.transforms.join.AsOfJoin} of facts with the versions of a dimension valid at each
 * fact's time.
 *
 * <p>Enrichment from a small table held in memory is {@code io.tributary.transforms.lookup}, not
 * here.
 */
package io.tributary.transforms.join;
