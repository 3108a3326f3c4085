/**
 * Runnable Tributary jobs and the {@code tributary} command line.
 *
 * <p>Pipelines only wire transforms and connectors together from options; reusable logic belongs in
 * tributary-transforms or tributary-io.
 */
package io.tributary.pipelines;
