/**
 * Expressions over Beam rows (CEL, the Common Expression Language), type-checked against the input
 * schema before the run, and the transforms built on them: {@link
 * io.tributary.transforms.expr.MapFields} (derived fields) and {@link
 * io.tributary.transforms.expr.FilterRows} (predicates).
 *
 * <p>Parsing spec files and quality checks' own {@code where} grammar live elsewhere; this package
 * only compiles and evaluates one expression against one row schema. See docs/expressions.md.
 */
package io.tributary.transforms.expr;
