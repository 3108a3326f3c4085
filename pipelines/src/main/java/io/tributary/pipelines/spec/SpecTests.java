package io.tributary.pipelines.spec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.pipelines.spec.Nodes.Errors;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageGraph;
import io.tributary.transforms.spec.StepKind;
import io.tributary.transforms.spec.StepProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.transforms.SchemaTransformProvider;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Runs the tests written in a spec ({@code tributary test spec.yaml}), in the manner of dbt's unit
 * tests and Beam YAML's {@code tests:}: each test gives the rows its sources read and says what the
 * run must produce.
 *
 * <pre>{@code
 * tests:
 *   - name: one_purchase
 *     inputs:
 *       decode: {rows: [{event_id: e1, price: 10.5, ...}, "not json"]}
 *     expect:
 *       write_aggregates: {rows: [{window_start: "2026-11-01T10:00:00Z", events: 1, ...}]}
 *       dead_letters: {decode.invalid_json: 1}
 *       accounting: {read: 2, written: 1, dead_lettered: 1}
 * }</pre>
 *
 * <p>How a test runs: the spec is built as it is, except that (1) each source named under {@code
 * inputs} reads a file of the test instead of its own: {@code rows} are rendered as JSON lines (a
 * row written as a string is one line as it is, so a test can feed text that is not JSON) and read
 * with {@code format: jsonl}; {@code file} is read in the source's own format. The source step
 * itself stays, so rows go through the real read and contract decode: decode errors become dead
 * letters and the source's accounting counts them, as in production. A source must therefore take a
 * {@code path} config (ReadFiles does); every source of the spec must be given an input, so that a
 * test never reads real data. (2) Every sink is replaced by a capture of its input, and an expected
 * {@code step.output} gets a capture of its own. (3) Dead letters go to a capture that keeps each
 * bad record's {@code stage.reason}. After the run, the captured rows are compared with the
 * expected ones as a multiset of JSON values (object keys in any order, {@code 12.5} equal to
 * {@code 12.50}); dead letters, when given, must be exactly those counts; accounting totals that
 * are given must match {@link RunAccounting}.
 *
 * <pre>{@code
 * SpecJob job = SpecJob.load(Path.of("pipelines/specs/clickstream.yaml"), List.of());
 * for (SpecTest t : SpecTests.parse(job.spec(), StepCatalog.load())) {
 *   SpecTests.Result r = SpecTests.run(job, t, "direct");
 *   System.out.println(r.report());
 * }
 * }</pre>
 */
public final class SpecTests {
  /** The runners a test can run on. */
  public static final List<String> RUNNERS = List.of("direct", "flink");

  /** The accounting totals a test may check. */
  static final Map<String, ToLongFunction<RunAccounting>> ACCOUNTING = accountingKeys();

  static final String DEAD_LETTERS = "dead_letters";
  static final String ACCOUNTING_KEY = "accounting";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

  private SpecTests() {}

  /** The outcome of one test on one runner. */
  public static final class Result {
    private final String test;
    private final String runner;
    private final List<String> problems;

    Result(String test, String runner, List<String> problems) {
      this.test = test;
      this.runner = runner;
      this.problems = List.copyOf(problems);
    }

    /** The test's name. */
    public String test() {
      return test;
    }

    /** {@code direct} or {@code flink}. */
    public String runner() {
      return runner;
    }

    /** Whether the run produced what the test expects. */
    public boolean passed() {
      return problems.isEmpty();
    }

    /** What differs, one line each (indented details follow their heading). */
    public List<String> problems() {
      return problems;
    }

    /** {@code PASS name [direct]}, or {@code FAIL name [direct]} and the differences. */
    public String report() {
      StringBuilder b =
          new StringBuilder(passed() ? "PASS " : "FAIL ")
              .append(test)
              .append(" [")
              .append(runner)
              .append(']');
      for (String p : problems) {
        b.append("\n  ").append(p);
      }
      return b.toString();
    }
  }

