/**
 * Running a pipeline definition: option profiles, input and output checks, and what a run reports
 * about itself: the run summary with per-stage metrics and cost, the live progress line, the HTML
 * run report, OpenLineage events and the lineage graph read back from them.
 *
 * <p>The jobs themselves live in their own packages; the command line lives in cli.
 */
package io.tributary.pipelines.runtime;
