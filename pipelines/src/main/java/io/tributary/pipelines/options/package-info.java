/**
 * Options shared by the Tributary jobs, as small mixin interfaces that each job's options extend
 * (Beam's own style, like {@code StreamingOptions} or {@code FlinkPipelineOptions}), plus {@link
 * io.tributary.pipelines.options.SourceKind}, the one parser of {@code --source}, and {@link
 * io.tributary.pipelines.options.ParsedSettings}, which keeps the typed settings a job parsed from
 * its options with those options, so that validation and the build share one parse.
 *
 * <pre>{@code
 * public interface MyJobOptions extends OutputOptions, SourceOptions, KafkaOptions, RunOptions {
 *   // the job's own options
 * }
 * }</pre>
 *
 * <p>The option names are the command line's: a mixin never renames an option.
 */
package io.tributary.pipelines.options;
