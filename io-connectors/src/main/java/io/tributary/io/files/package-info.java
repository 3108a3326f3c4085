/**
 * Files in and out: bounded globs and watched directories (with a watermark policy and
 * processed-file markers) as sources of readable files, and JSON lines partitioned by event-time
 * window ({@code dt=/hour=}) as a sink; erasure of a data subject's lines from JSON-lines trees
 * (dead letters, quarantine).
 *
 * <p>Decoding file contents is not here; it lives in the formats package.
 */
package io.tributary.io.files;
