/**
 * The {@code erasure} job: deletion requests in; subject keys destroyed, the subject's rows removed
 * or rewritten in PostgreSQL tables, lake partitions and JSON-lines outputs, one audit record each.
 *
 * <p>The per-store erasure itself is in io-connectors (lake, files, jdbc); keys in transforms
 * (privacy).
 */
package io.tributary.pipelines.erasure;
