/**
 * Sessionization: per-user activity sessions with a gap, summarised one row per session and pane.
 *
 * <p>Built on {@code io.tributary.transforms.windowing}, so late events are routed, not dropped;
 * generic windowing and dedup do not live here.
 */
package io.tributary.transforms.sessions;
