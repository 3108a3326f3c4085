/**
 * Enrichment by key: rows get fields of a small table (a side input) whose key matches one of their
 * fields. Joins of two large collections (a shuffle on both sides) do not live here.
 */
package io.tributary.transforms.lookup;
