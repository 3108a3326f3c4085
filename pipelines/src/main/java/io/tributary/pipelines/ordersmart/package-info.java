/**
 * The {@code orders-mart} job: orders and products change logs to current orders, SCD2 history and
 * a daily revenue mart per product category, served to PostgreSQL and lake partitions.
 *
 * <p>The CDC transform itself is in transforms (cdc); the sinks are in io-connectors.
 */
package io.tributary.pipelines.ordersmart;
