/**
 * Run accounting: the counters every Tributary stage reports and the identity they must satisfy
 * (read = written + dead-lettered + quarantined + deduplicated + too-late).
 *
 * <p>Printing and writing the summary file belong to pipelines.
 */
package io.tributary.transforms.metrics;
