package io.tributary.pipelines.spec;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeFalse;

import io.tributary.testing.TestRunners;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@code tributary test}: the tests of clickstream.yaml pass; a test whose expectations are wrong
 * fails with a readable diff and exit 1; a bad {@code tests:} section is a spec error with its
 * position (exit 2). Runs on the runner of this execution (Direct and Flink); the command line's
 * {@code --runner=both} once, in the Direct execution.
 */
@RunWith(JUnit4.class)
public class SpecTestsTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final String EVENT =
      "{event_id: e-1, user_id: u-1, event_type: purchase, product_id: p-1, price: 2.50,"
          + " currency: EUR, event_time: \"2026-11-01T10:05:00Z\", email: ann@example.com,"
          + " ip: 192.0.2.1, user_agent: ua}";

  /** clickstream.yaml's pipeline (its own tests left out) with {@code tests}. */
  private Path clickstreamWith(String tests) throws Exception {
    String text = Files.readString(SpecGraphTest.CLICKSTREAM, StandardCharsets.UTF_8);
    String pipeline = text.substring(0, text.indexOf("\ntests:\n") + 1);
    Path file = tmp.newFile("clickstream-test.yaml").toPath();
    Files.writeString(file, pipeline + "tests:\n" + tests, StandardCharsets.UTF_8);
    return file;
  }

  @Test
  public void clickstreamTestPasses() throws Exception {
    SpecJob job = SpecJob.load(SpecGraphTest.CLICKSTREAM, List.of());
    List<SpecTest> tests = SpecTests.parse(job.spec(), StepCatalog.load());
    assertEquals(
        List.of("hourly_aggregate", "not_json_is_dead_lettered", "personal_data_is_protected"),
        tests.stream().map(SpecTest::name).collect(Collectors.toList()));
    SpecTests.Result r = SpecTests.run(job, tests.get(0), TestRunners.current());
    assertEquals(r.report(), "PASS hourly_aggregate [" + TestRunners.current() + "]", r.report());
    assertTrue(r.passed());
  }

  @Test
  public void wrongExpectationsFailWithADiffAndExit1() throws Exception {
    Path spec =
        clickstreamWith(
            "  - name: wrong\n"
                + "    inputs:\n"
                + "      decode: {rows: ["
                + EVENT
                + "]}\n"
                + "    expect:\n"
                + "      write_aggregates:\n"
                + "        rows:\n"
                + "          - {window_start: \"2026-11-01T10:00:00Z\", window_end:"
                + " \"2026-11-01T11:00:00Z\", events: 2, events_by_type: {purchase: 2},"
                + " revenue_by_currency: {EUR: 2.50}, distinct_users: 1,"
                + " pane: {timing: ON_TIME, index: 0, final: true}}\n"
                + "      dead_letters: {validate.negative_price: 1}\n"
                + "      accounting: {read: 2, deduplicated: 0}\n");
    SpecGraphTest.Cli r =
        SpecGraphTest.Cli.run("test", spec.toString(), "--runner=" + TestRunners.current());
    String runner = TestRunners.current();
    assertEquals(r.err, 1, r.code);
    assertEquals(
        "FAIL wrong ["
            + runner
            + "]\n"
            + "  rows of write_aggregates: expected 1, got 1 (1 missing, 1 unexpected)\n"
            + "    - {\"window_start\":\"2026-11-01T10:00:00Z\",\"window_end\":\"2026-11-01T11:00:00Z\","
            + "\"events\":2,\"events_by_type\":{\"purchase\":2},\"revenue_by_currency\":{\"EUR\":2.50},"
            + "\"distinct_users\":1,\"pane\":{\"timing\":\"ON_TIME\",\"index\":0,\"final\":true}}\n"
            + "    + {\"window_start\":\"2026-11-01T10:00:00Z\",\"window_end\":\"2026-11-01T11:00:00Z\","
            + "\"events\":1,\"events_by_type\":{\"purchase\":1},\"revenue_by_currency\":{\"EUR\":2.50},"
            + "\"distinct_users\":1,\"pane\":{\"timing\":\"ON_TIME\",\"index\":0,\"final\":true}}\n"
            + "  dead_letters (stage.reason):\n"
            + "    validate.negative_price: expected 1, got 0\n"
            + "  accounting.read: expected 2, got 1  (read=1 = written=1 + dead-lettered=0 +"
            + " quarantined=0 + deduplicated=0 + too-late=0 [balanced])\n"
            + spec
            + ": 0 of 1 test runs passed, 1 failed\n",
        r.out);
  }

  @Test
  public void rowsCompareAsJsonValues() throws Exception {
    // Keys in another order and 2.5 for 2.50 are the same row; one row more is a difference.
    Path spec =
        clickstreamWith(
            "  - name: same_values\n"
                + "    inputs:\n"
                + "      decode: {rows: ["
                + EVENT
                + "]}\n"
                + "    expect:\n"
                + "      write_aggregates:\n"
                + "        rows:\n"
                + "          - {pane: {final: true, index: 0, timing: ON_TIME}, distinct_users: 1,"
                + " revenue_by_currency: {EUR: 2.5}, events_by_type: {purchase: 1}, events: 1,"
                + " window_end: \"2026-11-01T11:00:00Z\", window_start: \"2026-11-01T10:00:00Z\"}\n"
                + "      write_late: {rows: []}\n"
                + "      dead_letters: {}\n");
    SpecJob job = SpecJob.load(spec, List.of());
    SpecTest test = SpecTests.parse(job.spec(), StepCatalog.load()).get(0);
    SpecTests.Result r = SpecTests.run(job, test, TestRunners.current());
    assertTrue(r.report(), r.passed());
  }

  @Test
  public void commandRunsEachTestOnBothRunners() throws Exception {
    // Starts Direct and Flink itself: once is enough, in the Direct execution.
    assumeFalse(TestRunners.isFlink());
    SpecGraphTest.Cli r =
        SpecGraphTest.Cli.run(
            "test",
            SpecGraphTest.CLICKSTREAM.toString(),
            "--runner=both",
            "--test=not_json_is_dead_lettered");
    assertEquals(r.err, 0, r.code);
    assertEquals(
        "PASS not_json_is_dead_lettered [direct]\n"
            + "PASS not_json_is_dead_lettered [flink]\n"
            + SpecGraphTest.CLICKSTREAM
            + ": 2 of 2 test runs passed\n",
        r.out);
  }

  @Test
  public void badTestsSectionIsASpecErrorWithPositions() throws Exception {
    Path spec =
        clickstreamWith(
            "  - name: bad\n"
                + "    inputs:\n"
                + "      validate: {rows: []}\n"
                + "    expect:\n"
                + "      write_agregates: {rows: []}\n"
                + "      accounting: {red: 1, written: -1}\n"
                + "      dead_letters: {negative_price: 1}\n");
    SpecException e =
        assertThrows(
            SpecException.class, () -> SpecTests.parse(SpecParser.parse(spec), StepCatalog.load()));
    int line = lineOf(spec, "  - name: bad");
    String f = spec.toString();
    assertEquals(
        List.of(
            f
                + ":"
                + (line + 2)
                + ":7: test 'bad': inputs: 'validate' is not a source of the spec"
                + "; expected one of [decode]",
            f
                + ":"
                + (line + 2)
                + ":7: test 'bad': no input for source 'decode' (a test never"
                + " reads real data): add decode: {rows: [...]}",
            f
                + ":"
                + (line + 4)
                + ":7: test 'bad': expect: no step named 'write_agregates' (did"
                + " you mean 'write_aggregates'?); expected a sink, step.output, dead_letters or"
                + " accounting",
            f
                + ":"
                + (line + 5)
                + ":20: unknown key 'red' in test 'bad': expect.accounting (did"
                + " you mean 'read'?)",
            f
                + ":"
                + (line + 5)
                + ":37: test 'bad': expect.accounting.written: expected a count"
                + " (0 or more), got '-1'",
            f
                + ":"
                + (line + 6)
                + ":22: test 'bad': expect.dead_letters: expected stage.reason"
                + " as key, got 'negative_price'"),
        e.errors().stream().map(SpecError::toString).collect(Collectors.toList()));

    SpecGraphTest.Cli r = SpecGraphTest.Cli.run("test", f, "--runner=direct");
    assertEquals(2, r.code);
    assertThat(r.err, containsString(f + ":" + (line + 2) + ":7: test 'bad'"));
    assertEquals("", r.out);

    // check reports them too: the tests are part of the spec.
    SpecGraphTest.Cli check = SpecGraphTest.Cli.run("check", f, SpecGraphTest.INPUT);
    assertEquals(2, check.code);
    assertThat(check.err, containsString(f + ":" + (line + 4) + ":7: test 'bad': expect: no step"));
  }

  @Test
  public void canonicalJsonIgnoresKeyOrderAndTrailingZeros() throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper m =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .enable(
                com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    assertEquals(
        SpecTests.canonical(m.readTree("{\"a\":12.50,\"b\":[1,{\"y\":0.0,\"x\":\"s\"}]}")),
        SpecTests.canonical(m.readTree("{\"b\":[1,{\"x\":\"s\",\"y\":0}],\"a\":12.5}")));
    assertFalse(
        SpecTests.canonical(m.readTree("{\"a\":\"1\"}"))
            .equals(SpecTests.canonical(m.readTree("{\"a\":1}"))));
  }

  private static int lineOf(Path file, String text) throws Exception {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    return lines.indexOf(text) + 1;
  }
}
