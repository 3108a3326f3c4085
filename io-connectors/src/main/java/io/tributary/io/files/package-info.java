/**
 * File sinks and sources: JSON lines partitioned by event-time window ({@code dt=/hour=}).
 *
 * <p>Record decoding is not here; it lives in tributary-transforms' json package.
 */
package io.tributary.io.files;
