/**
 * The plug-in contract of declared pipelines: a {@link io.tributary.transforms.spec.StepProvider}
 * is a Beam {@code SchemaTransformProvider} found through {@code ServiceLoader}, with a YAML type
 * name, a configuration schema and the stage name and error handler of the step it builds.
 *
 * <p>Providers are thin adapters over the library's own transforms; the spec engine that reads YAML
 * and wires providers into a pipeline lives in the pipelines module.
 */
package io.tributary.transforms.spec;
