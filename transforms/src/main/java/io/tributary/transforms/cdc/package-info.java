/**
 * Change data capture: Debezium change events to a table's current state and its SCD type 2
 * history, correct under out-of-order and repeated events.
 *
 * <p>Sinks for the results (PostgreSQL upserts, lake partitions) live in io-connectors, not here.
 */
package io.tributary.transforms.cdc;
