package io.tributary.transforms.metrics;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.tributary.transforms.aggregate.Aggregate;
import io.tributary.transforms.aggregate.Aggregation;
import io.tributary.transforms.expr.MapFields;
import io.tributary.transforms.validate.RowRule;
import io.tributary.transforms.validate.Validate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.Row;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The record path ends at an aggregation: the stage feeding it is the run's exit, and a stage that
 * reads the aggregates serves them (SINK role), so its rows are not counted as written records.
 */
@RunWith(JUnit4.class)
public class GrainBoundaryTest {
  @Test
  public void stagesAfterAnAggregationServe() {
    Schema schema = Schema.builder().addStringField("k").addInt64Field("v").build();
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    p.apply(Create.of(Row.withSchema(schema).addValues("a", 1L).build()).withRowSchema(schema))
        .apply(Validate.rows().withRule(RowRule.notNull("k")).withStageName("check"))
        .apply(
            Aggregate.perWindow().withGroupBy(List.of("k")).withAggregation(Aggregation.count("n")))
        .apply(MapFields.of(Map.of("twice", "n * 2")).withAppend(true).withStageName("derive"));
    StageGraph graph = StageGraph.of(p);
    assertThat(names(graph.entries()), equalTo(List.of("check")));
    assertThat(names(graph.exits()), equalTo(List.of("check")));
    assertThat(graph.stage("derive").role(), equalTo(StageRole.SINK));
    assertThat(graph.stage("check").role(), equalTo(StageRole.STEP));
  }

  private static List<String> names(List<StageGraph.Node> nodes) {
    List<String> out = new ArrayList<>();
    nodes.forEach(n -> out.add(n.name()));
    return out;
  }
}
