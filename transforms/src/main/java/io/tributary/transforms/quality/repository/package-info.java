/**
 * Metrics repositories: where metric records of earlier runs are kept (JSON-lines files here), so
 * that anomaly detection compares a run with yesterday's.
 *
 * <p>Database-backed repositories, which need a driver, belong in io-connectors.
 */
package io.tributary.transforms.quality.repository;
