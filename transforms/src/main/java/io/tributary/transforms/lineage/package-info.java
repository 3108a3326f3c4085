/**
 * Lineage: OpenLineage run events (spec 2-0-2) describing what a run read and wrote, with schema,
 * statistics and quality facets, and transports that deliver them (JSON-lines file, HTTP).
 *
 * <p>Nothing here runs inside a pipeline; the run driver in pipelines emits the events.
 */
package io.tributary.transforms.lineage;
