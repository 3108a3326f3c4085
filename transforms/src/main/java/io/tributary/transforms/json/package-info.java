/**
 * Decoding JSON text into schema'd {@link org.apache.beam.sdk.values.Row}s against a contract.
 *
 * <p>Every line that cannot be decoded becomes a bad record with a reason code; encoding and file
 * handling live in io-connectors.
 */
package io.tributary.transforms.json;
