package io.tributary.transforms.stages;

import io.tributary.transforms.metrics.AccountedStage;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;

/**
 * A transform that works on one row at a time and can therefore run inside another step: {@link
 * RecordStages} chains such stages into one {@code DoFn}. {@code Validate}, {@code MapFields},
 * {@code FilterRows}, {@code Protect} and {@code EventTime} are record stages.
 *
 * <pre>{@code
 * PCollection<Row> out = rows.apply("Prepare", RecordStages.of(
 *     Validate.withRules(rules).withBadRecordErrorHandler(handler),
 *     MapFields.of(fields).withAppend(true).withBadRecordErrorHandler(handler),
 *     EventTime.fromField("ts").withBadRecordErrorHandler(handler)));
 * }</pre>
 */
public interface RecordStage extends AccountedStage {
  /** Where the stage's rejections go (Beam's default handler, which fails the run, if none). */
  ErrorHandler<BadRecord, ?> badRecordErrorHandler();

  /**
   * The stage's per-row work for rows of {@code inputSchema}, checked against it as the transform's
   * own {@code expand} checks it (a missing field or an expression that does not compile fails
   * here, at construction, with the same message).
   */
  RecordFn recordFn(Schema inputSchema);
}
