/**
 * Privacy: field policies (mask, tokenize, encrypt, generalize, drop) applied by schema field,
 * keysets loaded from files or the environment, and per-subject keys for crypto-shredding (in a
 * directory or a PostgreSQL table).
 *
 * <p>Key material never appears in logs, exceptions, display data or the pipeline graph: transforms
 * carry the keyset's source (a path or a variable name) and load it on the workers.
 */
package io.tributary.transforms.privacy;
