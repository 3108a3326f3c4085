package io.tributary.pipelines.clickstream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.isIn;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.pipelines.Testdata;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageGraph;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The clickstream pipeline over testdata/clickstream/small.jsonl (1,000 lines, one defect of each
 * class), on whichever runner this surefire execution targets: exact accounting, golden aggregates,
 * and a dead letter per bad line carrying the original line.
 */
@RunWith(JUnit4.class)
public class ClickstreamPipelineTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void smallSampleAccountsForEveryLineAndMatchesGolden() throws Exception {
    Path out = tmp.newFolder("out").toPath();
    ClickstreamOptions options = p.getOptions().as(ClickstreamOptions.class);
    options.setInput(Testdata.file("clickstream/small.jsonl").toString());
    options.setOutput(out.toString());
    ClickstreamPipeline.build(p, options);
    StageGraph graph = StageGraph.of(p);

    PipelineResult result = p.run();
    result.waitUntilFinish();
    RunAccounting a = RunAccounting.from(result, graph);

    // testdata/README.md, small sample: 1,000 lines = 983 valid unique + 10 re-sent duplicates
    // + 7 dead letters (one per defect class).
    assertEquals(1000, a.read());
    assertEquals(983, a.written());
    assertEquals(10, a.deduplicated());
    assertEquals(0, a.quarantined());
    assertEquals(0, a.tooLate());
    assertEquals(
        Map.of(
            "decode.not_json", 1L,
            "decode.truncated_json", 1L,
            "decode.missing_field", 1L,
            "decode.wrong_type", 1L,
            "decode.bad_timestamp", 1L,
            "validate.negative_price", 1L,
            "validate.unknown_currency", 1L),
        a.deadLettersByReason());
    assertTrue(a.line(), a.balanced());

    Testdata.assertMatchesGolden("small", out.resolve("aggregates"));

    // Every dead letter names stage and reason and carries the original line, byte for byte.
    List<String> inputLines = Files.readAllLines(Testdata.file("clickstream/small.jsonl"));
    ObjectMapper mapper = new ObjectMapper();
    List<String> reasons = new ArrayList<>();
    List<String> payloads = new ArrayList<>();
    for (String line : Testdata.jsonLines(out.resolve("dead-letter"))) {
      JsonNode dl = mapper.readTree(line);
      reasons.add(dl.get("stage").asText() + "." + dl.get("reason").asText());
      payloads.add(dl.get("payload").asText());
      assertThat(dl.get("message").asText().isEmpty(), is(false));
    }
    assertThat(reasons, containsInAnyOrder(a.deadLettersByReason().keySet().toArray()));
    // decode-stage payloads are the raw line, protected by the contract's privacy defaults
    // (e-mail and IP masked, user_agent dropped): the line's other bytes are the original's.
    List<String> decodePayloads = new ArrayList<>();
    for (int i = 0; i < reasons.size(); i++) {
      if (reasons.get(i).startsWith("decode.")) {
        decodePayloads.add(payloads.get(i));
      }
    }
    assertEquals(5, decodePayloads.size());
    java.util.regex.Pattern pii =
        java.util.regex.Pattern.compile(
            "\"email\":\"[^\"]*\"|\"ip\":\"[^\"]*\"|[A-Za-z0-9._%+-]+@example\\.com");
    java.util.regex.Pattern userAgent =
        java.util.regex.Pattern.compile(",\"user_agent\":\"[^\"]*\"");
    List<String> inputsWithoutPii = new ArrayList<>();
    for (String line : inputLines) {
      inputsWithoutPii.add(pii.matcher(line).replaceAll("PII"));
      inputsWithoutPii.add(pii.matcher(userAgent.matcher(line).replaceAll("")).replaceAll("PII"));
    }
    for (String payload : decodePayloads) {
      assertThat(
          payload,
          org.hamcrest.Matchers.not(
              org.hamcrest.Matchers.matchesPattern("(?s).*[a-z]+\\.[a-z]+[0-9]+@example\\.com.*")));
      assertThat(pii.matcher(payload).replaceAll("PII"), isIn(inputsWithoutPii));
    }
  }

  @Test
  public void withoutDedupEveryValidEventReachesTheAggregates() throws Exception {
    Path out = tmp.newFolder("out").toPath();
    ClickstreamOptions options = p.getOptions().as(ClickstreamOptions.class);
    options.setInput(Testdata.file("clickstream/small.jsonl").toString());
    options.setOutput(out.toString());
    options.setDedup(false);
    ClickstreamPipeline.build(p, options);
    StageGraph graph = StageGraph.of(p);

    PipelineResult result = p.run();
    result.waitUntilFinish();
    RunAccounting a = RunAccounting.from(result, graph);

    // The 10 re-sent duplicates of the small sample are written like any other event.
    assertEquals(1000, a.read());
    assertEquals(993, a.written());
    assertEquals(0, a.deduplicated());
    assertEquals(7, a.deadLettersByReason().values().stream().mapToLong(Long::longValue).sum());
    assertTrue(a.line(), a.balanced());
    long events = 0;
    for (String line : Testdata.jsonLines(out.resolve("aggregates"))) {
      events += new ObjectMapper().readTree(line).path("events").asLong();
    }
    assertEquals(993, events);
  }

  @Test
  public void batchPanesOfTheFlinkRunnerReadAsTheOnTimePane() {
    assertEquals(
        PaneInfo.Timing.ON_TIME,
        io.tributary.transforms.windowing.PaneMetadata.timingOf(PaneInfo.NO_FIRING));
    assertEquals(
        PaneInfo.Timing.ON_TIME,
        io.tributary.transforms.windowing.PaneMetadata.timingOf(PaneInfo.ON_TIME_AND_ONLY_FIRING));
    assertEquals(
        PaneInfo.Timing.EARLY,
        io.tributary.transforms.windowing.PaneMetadata.timingOf(
            PaneInfo.createPane(true, false, PaneInfo.Timing.EARLY)));
    assertEquals(
        PaneInfo.Timing.UNKNOWN,
        io.tributary.transforms.windowing.PaneMetadata.timingOf(
            PaneInfo.createPane(true, false, PaneInfo.Timing.UNKNOWN)));
    p.enableAbandonedNodeEnforcement(false);
  }
}
