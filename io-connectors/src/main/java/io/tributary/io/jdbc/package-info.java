/**
 * Serving to PostgreSQL: an idempotent, batched upsert sink with retries and per-row dead letters
 * ({@code PostgresUpsert}) or, for rebuilt marts, partition replaces in one transaction ({@code
 * PostgresReplace}), both accounted stages of role SINK, and the DDL they derive from a Beam
 * schema; erasure of a data subject's rows; least-privilege serving (a view per role, roles and
 * grants from a declarative config).
 *
 * <p>Reading from databases (CDC) is not here: change events arrive as Debezium JSON and are
 * applied by {@code io.tributary.transforms.cdc}.
 */
package io.tributary.io.jdbc;
