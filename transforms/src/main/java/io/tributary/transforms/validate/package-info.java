/**
 * Row-level business rules that reject a record outright (negative price, unknown currency).
 *
 * <p>Rejections are bad records; softer, measured data-quality checks with quarantine and metrics
 * belong in the quality package.
 */
package io.tributary.transforms.validate;
