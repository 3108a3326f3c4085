/**
 * Tributary's sources, sinks and formats.
 *
 * <p>Transforms that only reshape records live in tributary-transforms; this module touches
 * storage.
 */
package io.tributary.io;
