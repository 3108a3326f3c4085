/**
 * Decoding JSON text into schema'd {@link org.apache.beam.sdk.values.Row}s against a contract.
 *
 * <p>Every line that cannot be decoded, or breaks a bound of its {@code RecordLimits}, becomes a
 * bad record with a reason code ({@link io.tributary.transforms.json.DecodeJson} lists them);
 * encoding and file handling live in io-connectors.
 */
package io.tributary.transforms.json;
