package io.tributary.pipelines.runtime;

import java.util.List;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * A pipeline that can rebuild single date partitions, which is what {@code tributary backfill}
 * needs: where its partitioned outputs live, how to restrict a run to some dates, and a fingerprint
 * of its input to tell an unchanged complete partition from a stale one.
 *
 * <pre>{@code
 * job.setPartitions(options, List.of("2026-11-01"));
 * PipelineRun.run(job, options);
 * }</pre>
 */
public interface Backfillable extends PipelineDefinition {
  /**
   * Dataset roots with {@code dt=YYYY-MM-DD/_SUCCESS} markers; a date is complete when all have
   * one.
   */
  List<String> datasetRoots(PipelineOptions options);

  /** Restricts the next run to {@code dates}. */
  void setPartitions(PipelineOptions options, List<String> dates);

  /** A fingerprint of the input, as written into the markers. */
  String inputFingerprint(PipelineOptions options);
}
