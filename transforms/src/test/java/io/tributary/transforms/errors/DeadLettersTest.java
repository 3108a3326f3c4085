package io.tributary.transforms.errors;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.tributary.transforms.metrics.LiveMetrics;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * What a recorded rejection keeps (the readable record once, the rejection as typed fields), how
 * any bad record is read back, and the one reject path from @ProcessElement and @FinishBundle.
 */
@RunWith(JUnit4.class)
public class DeadLettersTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  @Test
  public void aRecordedRejectionKeepsTheReadableFormAndTheRejectionAsTypedFields() {
    RecordRejectedException rejection =
        new RecordRejectedException("decode", "not_json", "bad: a/b: c/d");
    BadRecord text = DeadLetters.badRecord("a \"line\"", StringUtf8Coder.of(), rejection);
    assertThat(text.getRecord().getHumanReadableJsonRecord(), equalTo("\"a \\\"line\\\"\""));
    assertThat(text.getRecord().getCoder(), equalTo(Rejection.CODER_NAME));
    assertThat(text.getFailure().getDescription(), equalTo("decode/not_json: bad: a/b: c/d"));
    assertThat(text.getFailure().getException(), equalTo(rejection.toString()));
    assertTrue(Rejection.isTributary(text));
    assertEquals(
        Rejection.of("decode", "not_json", "bad: a/b: c/d", StringUtf8Coder.of().toString()),
        Rejection.from(text));

    BadRecord bytes =
        DeadLetters.badRecord(new byte[] {1, 2, (byte) 0xFF}, ByteArrayCoder.of(), rejection);
    assertThat(bytes.getRecord().getHumanReadableJsonRecord(), equalTo("\"AQL/\""));
    assertThat(Rejection.from(bytes).payloadCoder(), equalTo("ByteArrayCoder"));

    String hash = "ab".repeat(32);
    BadRecord truncated =
        DeadLetters.badRecord(
            TruncatedPayload.of("head", 99, hash), TruncatedPayload.coder(), rejection);
    assertThat(
        truncated.getRecord().getHumanReadableJsonRecord().replaceAll("\\s", ""),
        equalTo("{\"head\":\"head\",\"originalBytes\":99,\"sha256\":\"" + hash + "\"}"));
    assertThat(
        Rejection.from(truncated).payloadCoder(), equalTo(TruncatedPayload.coder().toString()));
  }

  @Test
  public void aNearLimitPayloadIsKeptOnceNotTwice() {
    String big = "x".repeat(1 << 20);
    BadRecord bad =
        DeadLetters.badRecord(
            big,
            StringUtf8Coder.of(),
            new RecordRejectedException("read", "too_large", "line over the limit"));
    // The readable copy holds the payload; the typed fields are a few dozen bytes.
    assertThat(bad.getRecord().getEncodedRecord().length, lessThan(100));
    assertEquals(big.length() + 2, bad.getRecord().getHumanReadableJsonRecord().length());
  }

  @Test
  public void foreignBadRecordsAreUnknownWithTheReasonOfTheirExceptionClass() throws Exception {
    BadRecord beams =
        BadRecord.fromExceptionInformation(
            "payload", StringUtf8Coder.of(), new IllegalStateException("boom"), "it broke: a/b");
    assertFalse(Rejection.isTributary(beams));
    assertEquals(
        Rejection.of("unknown", "illegal_state_exception", "it broke: a/b", "StringUtf8Coder"),
        Rejection.from(beams));
    BadRecord noException =
        BadRecord.fromExceptionInformation("payload", null, null, "no exception");
    assertEquals(
        Rejection.of("unknown", "unknown", "no exception", null), Rejection.from(noException));
    assertEquals("sql_exception", Rejection.reasonOfException("java.sql.SQLException: x"));
    assertEquals("psql_exception", Rejection.reasonOfException("org.postgresql.PSQLException"));
    assertEquals("outer_inner_error", Rejection.reasonOfException("a.b.Outer$InnerError: y"));
    assertEquals("unknown", Rejection.reasonOfException("not a class: y"));
  }

  @Test
  public void theRejectionCoderIsDeterministicAndRoundTrips() throws Exception {
    CoderProperties.coderDecodeEncodeEqual(
        Rejection.coder(), Rejection.of("serve_items", "check_violation", "x/y: z", null));
    CoderProperties.coderDecodeEncodeEqual(
        Rejection.coder(), Rejection.of("decode", "not_json", "", "ByteArrayCoder"));
    Rejection.coder().verifyDeterministic();
    assertThrows(IllegalArgumentException.class, () -> Rejection.of("s", "Not Snake", "m"));
  }

  /** Rejects odd numbers as they come and even ones at the end of the bundle. */
  static final class RejectFn extends DoFn<Long, Long> {
    static final TupleTag<Long> MAIN = new TupleTag<Long>() {};
    private transient List<TimestampedValue<Long>> buffered;
    private transient List<BoundedWindow> windows;

    @StartBundle
    public void start() {
      buffered = new ArrayList<>();
      windows = new ArrayList<>();
    }

    @ProcessElement
    public void process(
        @Element Long n, @Timestamp Instant ts, BoundedWindow window, MultiOutputReceiver out)
        throws Exception {
      if (n % 2 == 1) {
        DeadLetters.reject(
            BadRecordRouter.RECORDING_ROUTER,
            out,
            "odd " + n,
            StringUtf8Coder.of(),
            new RecordRejectedException("test_stage", "odd", "n/2: not whole"));
      } else {
        buffered.add(TimestampedValue.of(n, ts));
        windows.add(window);
      }
    }

    @FinishBundle
    public void finish(FinishBundleContext context) throws Exception {
      for (int i = 0; i < buffered.size(); i++) {
        TimestampedValue<Long> v = buffered.get(i);
        DeadLetters.reject(
            BadRecordRouter.RECORDING_ROUTER,
            context,
            v.getTimestamp(),
            windows.get(i),
            "even " + v.getValue(),
            StringUtf8Coder.of(),
            new RecordRejectedException("test_stage", "even", "at the end of the bundle"));
      }
    }
  }

  @Test
  public void oneRejectPathFromProcessElementAndFinishBundleCountedOnce() {
    long oddBefore = counted("dead_letter.test_stage.odd");
    long evenBefore = counted("dead_letter.test_stage.even");
    PCollectionTuple result =
        p.apply(
                Create.timestamped(
                    TimestampedValue.of(1L, new Instant(1_000)),
                    TimestampedValue.of(2L, new Instant(2_000)),
                    TimestampedValue.of(4L, new Instant(61_000))))
            .apply(Window.into(FixedWindows.of(Duration.standardMinutes(1))))
            .apply(
                ParDo.of(new RejectFn())
                    .withOutputTags(
                        RejectFn.MAIN, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    PCollection<BadRecord> bad =
        result.get(BadRecordRouter.BAD_RECORD_TAG).setCoder(BadRecord.getCoder(p));
    PCollection<String> described =
        bad.apply(
            MapElements.into(TypeDescriptors.strings())
                .via(
                    r -> {
                      Rejection j = Rejection.from(r);
                      return j.stage() + "|" + j.reason() + "|" + j.message();
                    }));
    PAssert.that(described)
        .containsInAnyOrder(
            "test_stage|odd|n/2: not whole",
            "test_stage|even|at the end of the bundle",
            "test_stage|even|at the end of the bundle");
    // Dead letters from @FinishBundle land in the window of the element they are about.
    PAssert.that(described)
        .inWindow(new IntervalWindow(new Instant(60_000), Duration.standardMinutes(1)))
        .containsInAnyOrder("test_stage|even|at the end of the bundle");
    p.run().waitUntilFinish();
    assertEquals(1, counted("dead_letter.test_stage.odd") - oddBefore);
    assertEquals(2, counted("dead_letter.test_stage.even") - evenBefore);
  }

  @Test
  public void theThrowingRouterThrowsTheRejection() {
    RecordRejectedException rejection = new RecordRejectedException("s", "r", "m");
    assertThrows(
        RecordRejectedException.class,
        () ->
            DeadLetters.reject(
                BadRecordRouter.THROWING_ROUTER,
                DeadLetters.Output.of(
                    (org.apache.beam.sdk.transforms.DoFn.MultiOutputReceiver) null),
                "x",
                StringUtf8Coder.of(),
                rejection));
  }

  private static long counted(String name) {
    return LiveMetrics.snapshot().getOrDefault(DeadLetters.NAMESPACE + "/" + name, 0L);
  }
}
