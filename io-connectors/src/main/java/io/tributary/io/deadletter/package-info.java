/**
 * Dead-letter sinks: where Beam {@code BadRecord}s are written (JSON lines files), one record per
 * rejected input with its stage, reason and original payload.
 */
package io.tributary.io.deadletter;
