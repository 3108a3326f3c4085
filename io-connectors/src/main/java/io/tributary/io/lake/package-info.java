/**
 * Lake layout: date-partitioned Avro datasets whose partitions are replaced atomically and carry a
 * {@code _SUCCESS} marker with row counts and an input fingerprint; and the erasure of a data
 * subject's rows from them, partition by partition, with the same atomic swap.
 *
 * <p>Streaming file output per window and pane is {@code io.tributary.io.files}, not here.
 */
package io.tributary.io.lake;
