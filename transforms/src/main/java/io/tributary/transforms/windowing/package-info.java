/**
 * Event-time windowing: the {@link io.tributary.transforms.windowing.WindowSpec} grammar, the
 * {@link io.tributary.transforms.windowing.Windowing} transform that routes too-late records to
 * their own output instead of letting a GroupByKey drop them, the {@link
 * io.tributary.transforms.windowing.WindowedResult} it (and {@code Sessionize}) returns, and pane
 * metadata for sinks.
 *
 * <p>Aggregations themselves and sessions ({@code io.tributary.transforms.sessions}) do not live
 * here.
 */
package io.tributary.transforms.windowing;