  private static Map<String, ToLongFunction<RunAccounting>> accountingKeys() {
    Map<String, ToLongFunction<RunAccounting>> m = new LinkedHashMap<>();
    m.put("read", RunAccounting::read);
    m.put("written", RunAccounting::written);
    m.put("dead_lettered", RunAccounting::deadLettered);
    m.put("quarantined", RunAccounting::quarantined);
    m.put("deduplicated", RunAccounting::deduplicated);
    m.put("too_late", RunAccounting::tooLate);
    m.put("filtered", RunAccounting::filtered);
    m.put("skipped", RunAccounting::skipped);
    m.put("unmatched", RunAccounting::unmatched);
    return m;
  }

  // ---------------------------------------------------------------- parse

  /** The spec's tests; throws {@link SpecException} with every mistake in its {@code tests:}. */
  public static List<SpecTest> parse(Spec spec, StepCatalog catalog) {
    SequenceNode tests = spec.tests();
    List<SpecTest> out = new ArrayList<>();
    if (tests == null) {
      return out;
    }
    Errors errors = new Errors(spec.file());
    Map<String, Node> names = new LinkedHashMap<>();
    for (Node item : tests.getValue()) {
      if (!(item instanceof MappingNode m)) {
        errors.at(item, "a test: expected a mapping with name, inputs and expect");
        continue;
      }
      Nodes.checkKeys(m, Set.of("name", "description", "inputs", "expect"), "a test", errors);
      Node nameNode = Nodes.get(m, "name");
      String name = nameNode == null ? null : Nodes.scalar(nameNode);
      if (name == null || name.isBlank() || !(nameNode instanceof ScalarNode)) {
        errors.at(nameNode == null ? m : nameNode, "a test needs a 'name:'");
        continue;
      }
      if (names.containsKey(name)) {
        errors.at(
            nameNode,
            "duplicate test name '"
                + name
                + "' (first at line "
                + (names.get(name).getStartMark().getLine() + 1)
                + ")");
        continue;
      }
      names.put(name, nameNode);
      String what = "test '" + name + "'";
      Map<String, SpecTest.Input> inputs = inputs(spec, catalog, m, what, errors);
      Node expect = Nodes.get(m, "expect");
      Map<String, SpecTest.Expected> rows = new LinkedHashMap<>();
      Map<String, Long> deadLetters = null;
      Map<String, Long> accounting = new LinkedHashMap<>();
      if (!(expect instanceof MappingNode em) || em.getValue().isEmpty()) {
        errors.at(
            expect == null ? m : expect,
            what
                + ": expected 'expect:' with the rows of a sink ({<sink>: {rows: [...]}}),"
                + " dead_letters or accounting");
      } else {
        for (NodeTuple t : em.getValue()) {
          String key = Nodes.scalar(t.getKeyNode());
          if (key == null) {
            errors.at(t.getKeyNode(), what + ": expect: expected a step name as key");
          } else if (key.equals(DEAD_LETTERS)) {
            deadLetters = counts(t.getValueNode(), what + ": expect.dead_letters", errors, null);
          } else if (key.equals(ACCOUNTING_KEY)) {
            Map<String, Long> a =
                counts(t.getValueNode(), what + ": expect.accounting", errors, ACCOUNTING.keySet());
            if (a != null) {
              accounting.putAll(a);
            }
          } else {
            SpecTest.Expected e = expected(spec, catalog, key, t, what, errors);
            if (e != null) {
              rows.put(key, e);
            }
          }
        }
      }
      out.add(new SpecTest(name, m, inputs, rows, deadLetters, accounting));
    }
    errors.throwIfAny();
    return out;
  }

