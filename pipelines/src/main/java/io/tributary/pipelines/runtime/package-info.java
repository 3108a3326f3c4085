/**
 * Running a pipeline definition: option profiles, input and output checks, the run summary.
 *
 * <p>The jobs themselves live in their own packages; the command line lives in cli.
 */
package io.tributary.pipelines.runtime;
