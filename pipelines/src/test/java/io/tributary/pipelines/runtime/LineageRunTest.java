package io.tributary.pipelines.runtime;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.clickstream.ClickstreamJob;
import io.tributary.pipelines.clickstream.ClickstreamOptions;
import io.tributary.testing.OpenLineageSchema;
import io.tributary.testing.TestRunners;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Every run emits schema-valid OpenLineage events: START then COMPLETE, or START then FAIL. */
@RunWith(JUnit4.class)
public class LineageRunTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();
  private final ObjectMapper mapper = new ObjectMapper();

  private List<JsonNode> events(Path file) throws Exception {
    List<String> lines = Files.readAllLines(file);
    for (String line : lines) {
      OpenLineageSchema.assertValid(line);
    }
    return lines.stream().map(l -> {
      try {
        return mapper.readTree(l);
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }).collect(java.util.stream.Collectors.toList());
  }

  @Test
  public void clickstreamRunEmitsStartAndCompleteWithDatasets() throws Exception {
    Path out = tmp.newFolder("out").toPath();
    ClickstreamOptions options = TestRunners.options().as(ClickstreamOptions.class);
    options.setInput(Testdata.file("clickstream/small.jsonl").toString());
    options.setOutput(out.toString());
    PipelineRun.run(new ClickstreamJob(), options);

    List<JsonNode> events = events(out.resolve("_openlineage.jsonl"));
    assertEquals(2, events.size());
    assertEquals("START", events.get(0).get("eventType").asText());
    assertEquals("COMPLETE", events.get(1).get("eventType").asText());
    assertEquals(events.get(0).at("/run/runId"), events.get(1).at("/run/runId"));
    JsonNode complete = events.get(1);
    assertEquals("clickstream", complete.at("/job/name").asText());
    assertEquals(Testdata.file("clickstream/small.jsonl").toAbsolutePath().normalize().toString(), complete.at("/inputs/0/name").asText());
    assertEquals("event_id", complete.at("/inputs/0/facets/schema/fields/0/name").asText());
    assertEquals(out.resolve("aggregates").toString(), complete.at("/outputs/0/name").asText());
    assertEquals(7, complete.at("/outputs/1/outputFacets/outputStatistics/rowCount").asLong());
  }

  /** A job whose one step throws on every element. */
  static final class FailingJob implements PipelineDefinition {
    private final String out;

    FailingJob(String out) {
      this.out = out;
    }

    @Override
    public String name() {
      return "always-fails";
    }

    @Override
    public String summary() {
      return "test job";
    }

    @Override
    public Class<? extends PipelineOptions> optionsClass() {
      return PipelineOptions.class;
    }

    @Override
    public void validate(PipelineOptions options) {}

    @Override
    public String outputDirectory(PipelineOptions options) {
      return out;
    }

    @Override
    public String input(PipelineOptions options) {
      return out + "/in";
    }

    @Override
    public void build(Pipeline pipeline, PipelineOptions options) {
      pipeline.apply(Create.of(1, 2, 3)).apply("Explode", MapElements.into(TypeDescriptors.integers()).via(i -> {
        throw new IllegalStateException("injected failure on element " + i);
      }));
    }
  }

  @Test
  public void failedRunEmitsStartAndFailWithTheError() throws Exception {
    Path out = tmp.newFolder("failing").toPath();
    assertThrows(RuntimeException.class, () -> PipelineRun.run(new FailingJob(out.toString()), TestRunners.options()));
    List<JsonNode> events = events(out.resolve("_openlineage.jsonl"));
    assertEquals(2, events.size());
    assertEquals("START", events.get(0).get("eventType").asText());
    assertEquals("FAIL", events.get(1).get("eventType").asText());
    assertThat(events.get(1).at("/run/facets/errorMessage/stackTrace").asText(), containsString("injected failure on element"));
  }
}
