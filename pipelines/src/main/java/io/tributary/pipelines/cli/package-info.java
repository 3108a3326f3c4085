/**
 * The {@code tributary} command line: the single entry point of the bundled jar.
 *
 * <p>Only argument handling and messages live here; running jobs is in runtime.
 */
package io.tributary.pipelines.cli;
