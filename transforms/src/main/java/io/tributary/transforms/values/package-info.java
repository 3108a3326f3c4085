/**
 * Values every other package builds on, with no dependency on any other Tributary package: {@link
 * io.tributary.transforms.values.Rows} builds a {@code Row} with the checks of Beam's {@code
 * Row.Builder.build()} at a fraction of its cost, {@link
 * io.tributary.transforms.values.RowBytesCoder} writes and reads a row's {@code RowCoder} bytes at
 * a lower cost per row (a flat row is read as its bytes and decoded field by field when used),
 * {@link io.tributary.transforms.values.Timestamps} parses ISO-8601 timestamps with an offset as
 * {@code java.time} does (with a fast path for the usual shape), {@link
 * io.tributary.transforms.values.Durations} reads and writes durations such as {@code 90s} and
 * {@code 24h}, {@link io.tributary.transforms.values.FieldPath} addresses a field of a (nested)
 * row, and {@link io.tributary.transforms.values.Fingerprint} hashes a value for messages that must
 * not show it.
 *
 * <p>{@code Rows}, {@code RowBytesCoder} and {@code Timestamps} give exactly what the slower
 * standard call gives (the same value, the same bytes, the same rejection) and fall back to it for
 * whatever they do not handle themselves; tests hold them to it.
 */
package io.tributary.transforms.values;