  private static Map<String, SpecTest.Input> inputs(
      Spec spec, StepCatalog catalog, MappingNode test, String what, Errors errors) {
    Map<String, SpecTest.Input> out = new LinkedHashMap<>();
    List<String> sources = new ArrayList<>();
    for (SpecStep s : spec.steps()) {
      if (s.inputs().isEmpty()) {
        sources.add(s.name());
      }
    }
    Node inputsNode = Nodes.get(test, "inputs");
    if (!(inputsNode instanceof MappingNode im)) {
      errors.at(
          inputsNode == null ? test : inputsNode,
          what
              + ": expected 'inputs:' with the rows of each source, e.g. {"
              + first(sources)
              + ": {rows: [...]}}");
      return out;
    }
    for (NodeTuple t : im.getValue()) {
      String stepName = Nodes.scalar(t.getKeyNode());
      SpecStep step = stepName == null ? null : spec.step(stepName);
      if (step == null || !sources.contains(stepName)) {
        errors.at(
            t.getKeyNode(),
            what
                + ": inputs: '"
                + stepName
                + "' is not a source of the spec"
                + (stepName == null ? "" : Suggest.didYouMean(stepName, sources, true)));
        continue;
      }
      SchemaTransformProvider provider = catalog.find(step.type());
      if (provider != null && !provider.configurationSchema().hasField("path")) {
        errors.at(
            t.getKeyNode(),
            what
                + ": inputs: source '"
                + stepName
                + "' ("
                + step.type()
                + ") takes no 'path', so a test cannot feed it rows; only file sources such as"
                + " ReadFiles can be tested");
        continue;
      }
      Node v = t.getValueNode();
      String at = what + ": inputs." + stepName;
      if (!(v instanceof MappingNode vm) || vm.getValue().size() != 1) {
        errors.at(v, at + ": expected {rows: [...]} or {file: path}");
        continue;
      }
      Nodes.checkKeys(vm, Set.of("rows", "file"), at, errors);
      Node rowsNode = Nodes.get(vm, "rows");
      Node fileNode = Nodes.get(vm, "file");
      if (rowsNode != null) {
        List<String> lines = inputLines(rowsNode, at + ".rows", errors);
        if (lines != null) {
          out.put(stepName, SpecTest.Input.lines(lines));
        }
      } else if (fileNode != null) {
        String f = Nodes.scalar(fileNode);
        if (f == null || !Files.isRegularFile(Path.of(f))) {
          errors.at(fileNode, at + ".file: no file " + (f == null ? "given" : f));
        } else {
          out.put(stepName, SpecTest.Input.file(Path.of(f)));
        }
      }
    }
    for (String s : sources) {
      if (!out.containsKey(s) && Nodes.get(im, s) == null) {
        errors.at(
            inputsNode,
            what
                + ": no input for source '"
                + s
                + "' (a test never reads real data): add "
                + s
                + ": {rows: [...]}");
      }
    }
    return out;
  }

  private static @Nullable List<String> inputLines(Node node, String what, Errors errors) {
    if (!(node instanceof SequenceNode seq)) {
      errors.at(node, what + ": expected a list of rows (mappings, or strings read as lines)");
      return null;
    }
    List<String> lines = new ArrayList<>();
    boolean ok = true;
    for (Node item : seq.getValue()) {
      if (item instanceof ScalarNode s && s.getTag().equals(Tag.STR)) {
        if (s.getValue().contains("\n")) {
          errors.at(item, what + ": a row written as a string must be one line");
          ok = false;
        } else {
          lines.add(s.getValue());
        }
      } else if (item instanceof MappingNode) {
        JsonNode json = json(item, what, errors);
        if (json == null) {
          ok = false;
        } else {
          lines.add(text(json));
        }
      } else {
        errors.at(
            item,
            what + ": expected a row (a mapping) or a line (a string), got " + Nodes.kind(item));
        ok = false;
      }
    }
    return ok ? lines : null;
  }

