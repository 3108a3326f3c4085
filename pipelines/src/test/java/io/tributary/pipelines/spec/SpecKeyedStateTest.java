package io.tributary.pipelines.spec;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@code --stateBuckets} and {@code --routerBuckets} reach a spec's {@code Dedup} and {@code
 * Window} steps as they reach clickstream's stages (read from the built pipeline's display data:
 * Dedup's {@code buckets}, Windowing's {@code routerBuckets}), and a value out of range is a usage
 * error naming the option. What the numbers do is tested where they are implemented ({@code
 * DedupTest}, {@code WindowingTest}, on both runners); this test builds pipelines without running
 * them, so it runs once.
 */
@RunWith(JUnit4.class)
public class SpecKeyedStateTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  /** Every value of display item {@code key} in the pipeline clickstream.yaml builds. */
  private List<Object> displayed(String key, String... args) throws Exception {
    Spec spec = SpecParser.parse(SpecGraphTest.CLICKSTREAM);
    PipelineOptionsFactory.register(SpecOptions.class);
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--output=" + tmp.getRoot());
    SpecOptions options =
        PipelineOptionsFactory.fromArgs(all.toArray(new String[0])).as(SpecOptions.class);
    Map<String, String> vars = new LinkedHashMap<>(spec.options());
    vars.put("output", tmp.getRoot().toString());
    vars.put("input", SpecGraphTest.INPUT.substring("--input=".length()));
    Pipeline p = Pipeline.create(options);
    SpecBuilder.build(p, spec, StepCatalog.load(), Variables.of(vars), null);
    List<Object> values = new ArrayList<>();
    p.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            collect(node.getTransform());
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            collect(node.getTransform());
          }

          private void collect(PTransform<?, ?> t) {
            if (t == null) {
              return;
            }
            for (DisplayData.Item item : DisplayData.from(t).items()) {
              if (item.getKey().equals(key)) {
                values.add(item.getValue());
              }
            }
          }
        });
    return values;
  }

  @Test
  public void defaultsAreTheTransformsOwn() throws Exception {
    assertEquals(List.of(512L), displayed("buckets"));
    assertEquals(List.of(1L), displayed("routerBuckets"));
  }

  @Test
  public void theCommandLineSpreadsEveryDedupAndWindowStep() throws Exception {
    assertEquals(List.of(16L), displayed("buckets", "--stateBuckets=16", "--routerBuckets=4"));
    assertEquals(List.of(4L), displayed("routerBuckets", "--stateBuckets=16", "--routerBuckets=4"));
  }

  @Test
  public void outOfRangeIsAUsageErrorNamingTheOption() {
    assertUsageError(
        "--routerBuckets=5000",
        "--routerBuckets: expected a whole number from 1 to 4096, got 5000");
    assertUsageError("--stateBuckets=0", "--stateBuckets: expected a whole number >= 1, got 0");
  }

  /** {@code tributary run clickstream.yaml ... <option>} exits 2 with {@code message}. */
  private void assertUsageError(String option, String message) {
    SpecGraphTest.Cli r =
        SpecGraphTest.Cli.run(
            "run",
            SpecGraphTest.CLICKSTREAM.toString(),
            SpecGraphTest.INPUT,
            "--output=" + tmp.getRoot().toPath().resolve("out"),
            option);
    assertEquals(r.err, 2, r.code);
    assertThat(r.err, containsString(message));
  }
}
