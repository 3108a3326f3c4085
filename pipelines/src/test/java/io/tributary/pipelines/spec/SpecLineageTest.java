package io.tributary.pipelines.spec;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import io.tributary.pipelines.Testdata;
import io.tributary.transforms.lineage.ColumnLineage;
import io.tributary.transforms.lineage.LineageDataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * A spec run's column lineage comes from the spec: each written field traces back to the source
 * fields it is computed from, through expressions, aggregations, filters and masking.
 */
@RunWith(JUnit4.class)
public class SpecLineageTest {
  private static List<String> describe(ColumnLineage cl, String field) {
    List<String> out = new ArrayList<>();
    for (ColumnLineage.InputField in : cl.fields().get(field)) {
      for (ColumnLineage.Transformation t : in.transformations()) {
        out.add(in.field() + " " + t.type() + " " + t.subtype() + (t.masking() ? " masked" : ""));
      }
    }
    return out;
  }

  @Test
  public void clickstreamAggregatesTraceToSourceFields() throws Exception {
    Spec spec = SpecParser.parse(Testdata.root().resolve("pipelines/specs/clickstream.yaml"));
    String input = Testdata.file("clickstream/small.jsonl").toString();
    SpecJob job = SpecJob.of(spec, StepCatalog.load(), Map.of("input", input));
    SpecOptions options = PipelineOptionsFactory.create().as(SpecOptions.class);
    options.setOutput("/tmp/tributary-lineage-test");

    List<LineageDataset> outputs = job.lineageOutputs(options);
    LineageDataset aggregates = outputs.get(0);
    assertThat(aggregates.name(), equalTo("/tmp/tributary-lineage-test/aggregates"));
    ColumnLineage cl = aggregates.columnLineage();
    assertThat(
        describe(cl, "revenue_by_currency"),
        containsInAnyOrder(
            "price DIRECT AGGREGATION",
            "currency INDIRECT GROUP_BY",
            "event_type INDIRECT FILTER"));
    assertThat(describe(cl, "distinct_users"), equalTo(List.of("user_id DIRECT AGGREGATION")));
    List<String> dataset = new ArrayList<>();
    for (ColumnLineage.InputField in : cl.dataset()) {
      assertThat(in.dataset().name(), equalTo(input));
      dataset.add(in.field() + " " + in.transformations().get(0).subtype());
    }
    assertThat(
        dataset,
        hasItems("event_id FILTER", "event_time WINDOW", "price FILTER", "currency FILTER"));

    // The late output carries the events themselves: email is masked on the way, event_id is not.
    ColumnLineage late = outputs.get(1).columnLineage();
    assertThat(describe(late, "email"), equalTo(List.of("email DIRECT TRANSFORMATION masked")));
    assertThat(describe(late, "event_id"), equalTo(List.of("event_id DIRECT IDENTITY")));
    assertThat(job.lineageInputs(options).get(0).name(), equalTo(input));
  }
}
