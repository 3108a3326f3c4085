/**
 * File formats read into and written from schema'd {@link org.apache.beam.sdk.values.Row}s against
 * one Avro contract: JSON lines, CSV, Avro container files and Parquet, with per-field dead
 * letters.
 *
 * <p>Finding files (globs, watched directories) lives in the files package; the contracts live in
 * the schema package.
 */
package io.tributary.io.formats;
