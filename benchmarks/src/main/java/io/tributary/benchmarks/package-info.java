/**
 * Throughput variants of one workload (parse, validate, dedup, 1-minute windows, count and sum per
 * event type) and JMH microbenchmarks of per-record hot paths. Nothing here is library code.
 */
package io.tributary.benchmarks;
