package io.tributary.pipelines.spec;

import io.tributary.pipelines.runtime.RunOptions;

/**
 * The options of a spec run: those of every run ({@link RunOptions}: output, lineage, progress,
 * prices). Values under the spec's {@code options:} are defaults for them; the spec's own variables
 * are set with {@code --name=value} too and are not pipeline options.
 *
 * <pre>{@code
 * tributary run pipelines/specs/clickstream.yaml --output=/tmp/out --profile=direct
 * }</pre>
 */
public interface SpecOptions extends RunOptions {}
