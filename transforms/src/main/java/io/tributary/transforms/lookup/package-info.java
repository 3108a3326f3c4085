/**
 * Enrichment by key: rows get fields of a small table (a side input, static or a {@link
 * io.tributary.transforms.lookup.ReferenceTable} refreshed on a period) whose key matches one of
 * their fields. Joins of two large collections (a shuffle on both sides) do not live here.
 */
package io.tributary.transforms.lookup;
