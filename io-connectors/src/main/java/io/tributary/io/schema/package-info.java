/**
 * Schemas as contracts: a file-based Avro schema registry (subject, numbered versions, stable ids),
 * compatibility modes, and resolution of payloads written with an older schema.
 *
 * <p>Formats and wire encodings that use the registry live in the formats and kafka packages.
 */
package io.tributary.io.schema;