  private static SpecTest.@Nullable Expected expected(
      Spec spec, StepCatalog catalog, String key, NodeTuple t, String what, Errors errors) {
    int dot = key.indexOf('.');
    String stepName = dot < 0 ? key : key.substring(0, dot);
    SpecStep step = spec.step(stepName);
    if (step == null) {
      List<String> names = new ArrayList<>();
      spec.steps().forEach(s -> names.add(s.name()));
      names.add(DEAD_LETTERS);
      names.add(ACCOUNTING_KEY);
      errors.at(
          t.getKeyNode(),
          what
              + ": expect: no step named '"
              + stepName
              + "'"
              + Suggest.didYouMean(stepName, names, false)
              + "; expected a sink, step.output, dead_letters or accounting");
      return null;
    }
    boolean sink = isSink(step, catalog);
    if (sink && dot >= 0) {
      errors.at(
          t.getKeyNode(),
          what
              + ": expect: '"
              + stepName
              + "' is a sink and has no outputs; write '"
              + stepName
              + "' for the rows it writes");
      return null;
    }
    String output = dot < 0 ? StepProvider.OUTPUT : key.substring(dot + 1);
    Node v = t.getValueNode();
    String at = what + ": expect." + key;
    if (!(v instanceof MappingNode vm)) {
      errors.at(v, at + ": expected {rows: [...]}");
      return null;
    }
    Nodes.checkKeys(vm, Set.of("rows"), at, errors);
    Node rowsNode = Nodes.get(vm, "rows");
    if (!(rowsNode instanceof SequenceNode seq)) {
      errors.at(rowsNode == null ? vm : rowsNode, at + ": expected rows: [...] (a list of rows)");
      return null;
    }
    List<JsonNode> rows = new ArrayList<>();
    for (Node item : seq.getValue()) {
      if (!(item instanceof MappingNode)) {
        errors.at(item, at + ".rows: expected a row (a mapping), got " + Nodes.kind(item));
        continue;
      }
      JsonNode json = json(item, at + ".rows", errors);
      if (json != null) {
        rows.add(json);
      }
    }
    return new SpecTest.Expected(stepName, output, sink, rows, t.getKeyNode());
  }

  private static @Nullable Map<String, Long> counts(
      Node node, String what, Errors errors, @Nullable Set<String> keys) {
    if (!(node instanceof MappingNode m)) {
      errors.at(node, what + ": expected a mapping of name: count");
      return null;
    }
    if (keys != null) {
      Nodes.checkKeys(m, keys, what, errors);
    }
    Map<String, Long> out = new TreeMap<>();
    for (NodeTuple t : m.getValue()) {
      String key = Nodes.scalar(t.getKeyNode());
      if (key == null || (keys != null && !keys.contains(key))) {
        continue;
      }
      if (keys == null && !key.matches("[^.]+\\.[^.]+")) {
        errors.at(t.getKeyNode(), what + ": expected stage.reason as key, got '" + key + "'");
        continue;
      }
      Node v = t.getValueNode();
      Long n = null;
      if (v instanceof ScalarNode s && s.getTag().equals(Tag.INT)) {
        try {
          n = Long.parseLong(s.getValue().replace("_", ""));
        } catch (NumberFormatException e) {
          n = null;
        }
      }
      if (n == null || n < 0) {
        errors.at(v, what + "." + key + ": expected a count (0 or more), got " + Nodes.kind(v));
        continue;
      }
      out.put(key, n);
    }
    return out;
  }

  static boolean isSink(SpecStep step, StepCatalog catalog) {
    SchemaTransformProvider p = catalog.find(step.type());
    if (p instanceof StepProvider sp) {
      return sp.kind() == StepKind.SINK;
    }
    return p != null && !step.inputs().isEmpty() && p.outputCollectionNames().isEmpty();
  }

  // ---------------------------------------------------------------- run

  /** Runs {@code test} of {@code job} on {@code runner} ({@code direct} or {@code flink}). */
  public static Result run(SpecJob job, SpecTest test, String runner) throws IOException {
    Path work = Files.createTempDirectory("tributary-test-");
    try {
      return run(job, test, runner, work);
    } finally {
      deleteTree(work);
    }
  }

