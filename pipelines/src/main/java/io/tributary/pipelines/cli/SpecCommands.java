package io.tributary.pipelines.cli;

import io.tributary.pipelines.runtime.UsageException;
import io.tributary.pipelines.spec.SpecBuilder;
import io.tributary.pipelines.spec.SpecError;
import io.tributary.pipelines.spec.SpecException;
import io.tributary.pipelines.spec.SpecGraph;
import io.tributary.pipelines.spec.SpecJob;
import io.tributary.pipelines.spec.SpecOptions;
import io.tributary.pipelines.spec.SpecTest;
import io.tributary.pipelines.spec.SpecTests;
import io.tributary.pipelines.spec.StepCatalog;
import io.tributary.transforms.spec.StepProvider;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.transforms.SchemaTransformProvider;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The spec commands of the command line: {@code tributary check spec.yaml} (checks without running:
 * every error as {@code file:line:column: message}, exit 2) and {@code tributary check --types}
 * (the step types on the class path), {@code tributary graph spec.yaml} (the steps as DOT or a
 * self-contained HTML page, see {@link SpecGraph}) and {@code tributary test spec.yaml} (the spec's
 * {@code tests:}, see {@link SpecTests}: exit 0 when all pass, 1 with the differences, 2 for a bad
 * spec or tests section). {@code tributary run spec.yaml} goes through {@link Tributary} like any
 * job.
 *
 * <pre>{@code
 * tributary check pipelines/specs/clickstream.yaml --schemas
 * tributary check --types
 * tributary graph pipelines/specs/clickstream.yaml --format=html --out=/tmp/clickstream.html
 * tributary test pipelines/specs/clickstream.yaml --runner=direct
 * }</pre>
 */
final class SpecCommands {
  private static final String VALUES =
      "%nSpec variables (--name=value, declared under the spec's options:) and pipeline options"
          + " (--output=DIR, ...) are passed to the spec as in tributary run.";

  private SpecCommands() {}

  /** Whether {@code arg} names a spec file rather than a bundled job. */
  static boolean isSpec(String arg) {
    return arg.endsWith(".yaml") || arg.endsWith(".yml");
  }

  /**
   * What the three commands share: the spec file, {@code --set}, and the words passed on to the
   * spec ({@link PassThrough}).
   */
  abstract static class SpecCommand implements Callable<Integer> {
    @Mixin HelpOption help;

    @Parameters(
        arity = "0..1",
        paramLabel = "<spec.yaml>",
        description = "the spec file (.yaml or .yml)")
    String file;

    @Option(
        names = "--set",
        paramLabel = "STEP.KEY=VALUE",
        description = "override one config value of a step, e.g. --set window.spec='fixed 30m'")
    List<String> sets = new ArrayList<>();

    @Spec CommandSpec spec;

    final Io io;
    final PassThrough values;

    SpecCommand(Io io, Set<String> own) {
      this.io = io;
      Set<String> all = new java.util.HashSet<>(own);
      all.add("--help");
      this.values = new PassThrough(all, 1);
    }

    /** The words after the spec file that are not this command's options. */
    List<String> rest() {
      return values.forwarded();
    }

    /** Checks {@link #file} names an existing spec. */
    Path specFile(String command) throws UsageException {
      if (file == null || !isSpec(file)) {
        throw new UsageException(
            command + ": expected a spec file (.yaml), e.g. tributary " + command + " my.yaml");
      }
      Path path = Path.of(file);
      if (!Files.isRegularFile(path)) {
        throw new UsageException(command + ": no spec file " + path);
      }
      return path;
    }
  }

  /** {@code command} with its arguments split by {@link PassThrough}. */
  static CommandLine create(SpecCommand command) {
    CommandLine cli = new CommandLine(command);
    cli.getCommandSpec().preprocessor(command.values);
    return cli;
  }

