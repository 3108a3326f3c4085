package io.tributary.transforms.errors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.tributary.transforms.metrics.LiveMetrics;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn.MultiOutputReceiver;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Helpers every rejecting Tributary transform shares: route a rejection through Beam's {@link
 * BadRecordRouter}, count it under {@code tributary/dead_letter.<stage>.<reason>}, and hand the
 * bad-record collection to the user's {@link ErrorHandler}.
 *
 * <pre>{@code
 * // inside a DoFn
 * DeadLetters.reject(router, receiver, line, StringUtf8Coder.of(),
 *     new RecordRejectedException("parse", "not_json", "line is not a JSON object"));
 * // after the ParDo
 * DeadLetters.register(handler, result);
 * }</pre>
 *
 * <p>A recorded {@link BadRecord} keeps the human-readable JSON form of the record and the name of
 * its coder, but not Beam's encoded copy: sinks only write the readable form, and a second copy of
 * a near-limit line would double what every dead letter weighs on its way through a shuffle. The
 * coder's name still tells a sink what the record was: a {@code byte[]} routed with {@code
 * ByteArrayCoder} (original bytes, written as base64) or a {@link TruncatedPayload}.
 */
public final class DeadLetters {
  /** Metric namespace of every Tributary counter. */
  public static final String NAMESPACE = "tributary";

  /** Prefix of the per-reason dead-letter counters. */
  public static final String COUNTER_PREFIX = "dead_letter.";

  /**
   * Beam's own rendering of a record (RecordingBadRecordRouter), so dead letters stay as before.
   */
  private static final ObjectWriter HUMAN_READABLE =
      new ObjectMapper().writer().withDefaultPrettyPrinter();

  private DeadLetters() {}

  /** The counter for one stage and reason, e.g. {@code dead_letter.parse.not_json}. */
  public static Counter counter(String stage, String reason) {
    return LiveMetrics.counter(NAMESPACE, COUNTER_PREFIX + stage + "." + reason);
  }

  /**
   * Routes {@code record} as rejected. With {@link BadRecordRouter#RECORDING_ROUTER} it becomes a
   * {@link BadRecord} on {@link BadRecordRouter#BAD_RECORD_TAG}; with the throwing router the
   * rejection is thrown and fails the bundle, which is what a user who registered no handler asked
   * for. Counted only when recorded, so the accounting matches what reached the dead letters.
   */
  public static <T> void reject(
      BadRecordRouter router,
      MultiOutputReceiver receiver,
      T record,
      @Nullable Coder<T> coder,
      RecordRejectedException rejection)
      throws Exception {
    if (router instanceof BadRecordRouter.RecordingBadRecordRouter) {
      receiver.get(BadRecordRouter.BAD_RECORD_TAG).output(badRecord(record, coder, rejection));
    } else {
      router.route(receiver, record, coder, rejection, rejection.description());
    }
    counter(rejection.stage(), rejection.reason()).inc();
  }

  /**
   * The bad record Beam's recording router would build, without the encoded copy of the record (the
   * coder's name is kept).
   */
  static <T> BadRecord badRecord(
      T record, @Nullable Coder<T> coder, RecordRejectedException rejection) {
    BadRecord.Record.Builder kept = BadRecord.Record.builder();
    String human;
    try {
      human = HUMAN_READABLE.writeValueAsString(record);
    } catch (Exception e) {
      human = String.valueOf(record);
    }
    kept.setHumanReadableJsonRecord(human);
    if (coder != null) {
      kept.setCoder(coder.toString());
    }
    StringWriter trace = new StringWriter(); // one line: rejections carry no stack frames
    try (PrintWriter w = new PrintWriter(trace)) {
      rejection.printStackTrace(w);
    }
    return BadRecord.builder()
        .setRecord(kept.build())
        .setFailure(
            BadRecord.Failure.builder()
                .setDescription(rejection.description())
                .setException(rejection.toString())
                .setExceptionStacktrace(trace.toString())
                .build())
        .build();
  }

  /** Gives the bad-record output of a multi-output ParDo to {@code handler}, with its coder. */
  public static void register(ErrorHandler<BadRecord, ?> handler, PCollectionTuple result) {
    PCollection<BadRecord> bad = result.get(BadRecordRouter.BAD_RECORD_TAG);
    bad.setCoder(BadRecord.getCoder(result.getPipeline()));
    handler.addErrorCollection(bad);
  }

  /** The router that matches a handler: recording for a real one, throwing for the default. */
  public static BadRecordRouter routerFor(ErrorHandler<BadRecord, ?> handler) {
    return handler instanceof ErrorHandler.DefaultErrorHandler
        ? BadRecordRouter.THROWING_ROUTER
        : BadRecordRouter.RECORDING_ROUTER;
  }

  /** The handler a transform uses until {@code withBadRecordErrorHandler} is called. */
  public static ErrorHandler<BadRecord, ?> defaultHandler() {
    return new ErrorHandler.DefaultErrorHandler<>();
  }

  /** Splits a description written by {@link RecordRejectedException#description()}. */
  public static String[] parseDescription(String description) {
    int slash = description.indexOf('/');
    int colon = description.indexOf(": ");
    if (slash < 0 || colon < slash) {
      return new String[] {"unknown", "unknown", description};
    }
    return new String[] {
      description.substring(0, slash),
      description.substring(slash + 1, colon),
      description.substring(colon + 2)
    };
  }
}
