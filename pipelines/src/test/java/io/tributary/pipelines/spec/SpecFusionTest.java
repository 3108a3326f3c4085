package io.tributary.pipelines.spec;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * A run of clickstream.yaml builds {@code decode} with {@code validate}, and {@code protect} with
 * {@code event_time}, as one Beam step each (as the Java clickstream job does), and any run of
 * consecutive record stages (MapToFields, Filter, Protect, EventTime, Validate) as one, unless a
 * spec test reads the first step's rows; a build without dead letters ({@code check}, graph,
 * lineage) fuses nothing, and a mistake is reported as it is without fusion. That the fused spec
 * writes the same bytes as the Java job is {@code ClickstreamSpecTest}'s (both runners); this test
 * builds pipelines without running them, so it runs once.
 */
@RunWith(JUnit4.class)
public class SpecFusionTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private SpecOptions options() {
    PipelineOptionsFactory.register(SpecOptions.class);
    return PipelineOptionsFactory.fromArgs("--output=" + tmp.getRoot()).as(SpecOptions.class);
  }

  private Variables variables(Spec spec) {
    Map<String, String> vars = new LinkedHashMap<>(spec.options());
    vars.put("output", tmp.getRoot().toString());
    vars.put("input", SpecGraphTest.INPUT.substring("--input=".length()));
    return Variables.of(vars);
  }

  /** The built pipeline's top-level steps, by name, and what the build returned. */
  private static final class Build {
    final List<String> steps = new ArrayList<>();
    SpecBuilder.Built built;
  }

  private Build build(Spec spec, boolean deadLetters, Set<String> keepApart) {
    Pipeline p = Pipeline.create(options());
    BadRecordErrorHandler<?> handler =
        deadLetters ? p.registerBadRecordErrorHandler(new Drop()) : null;
    Build b = new Build();
    b.built = SpecBuilder.build(p, spec, StepCatalog.load(), variables(spec), handler, keepApart);
    if (handler != null) {
      handler.close();
    }
    b.steps.addAll(topLevelSteps(p));
    return b;
  }

  /** The names of {@code p}'s top-level steps. */
  private static List<String> topLevelSteps(Pipeline p) {
    List<String> steps = new ArrayList<>();
    p.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            if (!node.isRootNode() && node.getEnclosingNode().isRootNode()) {
              steps.add(node.getFullName());
            }
            return CompositeBehavior.ENTER_TRANSFORM;
          }
        });
    return steps;
  }

  private static PCollection<?> out(SpecBuilder.Built built, String step) {
    return built.outputs(step).get("output");
  }

  @Test
  public void aRunBuildsDecodeWithTheRunOfRecordStagesAfterIt() throws Exception {
    Spec spec = SpecParser.parse(SpecGraphTest.CLICKSTREAM);
    Build b = build(spec, true, Set.of());
    assertThat(b.steps, hasItems("decode", "dedup", "window", "aggregate"));
    // validate, protect and event_time run in decode's reading step.
    for (String inside : List.of("validate", "protect", "event_time")) {
      assertThat(b.steps, not(hasItems(inside)));
      assertSame(out(b.built, "decode"), out(b.built, inside));
    }
    // Each step still reports its own schema (protect drops user_agent).
    assertEquals(
        SpecBuilder.build(
                Pipeline.create(options()), spec, StepCatalog.load(), variables(spec), null)
            .schemas(),
        b.built.schemas());
  }

  @Test
  public void aRunOfRecordStagesIsOneStepNamedAfterItsFirst() throws Exception {
    String text =
        Files.readString(SpecGraphTest.CLICKSTREAM)
            .replace(
                "    - type: Protect\n      input: validate",
                "    - type: MapToFields\n      name: derive\n      input: validate\n"
                    + "      config:\n        append: true\n"
                    + "        fields: {kind: \"event_type.upperAscii()\"}\n"
                    + "    - type: Filter\n      name: keep\n      input: derive\n"
                    + "      config: {keep: \"kind != 'BOT'\"}\n"
                    + "    - type: Protect\n      input: keep");
    Spec spec = SpecParser.parse("chain.yaml", text);
    Build b = build(spec, true, Set.of());
    // decode takes validate, derive, keep, protect and event_time into its reading step.
    assertThat(b.steps, hasItems("decode", "dedup"));
    for (String inside : List.of("validate", "derive", "keep", "protect", "event_time")) {
      assertThat(b.steps, not(hasItems(inside)));
      assertSame(out(b.built, "decode"), out(b.built, inside));
    }
    // Each step still reports its own schema (derive adds kind, protect drops user_agent).
    Map<String, org.apache.beam.sdk.schemas.Schema> unfused =
        SpecBuilder.build(
                Pipeline.create(options()), spec, StepCatalog.load(), variables(spec), null)
            .schemas();
    assertEquals(unfused, b.built.schemas());
    assertNotEquals(unfused.get("derive.output"), unfused.get("event_time.output"));
    // A test reading keep's rows splits there: decode up to keep, then protect + event_time as a
    // run of its own, named after protect.
    Build apart = build(spec, true, Set.of("keep"));
    assertThat(apart.steps, hasItems("decode", "protect", "dedup"));
    for (String inside : List.of("validate", "derive", "keep", "event_time")) {
      assertThat(apart.steps, not(hasItems(inside)));
    }
    assertSame(out(apart.built, "decode"), out(apart.built, "keep"));
    assertNotSame(out(apart.built, "keep"), out(apart.built, "protect"));
    assertSame(out(apart.built, "protect"), out(apart.built, "event_time"));
    assertEquals(unfused, apart.built.schemas());
  }

  @Test
  public void aKafkaSourceTakesTheRunOfRecordStagesAfterItIntoItsDecodingStep() throws Exception {
    String text =
        "pipeline:\n"
            + "  transforms:\n"
            + "    - type: ReadKafka\n"
            + "      name: read_clicks\n"
            + "      config:\n"
            + "        bootstrap_servers: localhost:9092\n"
            + "        topic: clicks\n"
            + "        subject: clickstream-event\n"
            + "        format: json\n"
            + "        event_time_field: event_time\n"
            + "    - type: Validate\n"
            + "      input: read_clicks\n"
            + "      config:\n"
            + "        rules:\n"
            + "          - {field: price, at_least: 0, reason: negative_price}\n"
            + "    - type: MapToFields\n"
            + "      name: derive\n"
            + "      input: validate\n"
            + "      config:\n"
            + "        append: true\n"
            + "        fields: {kind: \"event_type.upperAscii()\"}\n"
            + "    - type: Protect\n"
            + "      input: derive\n"
            + "      config:\n"
            + "        fields: {email: \"mask:email\", user_agent: drop}\n"
            + "    - type: Dedup\n"
            + "      input: protect\n"
            + "      config: {key: event_id, ttl: 1h}\n"
            + "    - type: WriteJsonLines\n"
            + "      input: dedup\n"
            + "      config: {path: \"${output}/clean\"}\n";
    Spec spec = SpecParser.parse("kafka.yaml", text);
    Build b = build(spec, true, Set.of());
    assertThat(b.steps, hasItems("read_clicks", "dedup"));
    // validate, derive and protect run in read_clicks' decoding step, after its event time.
    for (String inside : List.of("validate", "derive", "protect")) {
      assertThat(b.steps, not(hasItems(inside)));
      assertSame(out(b.built, "read_clicks"), out(b.built, inside));
    }
    assertEquals(
        SpecBuilder.build(
                Pipeline.create(options()), spec, StepCatalog.load(), variables(spec), null)
            .schemas(),
        b.built.schemas());
    // Unfused without dead letters: each step of its own.
    assertThat(
        build(spec, false, Set.of()).steps,
        hasItems("read_clicks", "validate", "derive", "protect"));
  }

  @Test
  public void aStepWhoseRowsATestReadsKeepsItsOwnOutput() throws Exception {
    Spec spec = SpecParser.parse(SpecGraphTest.CLICKSTREAM);
    Build b = build(spec, true, Set.of("protect"));
    // The run after decode stops at protect, whose rows the test reads: event_time is a step.
    assertThat(b.steps, hasItems("decode", "event_time"));
    assertThat(b.steps, not(hasItems("validate")));
    assertThat(b.steps, not(hasItems("protect")));
    assertSame(out(b.built, "decode"), out(b.built, "protect"));
    assertNotSame(out(b.built, "event_time"), out(b.built, "protect"));
  }

  @Test
  public void aRunWithFuseStepsFalseKeepsEveryStepApart() throws Exception {
    Spec spec = SpecParser.parse(SpecGraphTest.CLICKSTREAM);
    SpecJob job =
        SpecJob.of(
            spec,
            StepCatalog.load(),
            Map.of("input", SpecGraphTest.INPUT.substring("--input=".length())));
    for (boolean fuse : new boolean[] {true, false}) {
      SpecOptions o =
          PipelineOptionsFactory.fromArgs("--output=" + tmp.newFolder(), "--fuseSteps=" + fuse)
              .as(SpecOptions.class);
      Pipeline p = Pipeline.create(o);
      job.build(p, o);
      List<String> steps = topLevelSteps(p);
      if (fuse) {
        assertThat(steps, not(hasItems("validate")));
        assertThat(steps, not(hasItems("event_time")));
      } else {
        assertThat(steps, hasItems("decode", "validate", "protect", "event_time", "dedup"));
      }
    }
  }

  @Test
  public void withoutDeadLettersNothingIsFused() throws Exception {
    Build b = build(SpecParser.parse(SpecGraphTest.CLICKSTREAM), false, Set.of());
    assertThat(b.steps, hasItems("decode", "validate", "protect", "event_time"));
  }

  @Test
  public void aSecondReaderOfTheFirstStepKeepsThemApart() throws Exception {
    String text =
        Files.readString(SpecGraphTest.CLICKSTREAM)
            .replace(
                "    - type: WriteLake\n      name: write_aggregates",
                "    - type: WriteJsonLines\n      name: write_protected\n      input: protect\n"
                    + "      config: {path: \"${output}/protected\"}\n"
                    + "    - type: WriteLake\n      name: write_aggregates");
    Build b = build(SpecParser.parse("two-readers.yaml", text), true, Set.of());
    // protect has two readers: the run in decode ends there, event_time is a step of its own.
    assertThat(b.steps, hasItems("decode", "event_time", "write_protected"));
    assertThat(b.steps, not(hasItems("validate")));
    assertThat(b.steps, not(hasItems("protect")));
  }

  @Test
  public void aMistakeInAFusedStepIsReportedAsWithoutFusion() throws Exception {
    String text =
        Files.readString(SpecGraphTest.CLICKSTREAM)
            .replace("{field: price, at_least: 0", "{field: pricee, at_least: 0");
    Spec spec = SpecParser.parse("typo.yaml", text);
    SpecException unfused =
        assertThrows(
            SpecException.class,
            () ->
                SpecBuilder.build(
                    Pipeline.create(options()), spec, StepCatalog.load(), variables(spec), null));
    SpecException fused = assertThrows(SpecException.class, () -> build(spec, true, Set.of()));
    assertEquals(unfused.getMessage(), fused.getMessage());
  }

  /** A dead-letter sink that drops: the pipelines here are built, never run. */
  private static final class Drop
      extends PTransform<PCollection<BadRecord>, PCollection<BadRecord>> {
    @Override
    public PCollection<BadRecord> expand(PCollection<BadRecord> input) {
      return input;
    }
  }
}
