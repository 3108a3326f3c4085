/**
 * Reference tables as spec steps: the {@code LookupTable} step enriches rows from a table read from
 * files or PostgreSQL (and refreshed). The tables themselves live in {@code io.formats} and {@code
 * io.jdbc}; the lookup in {@code transforms.lookup}.
 */
package io.tributary.io.reference;