  static Result run(SpecJob job, SpecTest test, String runner, Path work) throws IOException {
    if (!RUNNERS.contains(runner)) {
      throw new IllegalArgumentException("runner: expected one of " + RUNNERS + ", got " + runner);
    }
    List<SchemaTransformProvider> providers = new ArrayList<>(StepCatalog.load().providers());
    providers.add(new TestCapture.Step());
    StepCatalog catalog = StepCatalog.of(providers);
    Spec spec = job.spec();
    Path rowsDir = work.resolve("rows");
    Path deadLetterDir = work.resolve("dead-letters");
    List<SpecStep> steps = new ArrayList<>();
    for (SpecStep s : spec.steps()) {
      SpecTest.Input in = test.inputs().get(s.name());
      if (in != null) {
        steps.add(withInput(s, in, work.resolve("inputs")));
      } else if (isSink(s, catalog)) {
        steps.add(capture(s, rowsDir.resolve(s.name())));
      } else {
        steps.add(s);
      }
    }
    Spec testSpec =
        new Spec(
            spec.file(),
            spec.name(),
            spec.description(),
            steps,
            spec.options(),
            spec.optionNodes(),
            spec.privacy(),
            spec.tests());

    SpecOptions options = options(job, runner, work.resolve("output"));
    options.setJobName(
        ("spec-test-" + test.name() + "-" + runner).replaceAll("[^A-Za-z0-9-]", "-"));
    Pipeline p = Pipeline.create(options);
    BadRecordErrorHandler<?> deadLetters =
        p.registerBadRecordErrorHandler(TestCapture.deadLetters(deadLetterDir));
    // A step whose rows the test checks keeps an output of its own (no fusion with the next step).
    Set<String> checked = new HashSet<>();
    test.rows().values().forEach(x -> checked.add(x.step));
    SpecBuilder.Built built =
        SpecBuilder.build(p, testSpec, catalog, job.variables(options), deadLetters, checked);
    Errors errors = new Errors(spec.file());
    for (Map.Entry<String, SpecTest.Expected> e : test.rows().entrySet()) {
      SpecTest.Expected x = e.getValue();
      if (x.sink) {
        continue;
      }
      PCollectionRowTuple outs = built.outputs(x.step);
      if (outs == null || !outs.has(x.output)) {
        errors.at(
            x.node,
            "test '"
                + test.name()
                + "': expect: step '"
                + x.step
                + "' has no output '"
                + x.output
                + "'"
                + (outs == null
                    ? ""
                    : "; its outputs are " + new TreeSet<>(outs.getAll().keySet())));
        continue;
      }
      outs.get(x.output)
          .apply("Capture/" + e.getKey(), TestCapture.rows(rowsDir.resolve(e.getKey())));
    }
    errors.throwIfAny();
    deadLetters.close();
    StageGraph stages = StageGraph.of(p);

    RunAccounting accounting;
    try {
      PipelineResult result = p.run();
      result.waitUntilFinish();
      accounting = RunAccounting.from(result, stages);
    } catch (RuntimeException e) {
      return new Result(test.name(), runner, List.of("the run failed: " + rootMessage(e)));
    }
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, SpecTest.Expected> e : test.rows().entrySet()) {
      diffRows(
          e.getKey(), e.getValue().rows, TestCapture.read(rowsDir.resolve(e.getKey())), problems);
    }
    if (test.deadLetters() != null) {
      Map<String, Long> actual = new TreeMap<>();
      for (String line : TestCapture.read(deadLetterDir)) {
        actual.merge(line, 1L, Long::sum);
      }
      diffCounts(test.deadLetters(), actual, problems);
    }
    for (Map.Entry<String, Long> e : test.accounting().entrySet()) {
      long got = ACCOUNTING.get(e.getKey()).applyAsLong(accounting);
      if (got != e.getValue()) {
        problems.add(
            "accounting."
                + e.getKey()
                + ": expected "
                + e.getValue()
                + ", got "
                + got
                + "  ("
                + accounting.line()
                + ")");
      }
    }
    return new Result(test.name(), runner, problems);
  }

  private static SpecOptions options(SpecJob job, String runner, Path output) {
    List<String> args = new ArrayList<>();
    for (String a : job.beamArguments()) {
      if (!(a.startsWith("--runner=")
          || a.startsWith("--flinkMaster=")
          || a.startsWith("--parallelism=")
          || a.startsWith("--streaming=")
          || a.startsWith("--output="))) {
        args.add(a);
      }
    }
    args.add("--output=" + output);
    if (runner.equals("flink")) {
      args.add("--runner=FlinkRunner");
      // Embedded, whatever the spec's own master says: [auto] is a mini cluster of this JVM, or
      // the context's cluster when one is set (Flink's own test environments; [local] would refuse
      // to start there).
      args.add("--flinkMaster=[auto]");
      args.add("--parallelism=2");
    } else {
      args.add("--runner=DirectRunner");
    }
    PipelineOptionsFactory.register(SpecOptions.class);
    return PipelineOptionsFactory.fromArgs(args.toArray(new String[0])).as(SpecOptions.class);
  }

  /**
   * {@code source} reading the test's input: its config with {@code path} (and format) replaced.
   */
  private static SpecStep withInput(SpecStep source, SpecTest.Input in, Path dir)
      throws IOException {
    Path file;
    Set<String> drop = new HashSet<>(Set.of("path", "watch", "poll_interval", "stop_after_idle"));
    List<String[]> add = new ArrayList<>();
    if (in.lines() != null) {
      Files.createDirectories(dir);
      file = dir.resolve(source.name() + ".jsonl");
      Files.write(file, in.lines(), StandardCharsets.UTF_8);
      drop.add("format");
      drop.add("delimiter");
      add.add(new String[] {"format", "jsonl"});
    } else {
      file = in.file();
    }
    add.add(0, new String[] {"path", file.toString()});
    Node at = source.config() == null ? source.node() : source.config();
    List<NodeTuple> tuples = new ArrayList<>();
    if (source.config() != null) {
      for (NodeTuple t : source.config().getValue()) {
        if (!drop.contains(Nodes.scalar(t.getKeyNode()))) {
          tuples.add(t);
        }
      }
    }
    for (String[] kv : add) {
      tuples.add(new NodeTuple(scalar(kv[0], at), scalar(kv[1], at)));
    }
    return new SpecStep(
        source.name(),
        source.type(),
        source.node(),
        source.typeNode(),
        source.inputs(),
        mapping(tuples, at),
        source.errorOutput(),
        source.errorOutputNode());
  }

  /** {@code sink} replaced by a capture of its input. */
  private static SpecStep capture(SpecStep sink, Path dir) {
    Node at = sink.config() == null ? sink.node() : sink.config();
    return new SpecStep(
        sink.name(),
        TestCapture.TYPE,
        sink.node(),
        sink.typeNode(),
        sink.inputs(),
        mapping(List.of(new NodeTuple(scalar("dir", at), scalar(dir.toString(), at))), at),
        sink.errorOutput(),
        sink.errorOutputNode());
  }

  private static ScalarNode scalar(String value, Node at) {
    return new ScalarNode(
        Tag.STR, value, at.getStartMark(), at.getEndMark(), DumperOptions.ScalarStyle.PLAIN);
  }

  private static MappingNode mapping(List<NodeTuple> tuples, Node at) {
    return new MappingNode(
        Tag.MAP, true, tuples, at.getStartMark(), at.getEndMark(), DumperOptions.FlowStyle.FLOW);
  }

  // ---------------------------------------------------------------- compare

  private static void diffRows(
      String key, List<JsonNode> expected, List<String> actualLines, List<String> problems) {
    Map<String, List<String>> missing = new LinkedHashMap<>();
    for (JsonNode e : expected) {
      missing.computeIfAbsent(canonical(e), k -> new ArrayList<>()).add(text(e));
    }
    List<String> unexpected = new ArrayList<>();
    for (String line : actualLines) {
      String c;
      try {
        c = canonical(JSON.readTree(line));
      } catch (JsonProcessingException e) {
        c = line;
      }
      List<String> left = missing.get(c);
      if (left != null && !left.isEmpty()) {
        left.remove(left.size() - 1);
      } else {
        unexpected.add(line);
      }
    }
    List<String> missingLines = new ArrayList<>();
    missing.values().forEach(missingLines::addAll);
    if (missingLines.isEmpty() && unexpected.isEmpty()) {
      return;
    }
    unexpected.sort(Comparator.naturalOrder());
    problems.add(
        "rows of "
            + key
            + ": expected "
            + expected.size()
            + ", got "
            + actualLines.size()
            + " ("
            + missingLines.size()
            + " missing, "
            + unexpected.size()
            + " unexpected)");
    for (String m : missingLines) {
      problems.add("  - " + m);
    }
    for (String u : unexpected) {
      problems.add("  + " + u);
    }
  }

  private static void diffCounts(
      Map<String, Long> expected, Map<String, Long> actual, List<String> problems) {
    Set<String> keys = new TreeSet<>(expected.keySet());
    keys.addAll(actual.keySet());
    List<String> lines = new ArrayList<>();
    for (String k : keys) {
      long want = expected.getOrDefault(k, 0L);
      long got = actual.getOrDefault(k, 0L);
      if (want != got) {
        lines.add("  " + k + ": expected " + want + ", got " + got);
      }
    }
    if (!lines.isEmpty()) {
      problems.add("dead_letters (stage.reason):");
      problems.addAll(lines);
    }
  }

  // ---------------------------------------------------------------- JSON values

  /** A YAML value as a JSON value: numbers and booleans by the YAML tag, everything else text. */
  static @Nullable JsonNode json(Node node, String what, Errors errors) {
    JsonNodeFactory f = JsonNodeFactory.withExactBigDecimals(true);
    if (node instanceof MappingNode m) {
      ObjectNode o = f.objectNode();
      for (NodeTuple t : m.getValue()) {
        String k = Nodes.scalar(t.getKeyNode());
        if (k == null) {
          errors.at(
              t.getKeyNode(), what + ": expected a field name, got " + Nodes.kind(t.getKeyNode()));
          return null;
        }
        JsonNode v = json(t.getValueNode(), what, errors);
        if (v == null) {
          return null;
        }
        o.set(k, v);
      }
      return o;
    }
    if (node instanceof SequenceNode s) {
      ArrayNode a = f.arrayNode();
      for (Node n : s.getValue()) {
        JsonNode v = json(n, what, errors);
        if (v == null) {
          return null;
        }
        a.add(v);
      }
      return a;
    }
    ScalarNode s = (ScalarNode) node;
    String v = s.getValue();
    Tag tag = s.getTag();
    if (tag.equals(Tag.NULL)) {
      return f.nullNode();
    }
    if (tag.equals(Tag.BOOL)) {
      String l = v.toLowerCase(java.util.Locale.ROOT);
      return f.booleanNode(l.equals("true") || l.equals("yes") || l.equals("on"));
    }
    try {
      if (tag.equals(Tag.INT)) {
        return f.numberNode(new BigInteger(v.replace("_", "")));
      }
      if (tag.equals(Tag.FLOAT)) {
        return f.numberNode(new BigDecimal(v.replace("_", "")));
      }
    } catch (NumberFormatException e) {
      errors.at(node, what + ": '" + v + "' is not a number JSON can hold; quote it for a string");
      return null;
    }
    return f.textNode(v);
  }

  /** One line of JSON. */
  static String text(JsonNode n) {
    try {
      return JSON.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A form equal for equal JSON values: keys sorted, numbers without trailing zeros. */
  static String canonical(JsonNode n) {
    if (n.isObject()) {
      TreeMap<String, JsonNode> sorted = new TreeMap<>();
      n.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue()));
      List<String> parts = new ArrayList<>();
      sorted.forEach(
          (k, v) -> parts.add(text(JsonNodeFactory.instance.textNode(k)) + ":" + canonical(v)));
      return "{" + String.join(",", parts) + "}";
    }
    if (n.isArray()) {
      List<String> parts = new ArrayList<>();
      n.forEach(v -> parts.add(canonical(v)));
      return "[" + String.join(",", parts) + "]";
    }
    if (n.isNumber()) {
      BigDecimal d = n.decimalValue();
      return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
    }
    return text(n);
  }

  private static String first(List<String> names) {
    return names.isEmpty() ? "source" : names.get(0);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
