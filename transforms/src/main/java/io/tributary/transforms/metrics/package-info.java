/**
 * Run accounting and stage metrics: the counters every Tributary stage reports, the identity they
 * must satisfy (read = written + dead-lettered + quarantined + deduplicated + too-late), the
 * per-stage observation points (records out, processing lag) and their in-JVM mirror for progress.
 *
 * <p>Printing and writing the summary file belong to pipelines.
 */
package io.tributary.transforms.metrics;
