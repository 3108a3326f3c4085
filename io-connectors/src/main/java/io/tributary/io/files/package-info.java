/**
 * Files in and out: bounded globs and watched directories (with a watermark policy and
 * processed-file markers) as sources of readable files, bounded reading of their lines ({@code
 * ReadLines}: size limit, strict UTF-8, damaged compressed files), and JSON lines partitioned by
 * event-time window ({@code dt=/hour=}) as a sink, written pane by pane at checkpoints for an
 * unbounded input ({@code CommittedFiles}); erasure of a data subject's lines from JSON-lines trees
 * (dead letters, quarantine).
 *
 * <p>Decoding records (JSON, CSV, Avro, Parquet) is not here; it lives in the formats package.
 */
package io.tributary.io.files;
