/**
 * Declared pipelines: a YAML spec in the shape of Beam YAML, parsed with positions, checked (types,
 * keys, schemas, expressions) and built from the step providers found by {@code ServiceLoader}.
 *
 * <p>The step types themselves live next to the transforms they wrap (transforms, io-connectors);
 * this package reads specs and wires providers, and the CLI runs them like any other job.
 */
package io.tributary.pipelines.spec;
