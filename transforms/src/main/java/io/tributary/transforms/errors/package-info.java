/**
 * The error model: how a transform rejects a record without losing it.
 *
 * <p>Rejections travel as Beam {@link org.apache.beam.sdk.transforms.errorhandling.BadRecord}s to a
 * user-registered error handler, each carrying a typed {@link
 * io.tributary.transforms.errors.Rejection} (stage, reason, message); sinks for them live in
 * io-connectors, not here.
 */
package io.tributary.transforms.errors;
