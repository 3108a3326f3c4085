/**
 * Beam values built for the per-record path: {@link io.tributary.transforms.values.Rows} builds a
 * {@code Row} with the same checks as Beam's {@code Row.Builder.build()} at a fraction of its cost,
 * and {@link io.tributary.transforms.values.Timestamps} parses ISO-8601 timestamps with an offset
 * the way {@code java.time} does, with a fast path for the usual shape.
 *
 * <p>Both give exactly what the slower standard call gives (the same value, the same rejection),
 * and fall back to it for whatever they do not handle themselves; tests hold them to it.
 */
package io.tributary.transforms.values;
