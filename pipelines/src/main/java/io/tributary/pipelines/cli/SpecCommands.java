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
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.transforms.SchemaTransformProvider;

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
  private SpecCommands() {}

  /** Whether {@code arg} names a spec file rather than a bundled job. */
  static boolean isSpec(String arg) {
    return arg.endsWith(".yaml") || arg.endsWith(".yml");
  }

  static String usage() {
    return "  check <spec.yaml> [--schemas] [--set step.key=value] [--name=value]\n"
        + "                                              check a spec without running it\n"
        + "  check --types                               list the step types a spec may use\n"
        + "  graph <spec.yaml> [--format=dot|html] [--out=FILE]\n"
        + "                                              draw a spec's steps (DOT, or an HTML page)\n"
        + "  test <spec.yaml> [--runner=direct|flink|both] [--test=NAME]\n"
        + "                                              run the tests: section of a spec\n";
  }

  /** {@code check}: exit 0 when the spec is fine, 2 with every error otherwise. */
  static int check(List<String> args, PrintStream out, PrintStream err) throws Exception {
    if (args.contains("--types")) {
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
    if (args.isEmpty() || !isSpec(args.get(0))) {
      throw new UsageException("check: expected a spec file (.yaml), e.g. tributary check my.yaml");
    }
    Path file = Path.of(args.get(0));
    if (!Files.isRegularFile(file)) {
      throw new UsageException("check: no spec file " + file);
    }
    boolean schemas = false;
    List<String> rest = new ArrayList<>();
    for (String a : args.subList(1, args.size())) {
      if (a.equals("--schemas")) {
        schemas = true;
      } else {
        rest.add(a);
      }
    }
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
  static int graph(List<String> args, PrintStream out, PrintStream err) throws Exception {
    Path file = specFile("graph", args);
    String format = "dot";
    Path target = null;
    List<String> rest = new ArrayList<>();
    for (String a : args.subList(1, args.size())) {
      if (a.startsWith("--format=")) {
        format = a.substring("--format=".length());
        if (!format.equals("dot") && !format.equals("html")) {
          throw new UsageException("graph: --format: expected dot or html, got " + format);
        }
      } else if (a.startsWith("--out=")) {
        target = Path.of(a.substring("--out=".length()));
      } else {
        rest.add(a);
      }
    }
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
  static int test(List<String> args, PrintStream out, PrintStream err) throws Exception {
    Path file = specFile("test", args);
    List<String> runners = SpecTests.RUNNERS;
    String only = null;
    List<String> rest = new ArrayList<>();
    for (String a : args.subList(1, args.size())) {
      if (a.startsWith("--runner=")) {
        String r = a.substring("--runner=".length());
        if (r.equals("both")) {
          runners = SpecTests.RUNNERS;
        } else if (SpecTests.RUNNERS.contains(r)) {
          runners = List.of(r);
        } else {
          throw new UsageException("test: --runner: expected direct, flink or both, got " + r);
        }
      } else if (a.startsWith("--test=")) {
        only = a.substring("--test=".length());
      } else {
        rest.add(a);
      }
    }
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

  private static Path specFile(String command, List<String> args) throws UsageException {
    if (args.isEmpty() || !isSpec(args.get(0))) {
      throw new UsageException(
          command + ": expected a spec file (.yaml), e.g. tributary " + command + " my.yaml");
    }
    Path file = Path.of(args.get(0));
    if (!Files.isRegularFile(file)) {
      throw new UsageException(command + ": no spec file " + file);
    }
    return file;
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
