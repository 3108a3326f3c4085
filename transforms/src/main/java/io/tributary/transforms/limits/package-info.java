/**
 * The bounds every record must stay within (size, nesting, number length, event-time range) and the
 * contract-level rules for duplicate keys and unknown fields; one value shared by readers and
 * decoders.
 *
 * <p>What happens to a record outside the bounds (a dead letter with a reason) is decided by the
 * stage that checks it; this package only holds the limits.
 */
package io.tributary.transforms.limits;
