/**
 * Per-record stages run as one step: {@link io.tributary.transforms.stages.RecordStages} chains
 * transforms that work one row at a time ({@code Validate}, {@code MapFields}, {@code FilterRows},
 * {@code Protect}, {@code EventTime}) into a single {@code DoFn} with one bad-record output, each
 * stage keeping its own name, counters and rejections in the run's accounting.
 */
package io.tributary.transforms.stages;