  /** {@code check}: exit 0 when the spec is fine, 2 with every error otherwise. */
  @Command(
      name = "check",
      description = "Check a spec without running it; --types lists the step types a spec may use.",
      footer = VALUES)
  static final class Check extends SpecCommand {
    @Option(names = "--schemas", description = "print the schema of every step's output")
    boolean schemas;

    @Option(names = "--types", description = "list the step types on the class path instead")
    boolean types;

    Check(Io io) {
      super(io, Set.of("--schemas", "--types"));
    }

    @Override
    public Integer call() throws Exception {
      return check(this, io.out(), io.err());
    }
  }

  /** {@code graph}: the spec's steps as DOT (default) or HTML, to stdout or {@code --out}. */
  @Command(
      name = "graph",
      description = "Draw a spec's steps: DOT, or a self-contained HTML page.",
      footer = VALUES)
  static final class Graph extends SpecCommand {
    @Option(
        names = "--format",
        paramLabel = "dot|html",
        description = "DOT text or an HTML page (default: ${DEFAULT-VALUE})")
    String format = "dot";

    @Option(names = "--out", paramLabel = "FILE", description = "write here instead of stdout")
    Path out;

    Graph(Io io) {
      super(io, Set.of("--format", "--out"));
    }

    @Override
    public Integer call() throws Exception {
      return graph(this, io.out(), io.err());
    }
  }

  /** {@code test}: the spec's {@code tests:} on each runner. */
  @Command(
      name = "test",
      description = "Run the tests: section of a spec on the Direct and/or Flink runner.",
      footer = VALUES)
  static final class Test extends SpecCommand {
    @Option(
        names = "--runner",
        paramLabel = "direct|flink|both",
        description = "the runners to test on (default: ${DEFAULT-VALUE})")
    String runner = "both";

    @Option(names = "--test", paramLabel = "NAME", description = "run only the test of this name")
    String only;

    Test(Io io) {
      super(io, Set.of("--runner", "--test"));
    }

    @Override
    public Integer call() throws Exception {
      return test(this, io.out(), io.err());
    }
  }

  private static int check(Check c, PrintStream out, PrintStream err) throws Exception {
    if (c.types) {
      for (SchemaTransformProvider p : StepCatalog.load().providers()) {
        String type = StepCatalog.typeOf(p);
        out.println(
            type
                + (p instanceof StepProvider s
                    ? "  [" + s.kind().name().toLowerCase(Locale.ROOT) + "]"
                    : "")
                + "  "
                + firstSentence(p.description()));
      }
      return 0;
    }
    Path file = c.specFile("check");
    boolean schemas = c.schemas;
    List<String> rest = c.rest();
    try {
      SpecJob job = SpecJob.load(file, rest);
      SpecOptions options = checkOptions(job);
      Pipeline p = Pipeline.create(options);
      StepCatalog catalog = StepCatalog.load();
      // The tests: section is part of the spec: its mistakes are reported with the pipeline's.
      List<SpecError> errors = new ArrayList<>();
      SpecBuilder.Built built = null;
      try {
        built = SpecBuilder.build(p, job.spec(), catalog, job.variables(options), null);
      } catch (SpecException e) {
        errors.addAll(e.errors());
      }
      try {
        SpecTests.parse(job.spec(), catalog);
      } catch (SpecException e) {
        errors.addAll(e.errors());
      }
      if (built == null || !errors.isEmpty()) {
        errors.sort(Comparator.comparingInt(SpecError::line).thenComparingInt(SpecError::column));
        throw new SpecException(errors);
      }
      for (String w : built.warnings()) {
        err.println("warning: " + w);
      }
      if (schemas) {
        for (Map.Entry<String, Schema> e : built.schemas().entrySet()) {
          out.println(e.getKey() + ": " + SpecGraph.describe(e.getValue()));
        }
      }
      out.println(
          file
              + ": OK ("
              + job.spec().steps().size()
              + " steps, "
              + built.schemas().size()
              + " outputs with schemas)");
      return 0;
    } catch (SpecException e) {
      e.errors().forEach(err::println);
      return Tributary.USAGE;
    }
  }

