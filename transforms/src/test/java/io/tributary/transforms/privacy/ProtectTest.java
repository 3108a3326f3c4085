package io.tributary.transforms.privacy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.tributary.testing.Counters;
import io.tributary.transforms.limits.RecordLimits;
import io.tributary.transforms.metrics.StageGraph;
import io.tributary.transforms.time.EventTime;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class ProtectTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final Schema IN =
      Schema.builder()
          .addNullableField("user_id", Schema.FieldType.STRING)
          .addStringField("email")
          .addStringField("ip")
          .addStringField("user_agent")
          .addDecimalField("price")
          .build();

  private PrivacyPolicy policy() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("email", "encrypt");
    fields.put("ip", "mask:ipv4");
    fields.put("user_agent", "drop");
    fields.put("price", "generalize:10");
    return PrivacyPolicy.of(fields).withSubject("user_id");
  }

  /** Payload and reason of each bad record. */
  static final class Payloads extends PTransform<PCollection<BadRecord>, PCollection<String>> {
    @Override
    public PCollection<String> expand(PCollection<BadRecord> input) {
      return input.apply(
          MapElements.into(TypeDescriptors.strings())
              .via(
                  r ->
                      r.getFailure().getDescription()
                          + " | "
                          + r.getRecord().getHumanReadableJsonRecord()));
    }
  }

  @Test
  public void protectsByPolicyAndDeadLettersRedactedRows() throws Exception {
    Path keyset = TestKeys.write(tmp.getRoot().toPath(), "k1");
    String subjects = tmp.newFolder("subjects").toString();
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new Payloads());
    Protect protect =
        Protect.with(policy())
            .withKeyset(Keyset.KeysetSource.file(keyset.toString()))
            .withSubjectKeys(subjects, "k1")
            .withBadRecordErrorHandler(handler);
    PCollection<Row> out =
        p.apply(
                Create.of(
                        Row.withSchema(IN)
                            .addValues(
                                "u-1",
                                "ana@example.com",
                                "203.0.113.17",
                                "Firefox",
                                new BigDecimal("19.99"))
                            .build(),
                        Row.withSchema(IN)
                            .addValues(
                                null,
                                "orphan@example.com",
                                "198.51.100.7",
                                "Chrome",
                                new BigDecimal("5.00"))
                            .build())
                    .withRowSchema(IN))
            .apply(protect);
    handler.close();

    Schema expected =
        Schema.builder()
            .addNullableField("user_id", Schema.FieldType.STRING)
            .addStringField("email")
            .addStringField("ip")
            .addDecimalField("price")
            .build();
    assertEquals(expected.getFieldNames(), out.getSchema().getFieldNames());
    SubjectKeyStore store =
        SubjectKeyStore.directory(subjects, Keyset.KeysetSource.file(keyset.toString()), "k1");
    PAssert.that(out)
        .satisfies(
            rows -> {
              int n = 0;
              for (Row r : rows) {
                n++;
                assertEquals("u-1", r.getString("user_id"));
                assertEquals("203.0.113.0/24", r.getString("ip"));
                assertEquals(0, new BigDecimal("10").compareTo(r.getDecimal("price")));
                String email = r.getString("email");
                assertThat(email, not(containsString("ana")));
                SubjectKeyStore.SubjectKey key = store.find(Crypto.keyIdOf(email)).orElseThrow();
                assertEquals("ana@example.com", Crypto.decrypt(key.material(), "email", email));
              }
              assertEquals(1, n);
              return null;
            });
    PAssert.that(handler.getOutput())
        .satisfies(
            bad -> {
              int n = 0;
              for (String s : bad) {
                n++;
                assertThat(
                    s,
                    containsString(
                        "protect/cannot_protect: field 'user_id' (the data subject) is null"));
                assertThat(s, not(containsString("orphan")));
                assertThat(s, not(containsString("198.51.100.7")));
                assertThat(s, containsString("[redacted]"));
              }
              assertEquals(1, n);
              return null;
            });
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(
        Counters.stage(run, graph, "protect"), 2, 1, Map.of("cannot_protect", 1L), Map.of());
  }

  private static final Schema TIMED =
      Schema.builder()
          .addStringField("user_id")
          .addStringField("ip")
          .addDateTimeField("event_time")
          .build();

  private PCollection<Row> timedRows() {
    return p.apply(
        Create.of(
                Row.withSchema(TIMED)
                    .addValues("u-1", "203.0.113.17", new Instant(1_793_523_600_000L))
                    .build(),
                Row.withSchema(TIMED)
                    .addValues("u-2", "198.51.100.7", new Instant(-1_000L))
                    .build())
            .withRowSchema(TIMED));
  }

  private static EventTime since2000(BadRecordErrorHandler<?> handler) {
    return EventTime.fromField("event_time")
        .withLimits(
            RecordLimits.defaults()
                .withEventTimeRange(
                    Instant.parse("2000-01-01T00:00:00Z"), Instant.parse("2100-01-01T00:00:00Z")))
        .withBadRecordErrorHandler(handler);
  }

  private static Protect maskIp(BadRecordErrorHandler<?> handler) {
    return Protect.with(PrivacyPolicy.of(Map.of("ip", "mask:ipv4")))
        .withBadRecordErrorHandler(handler);
  }

  /**
   * The one expectation of Protect with a fused event time and of Protect then EventTime: rows,
   * timestamps, the out-of-range dead letter (the protected row, never the clear address) and both
   * stages' accounting.
   */
  private void assertProtectedAndStamped(
      PCollection<Row> out, BadRecordErrorHandler<PCollection<String>> handler) {
    PAssert.that(
            out.apply(
                "IdIpTime",
                MapElements.into(TypeDescriptors.strings())
                    .via((Row r) -> r.getString("user_id") + " " + r.getString("ip"))))
        .containsInAnyOrder("u-1 203.0.113.0/24");
    PAssert.that(out.apply("Times", ParDo.of(new TimeFn())))
        .containsInAnyOrder("2026-11-01T09:00:00.000Z");
    PAssert.that(handler.getOutput())
        .satisfies(
            bad -> {
              int n = 0;
              for (String s : bad) {
                n++;
                assertThat(s, containsString("event_time/out_of_range"));
                assertThat(s, containsString("198.51.100.0/24"));
                assertThat(s, not(containsString("198.51.100.7")));
              }
              assertEquals(1, n);
              return null;
            });
    StageGraph graph = StageGraph.of(p);
    assertEquals(java.util.Set.of("protect"), graph.stage("event_time").feeders());
    PipelineResult run = p.run();
    run.waitUntilFinish();
    Counters.assertStage(Counters.stage(run, graph, "protect"), 2, 2, Map.of(), Map.of());
    Counters.assertStage(
        Counters.stage(run, graph, "event_time"), 2, 1, Map.of("out_of_range", 1L), Map.of());
  }

  /** Each element's timestamp. */
  static final class TimeFn extends DoFn<Row, String> {
    @ProcessElement
    public void process(@Timestamp Instant time, OutputReceiver<String> out) {
      out.output(time.toString());
    }
  }

  @Test
  public void withEventTimeGivesWhatProtectThenEventTimeGive() {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new Payloads());
    PCollection<Row> out = timedRows().apply(maskIp(handler).withEventTime(since2000(handler)));
    handler.close();
    assertProtectedAndStamped(out, handler);
  }

  @Test
  public void protectThenEventTime() {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new Payloads());
    PCollection<Row> out =
        timedRows().apply("Protect", maskIp(handler)).apply("EventTime", since2000(handler));
    handler.close();
    assertProtectedAndStamped(out, handler);
  }

  @Test
  public void withEventTimeRefusesAnotherHandlerOrTheSameStageName() {
    BadRecordErrorHandler<PCollection<String>> one =
        p.registerBadRecordErrorHandler(new Payloads());
    BadRecordErrorHandler<PCollection<String>> other =
        p.registerBadRecordErrorHandler(new Payloads());
    IllegalArgumentException handlers =
        assertThrows(
            IllegalArgumentException.class, () -> maskIp(one).withEventTime(since2000(other)));
    assertThat(handlers.getMessage(), containsString("must send rejections to the same handler"));
    IllegalArgumentException names =
        assertThrows(
            IllegalArgumentException.class,
            () -> maskIp(one).withEventTime(since2000(one).withStageName("protect")));
    assertThat(names.getMessage(), containsString("share the stage name 'protect'"));
    one.close();
    other.close();
    p.enableAbandonedNodeEnforcement(false);
  }

  @Test
  public void missingKeysetStopsThePipelineAtConstruction() {
    PCollection<Row> in =
        p.apply(Create.empty(org.apache.beam.sdk.coders.RowCoder.of(IN))).setRowSchema(IN);
    IllegalStateException noKeyset =
        assertThrows(IllegalStateException.class, () -> in.apply("A", Protect.with(policy())));
    assertThat(noKeyset.getMessage(), containsString("withKeyset() is required"));
    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                in.apply(
                    "B",
                    Protect.with(policy())
                        .withKeyset(Keyset.KeysetSource.file("/no/such/keyset.json"))
                        .withSubjectKeys("/tmp/x", "k1")));
    assertThat(
        missing.getMessage(),
        containsString("keyset file:/no/such/keyset.json: cannot read the file"));
    IllegalArgumentException unknownField =
        assertThrows(
            IllegalArgumentException.class,
            () -> in.apply("C", Protect.with(PrivacyPolicy.of(Map.of("phone", "mask:last4")))));
    assertThat(
        unknownField.getMessage(),
        containsString("privacy policy names field 'phone', which is not in the schema"));
    p.enableAbandonedNodeEnforcement(false);
  }

  @Test
  public void displayDataShowsSourcesNeverKeys() {
    String data =
        DisplayData.from(
                Protect.with(policy())
                    .withKeyset(Keyset.KeysetSource.env("TRIBUTARY_KEYSET"))
                    .withSubjectKeys("/var/keys", "k1"))
            .toString();
    assertThat(data, containsString("env:TRIBUTARY_KEYSET"));
    assertThat(data, containsString("email=encrypt"));
  }
}
