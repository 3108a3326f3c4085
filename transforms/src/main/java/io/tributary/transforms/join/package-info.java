/**
 * Joins of two keyed collections of rows by event time: the stream-stream {@link
 * io.tributary.transforms.join.IntervalJoin} (and the as-of join). Enrichment from a small table
 * held in memory is {@code io.tributary.transforms.lookup}, not here.
 */
package io.tributary.transforms.join;