  /** {@code graph}: the spec's steps as DOT (default) or HTML, to stdout or {@code --out}. */
  private static int graph(Graph c, PrintStream out, PrintStream err) throws Exception {
    Path file = c.specFile("graph");
    String format = c.format;
    if (!format.equals("dot") && !format.equals("html")) {
      throw new UsageException("graph: --format: expected dot or html, got " + format);
    }
    Path target = c.out;
    List<String> rest = c.rest();
    try {
      SpecJob job = SpecJob.load(file, rest);
      SpecOptions options = checkOptions(job);
      StepCatalog catalog = StepCatalog.load();
      SpecBuilder.Built built =
          SpecBuilder.build(
              Pipeline.create(options), job.spec(), catalog, job.variables(options), null);
      SpecGraph graph = SpecGraph.of(job.spec(), catalog, built);
      String text = format.equals("html") ? graph.toHtml() : graph.toDot();
      if (target == null) {
        out.print(text);
      } else {
        Files.writeString(target, text, StandardCharsets.UTF_8);
        out.println(
            file + ": " + format + " graph of " + graph.steps().size() + " steps -> " + target);
      }
      return 0;
    } catch (SpecException e) {
      e.errors().forEach(err::println);
      return Tributary.USAGE;
    }
  }

  /**
   * {@code test}: runs each test of the spec's {@code tests:} on each runner; one line per test and
   * runner, the differences under a failing one. Exit 0 when all pass, 1 when one fails, 2 for a
   * bad spec or tests section.
   */
  private static int test(Test c, PrintStream out, PrintStream err) throws Exception {
    Path file = c.specFile("test");
    List<String> runners;
    if (c.runner.equals("both")) {
      runners = SpecTests.RUNNERS;
    } else if (SpecTests.RUNNERS.contains(c.runner)) {
      runners = List.of(c.runner);
    } else {
      throw new UsageException("test: --runner: expected direct, flink or both, got " + c.runner);
    }
    String only = c.only;
    List<String> rest = c.rest();
    try {
      SpecJob job = SpecJob.load(file, rest);
      List<SpecTest> tests = SpecTests.parse(job.spec(), StepCatalog.load());
      if (tests.isEmpty()) {
        throw new UsageException("test: " + file + " has no tests: section");
      }
      int run = 0;
      int failed = 0;
      for (SpecTest t : tests) {
        if (only != null && !only.equals(t.name())) {
          continue;
        }
        for (String runner : runners) {
          SpecTests.Result r = SpecTests.run(job, t, runner);
          out.println(r.report());
          run++;
          failed += r.passed() ? 0 : 1;
        }
      }
      if (run == 0) {
        throw new UsageException("test: " + file + " has no test named '" + only + "'");
      }
      out.println(
          file
              + ": "
              + (run - failed)
              + " of "
              + run
              + " test runs passed"
              + (failed == 0 ? "" : ", " + failed + " failed"));
      return failed == 0 ? 0 : 1;
    } catch (SpecException e) {
      e.errors().forEach(err::println);
      return Tributary.USAGE;
    }
  }

  /** Options for a check: the spec's and the command line's, with an output when none is set. */
  private static SpecOptions checkOptions(SpecJob job) {
    List<String> args = new ArrayList<>(job.beamArguments());
    if (args.stream().noneMatch(a -> a.startsWith("--output="))) {
      args.add("--output=" + System.getProperty("java.io.tmpdir") + "/tributary-check");
    }
    PipelineOptionsFactory.register(SpecOptions.class);
    return PipelineOptionsFactory.fromArgs(args.toArray(new String[0])).as(SpecOptions.class);
  }

  private static String firstSentence(String text) {
    int dot = text.indexOf(". ");
    return dot < 0 ? text : text.substring(0, dot + 1);
  }
}
