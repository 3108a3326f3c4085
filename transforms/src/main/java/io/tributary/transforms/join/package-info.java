/**
 * Joins of two collections by key and event time: the as-of (temporal) join of facts with the
 * versions of a dimension valid at each fact's time.
 *
 * <p>Side-input lookups of a current table live in {@code io.tributary.transforms.lookup}, not
 * here.
 */
package io.tributary.transforms.join;
