package io.tributary.transforms.errors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.tributary.transforms.metrics.FusedStages;
import io.tributary.transforms.metrics.LiveMetrics;
import io.tributary.transforms.metrics.StageCounters;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.DoFn.MultiOutputReceiver;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * Helpers every rejecting Tributary transform shares: route a rejection through Beam's {@link
 * BadRecordRouter}, count it under {@code tributary/dead_letter.<stage>.<reason>}, and hand the
 * bad-record collection to the user's {@link ErrorHandler}.
 *
 * <pre>{@code
 * // inside a DoFn's @ProcessElement
 * DeadLetters.reject(router, receiver, line, StringUtf8Coder.of(),
 *     new RecordRejectedException("parse", "not_json", "line is not a JSON object"));
 * // inside its @FinishBundle, for a record buffered with its timestamp and window
 * DeadLetters.reject(router, context, timestamp, window, line, StringUtf8Coder.of(), rejection);
 * // after the ParDo
 * DeadLetters.register(handler, result);
 * }</pre>
 *
 * <p>A recorded {@link BadRecord} carries the rejection as typed fields: its {@link Rejection}
 * (stage, reason, message and the payload coder's name) is encoded with {@link Rejection#coder()}
 * into {@code Record.encodedRecord}, and {@code Record.coder} is {@link Rejection#CODER_NAME}; read
 * it back with {@link Rejection#from(BadRecord)}. The record itself is kept once, in its
 * human-readable JSON form: sinks only write that, and a second, encoded copy of a near-limit line
 * would double what every dead letter weighs on its way through a shuffle. The payload coder's name
 * still tells a sink what the record was: a {@code byte[]} routed with {@code ByteArrayCoder}
 * (original bytes, written as base64) or a {@link TruncatedPayload}. The failure's description is
 * the readable {@code stage/reason: message}, for users' own handlers; Tributary never parses it.
 */
public final class DeadLetters {
  /** Metric namespace of every Tributary counter ({@link StageCounters#NAMESPACE}). */
  public static final String NAMESPACE = StageCounters.NAMESPACE;

  /** Prefix of the per-reason dead-letter counters ({@link StageCounters#DEAD_LETTER_PREFIX}). */
  public static final String COUNTER_PREFIX = StageCounters.DEAD_LETTER_PREFIX;

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
   * Where a rejection is emitted: the bad-record output of a {@code @ProcessElement} (a {@link
   * MultiOutputReceiver}) or of a {@code @FinishBundle} (its context, with the timestamp and window
   * of the record rejected). Both go through the one {@link #reject(BadRecordRouter, Output,
   * Object, Coder, RecordRejectedException)} path.
   */
  public abstract static class Output {
    private Output() {}

    /** Emits a recorded bad record. */
    abstract void emit(BadRecord badRecord);

    /** Hands the rejection to a router that does not record (the throwing one throws it). */
    abstract <T> void route(
        BadRecordRouter router, T record, @Nullable Coder<T> coder, RecordRejectedException r)
        throws Exception;

    /** The bad-record output of a {@code @ProcessElement}. */
    public static Output of(MultiOutputReceiver receiver) {
      return new Output() {
        @Override
        void emit(BadRecord badRecord) {
          receiver.get(BadRecordRouter.BAD_RECORD_TAG).output(badRecord);
        }

        @Override
        <T> void route(
            BadRecordRouter router, T record, @Nullable Coder<T> coder, RecordRejectedException r)
            throws Exception {
          router.route(receiver, record, coder, r, r.description());
        }
      };
    }

    /**
     * The bad-record output of a {@code @FinishBundle}: the dead letter gets the timestamp and the
     * window of the record it is about (kept when the record was buffered).
     */
    public static Output of(
        DoFn<?, ?>.FinishBundleContext context, Instant timestamp, BoundedWindow window) {
      return new Output() {
        @Override
        void emit(BadRecord badRecord) {
          context.output(BadRecordRouter.BAD_RECORD_TAG, badRecord, timestamp, window);
        }

        @Override
        <T> void route(
            BadRecordRouter router, T record, @Nullable Coder<T> coder, RecordRejectedException r)
            throws Exception {
          router.route(context, record, coder, r, r.description(), window);
        }
      };
    }
  }

  /**
   * Routes {@code record} as rejected from a {@code @ProcessElement}; see {@link
   * #reject(BadRecordRouter, Output, Object, Coder, RecordRejectedException)}.
   */
  public static <T> void reject(
      BadRecordRouter router,
      MultiOutputReceiver receiver,
      T record,
      @Nullable Coder<T> coder,
      RecordRejectedException rejection)
      throws Exception {
    reject(router, Output.of(receiver), record, coder, rejection);
  }

  /**
   * Routes {@code record} as rejected from a {@code @FinishBundle}, into the window (and with the
   * timestamp) of the element it came from; see {@link #reject(BadRecordRouter, Output, Object,
   * Coder, RecordRejectedException)}.
   */
  public static <T> void reject(
      BadRecordRouter router,
      DoFn<?, ?>.FinishBundleContext context,
      Instant timestamp,
      BoundedWindow window,
      T record,
      @Nullable Coder<T> coder,
      RecordRejectedException rejection)
      throws Exception {
    reject(router, Output.of(context, timestamp, window), record, coder, rejection);
  }

  /**
   * The one reject path. With {@link BadRecordRouter#RECORDING_ROUTER} the record becomes a {@link
   * BadRecord} ({@link #badRecord}) on {@link BadRecordRouter#BAD_RECORD_TAG}; with the throwing
   * router the rejection is thrown and fails the bundle, which is what a user who registered no
   * handler asked for. Counted here and only here, under {@code dead_letter.<stage>.<reason>}, and
   * only when recorded, so the accounting matches what reached the dead letters.
   */
  public static <T> void reject(
      BadRecordRouter router,
      Output output,
      T record,
      @Nullable Coder<T> coder,
      RecordRejectedException rejection)
      throws Exception {
    if (router instanceof BadRecordRouter.RecordingBadRecordRouter) {
      output.emit(badRecord(record, coder, rejection));
    } else {
      output.route(router, record, coder, rejection);
    }
    counter(rejection.stage(), rejection.reason()).inc();
  }

  /**
   * The bad record a recorded rejection becomes: the record's human-readable JSON (as Beam's
   * recording router renders it) and the {@link Rejection} as typed fields ({@code
   * Record.encodedRecord} with coder {@link Rejection#CODER_NAME}); no encoded copy of the record.
   */
  public static <T> BadRecord badRecord(
      T record, @Nullable Coder<T> coder, RecordRejectedException rejection) {
    BadRecord.Record.Builder kept = BadRecord.Record.builder();
    String human;
    try {
      human = HUMAN_READABLE.writeValueAsString(record);
    } catch (Exception e) {
      human = String.valueOf(record);
    }
    kept.setHumanReadableJsonRecord(human);
    Rejection typed =
        rejection.rejection().withPayloadCoder(coder == null ? null : coder.toString());
    try {
      kept.setEncodedRecord(CoderUtils.encodeToByteArray(Rejection.coder(), typed));
    } catch (CoderException e) {
      throw new IllegalStateException("cannot encode " + typed, e);
    }
    kept.setCoder(Rejection.CODER_NAME);
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

  /**
   * Whether two stages send rejections to the same place: the same handler, or neither has one
   * (each fails the run on a rejection). Stages fused into one step must (one bad-record output).
   */
  public static boolean sameHandler(
      ErrorHandler<BadRecord, ?> one, ErrorHandler<BadRecord, ?> other) {
    return FusedStages.sameHandler(one, other);
  }

  /** The handler a transform uses until {@code withBadRecordErrorHandler} is called. */
  public static ErrorHandler<BadRecord, ?> defaultHandler() {
    return new ErrorHandler.DefaultErrorHandler<>();
  }
}
