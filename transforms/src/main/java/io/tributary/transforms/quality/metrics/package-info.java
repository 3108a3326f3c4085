/**
 * Dataset metrics with Deequ's definitions, computed per window by one mergeable CombineFn with
 * exact arithmetic where the value must not depend on the runner.
 *
 * <p>Assertions on metric values are in constraints; their history is in repository.
 */
package io.tributary.transforms.quality.metrics;
