/**
 * Test support for Kafka: a real single-node KRaft broker started from the Maven artifacts.
 *
 * <p>Shared with pipelines' tests through the io-connectors test-jar; no mocks live here.
 */
package io.tributary.io.kafka.testing;
