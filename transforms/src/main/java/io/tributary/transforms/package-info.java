/**
 * Tributary's reusable, schema-aware PTransforms.
 *
 * <p>Each sub-package holds one concern (errors, json, validate, time, dedup, metrics). Nothing
 * here depends on connectors, pipelines or a specific runner.
 */
package io.tributary.transforms;
