package io.tributary.pipelines.clickstream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.pipelines.runtime.PipelineRun;
import io.tributary.pipelines.runtime.RunSummary;
import io.tributary.testing.TestRunners;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** The clickstream job on the 1,000-line sample: golden aggregates, pane metadata, accounting. */
@RunWith(JUnit4.class)
public class ClickstreamWindowTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final Path SMALL = Paths.get("..", "testdata", "clickstream", "small.jsonl");
  private static final Path GOLDEN =
      Paths.get("..", "testdata", "clickstream", "golden", "small", "aggregates.jsonl");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private RunSummary run(String window) throws IOException {
    ClickstreamOptions options = TestRunners.options().as(ClickstreamOptions.class);
    options.setInput(SMALL.toAbsolutePath().toString());
    options.setOutput(tmp.getRoot().getAbsolutePath());
    if (window != null) {
      options.setWindow(window);
    }
    return PipelineRun.run(new ClickstreamJob(), options);
  }

  @Test
  public void aStreamingSpecGivesTheSameAnswerOnABoundedFile() throws IOException {
    RunSummary summary = run("fixed:1h;early=count:100;late=every;lateness=6h;accumulating");
    assertTrue(summary.accounting().line(), summary.accounting().balanced());
    // Early panes may fire before the end of input; the last pane of each window is the answer.
    assertEquals(golden(), lastPanePerWindow());
  }

  @Test
  public void invalidWindowFailsAtConstructionNamingTheOption() {
    ClickstreamOptions options = TestRunners.options().as(ClickstreamOptions.class);
    options.setInput(SMALL.toAbsolutePath().toString());
    options.setOutput(tmp.getRoot().getAbsolutePath());
    options.setWindow("fixed:1h;lateness=2h");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ClickstreamPipeline.build(Pipeline.create(options), options));
    assertThat(
        e.getMessage(),
        containsString("--window: WindowSpec 'fixed:1h;lateness=2h': part 'lateness=2h'"));
  }

  private List<String> golden() throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(GOLDEN)) {
      out.add(MAPPER.readTree(line).toString());
    }
    return out;
  }

  private List<JsonNode> aggregateNodes() throws IOException {
    List<JsonNode> nodes = new ArrayList<>();
    try (Stream<Path> files = Files.walk(tmp.getRoot().toPath().resolve("aggregates"))) {
      for (Path f :
          files
              .filter(f -> f.toString().endsWith(".jsonl"))
              .sorted()
              .collect(Collectors.toList())) {
        for (String line : Files.readAllLines(f)) {
          if (!line.isBlank()) {
            nodes.add(MAPPER.readTree(line));
          }
        }
      }
    }
    nodes.sort(
        Comparator.comparing((JsonNode n) -> n.get("window_start").asText())
            .thenComparing(n -> n.get("pane").get("index").asInt()));
    return nodes;
  }

  private List<String> lastPanePerWindow() throws IOException {
    java.util.Map<String, String> last = new java.util.TreeMap<>();
    for (JsonNode n : aggregateNodes()) {
      ObjectNode copy = n.deepCopy();
      copy.remove("pane");
      last.put(n.get("window_start").asText(), copy.toString());
    }
    return new ArrayList<>(last.values());
  }
}
