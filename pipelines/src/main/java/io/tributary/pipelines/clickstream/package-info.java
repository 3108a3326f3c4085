/**
 * The clickstream reference pipeline: JSON lines in, validated, de-duplicated, windowed aggregates
 * and dead letters out.
 */
package io.tributary.pipelines.clickstream;
