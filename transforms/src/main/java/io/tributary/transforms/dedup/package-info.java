/**
 * Deduplication by record id with event-time state expiry; duplicates are counted and kept
 * available as their own output, never silently dropped.
 */
package io.tributary.transforms.dedup;
