package io.tributary.pipelines.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.tributary.pipelines.runtime.PipelineDefinition;
import io.tributary.pipelines.runtime.PipelineRun;
import io.tributary.pipelines.runtime.Profiles;
import io.tributary.pipelines.runtime.RunOptions;
import io.tributary.pipelines.runtime.RunOutputs;
import io.tributary.pipelines.runtime.RunSummary;
import io.tributary.pipelines.runtime.UsageException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.checkerframework.checker.nullness.qual.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.UsageMessageSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code tributary} command: lists and runs Tributary pipelines, and manages the schema
 * registry, lineage, retention and jobs on a Flink cluster. Built on picocli: every command and
 * sub-command takes {@code --help} (generated from the options that parse it), {@code tributary
 * help <command...>} prints the same, {@code --version} names the build, and {@code tributary
 * completion} prints a shell completion script.
 *
 * <pre>{@code
 * java -jar tributary-pipelines-bundled.jar run clickstream \
 *     --input=testdata/clickstream/sample.jsonl.gz --output=/tmp/tributary-out
 * java -jar tributary-pipelines-bundled.jar schema check clickstream-event v2.avsc
 * java -jar tributary-pipelines-bundled.jar help schema register
 * }</pre>
 *
 * <p>Exit codes: 0 success, 1 the run failed or its accounting did not balance, 2 a usage error
 * (printed as one line, no stack trace).
 */
public final class Tributary {
  /** Exit code of a user mistake. */
  public static final int USAGE = 2;

  /**
   * The jobs on the class path, found like step types through {@link java.util.ServiceLoader}
   * ({@code META-INF/services/io.tributary.pipelines.runtime.PipelineDefinition}): a user's jar
   * adds a job without touching this class.
   */
  private static final Map<String, PipelineDefinition> PIPELINES = discover();

  private Tributary() {}

  private static Map<String, PipelineDefinition> discover() {
    Map<String, PipelineDefinition> jobs = new LinkedHashMap<>();
    for (PipelineDefinition job : java.util.ServiceLoader.load(PipelineDefinition.class)) {
      PipelineDefinition earlier = jobs.put(job.name(), job);
      if (earlier != null && !earlier.getClass().equals(job.getClass())) {
        throw new IllegalStateException(
            "two jobs named "
                + job.name()
                + ": "
                + earlier.getClass().getName()
                + " and "
                + job.getClass().getName());
      }
    }
    return jobs;
  }

  /** The entry point of the bundled jar. */
  public static void main(String[] args) {
    int code;
    try {
      code = run(args, System.out, System.err);
    } catch (Throwable t) {
      // An Error (e.g. NoClassDefFoundError from a broken classpath) would otherwise end only the
      // main thread, and the runner's non-daemon threads (Flink's mini cluster) would keep the JVM
      // hanging.
      System.err.println("tributary: run failed: " + t);
      code = 1;
    }
    System.exit(code);
  }

  /** Runs the command line; returns the exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    PrintWriter outWriter = new PrintWriter(new OutputStreamWriter(out, UTF_8), true);
    PrintWriter errWriter = new PrintWriter(new OutputStreamWriter(err, UTF_8), true);
    try {
      CommandLine cli = commandLine(new Io(out, err), specNamedIn(args));
      cli.setOut(outWriter);
      cli.setErr(errWriter);
      return cli.execute(args);
    } catch (UsageException e) {
      err.println("tributary: " + e.getMessage());
      return USAGE;
    } catch (RuntimeException e) {
      return RunFailures.report(err, e);
    } finally {
      outWriter.flush();
      errWriter.flush();
      out.flush();
      err.flush();
    }
  }

  /**
   * The whole command tree, every command with its options: what parses the command line, prints
   * the help and generates the completion script. {@code spec}, when non-null, is added under
   * {@code run} like a job.
   */
  static CommandLine commandLine(Io io, java.nio.file.@Nullable Path spec) throws UsageException {
    Root root = new Root(io);
    CommandLine cli = new CommandLine(root);
    cli.addSubcommand(RunCommand.create(PIPELINES, io, spec));
    cli.addSubcommand(BackfillCommand.create(PIPELINES, io));
    cli.addSubcommand(SpecCommands.create(new SpecCommands.Check(io)));
    cli.addSubcommand(SpecCommands.create(new SpecCommands.Graph(io)));
    cli.addSubcommand(SpecCommands.create(new SpecCommands.Test(io)));
    cli.addSubcommand(SchemaCommand.create(io));
    cli.addSubcommand(new LineageCommands.Lineage(io));
    cli.addSubcommand(new LineageCommands.Catalog(io));
    cli.addSubcommand(new RetentionCommand(io));
    cli.addSubcommand(new ServeRolesCommand(io));
    cli.addSubcommand(new JobCommands.Jobs(io));
    cli.addSubcommand(new JobCommands.Cancel(io));
    cli.addSubcommand(new JobCommands.Savepoint(io));
    cli.addSubcommand(new JobCommands.Stop(io));
    cli.addSubcommand(new CompletionCommand(io));
    cli.addSubcommand(new HelpCommand(io));
    UsageErrors errors = new UsageErrors(io.err());
    cli.setParameterExceptionHandler(errors);
    cli.setExecutionExceptionHandler(errors);
    // Beam's options and spec values are taken as typed: no @file expansion, last value wins.
    cli.setExpandAtFiles(false);
    cli.setOverwrittenOptionsAllowed(true);
    cli.setColorScheme(Help.defaultColorScheme(Help.Ansi.OFF));
    cli.setHelpFactory(HelpLayout.FACTORY);
    keepDeclarationOrder(cli);
    root.footer(cli.getCommandSpec());
    return cli;
  }

  /** Options are listed as declared (the important first), not alphabetically. */
  private static void keepDeclarationOrder(CommandLine command) {
    command.getCommandSpec().usageMessage().sortOptions(false);
    command.getSubcommands().values().forEach(Tributary::keepDeclarationOrder);
  }

  /**
   * The spec file that {@code run <spec.yaml>} or {@code help run <spec.yaml>} names, if it exists:
   * it becomes a sub-command of {@code run}, so its help lists its variables.
   */
  private static java.nio.file.@Nullable Path specNamedIn(String[] args) {
    int at = args.length > 0 && args[0].equals("help") ? 1 : 0;
    if (args.length > at + 1 && args[at].equals("run") && SpecCommands.isSpec(args[at + 1])) {
      java.nio.file.Path file = java.nio.file.Path.of(args[at + 1]);
      return java.nio.file.Files.isRegularFile(file) ? file : null;
    }
    return null;
  }

  /** {@code tributary} without a command: the usage, exit code 2. */
  @Command(
      name = "tributary",
      mixinStandardHelpOptions = true,
      versionProvider = VersionInfo.class,
      description = "Run and operate Tributary pipelines.",
      synopsisSubcommandLabel = "<command>",
      commandListHeading = "%nCommands:%n")
  private static final class Root implements Callable<Integer> {
    @Spec CommandSpec spec;

    private final Io io;

    Root(Io io) {
      this.io = io;
    }

    /** The jobs (a table like the command list), the runner profiles and the exit codes. */
    void footer(CommandSpec root) {
      root.usageMessage()
          .sectionMap()
          .put(
              "pipelines",
              help -> {
                Help.TextTable table =
                    Help.TextTable.forColumns(
                        help.colorScheme(),
                        new Help.Column(17, 2, Help.Column.Overflow.SPAN),
                        new Help.Column(
                            root.usageMessage().width() - 17, 1, Help.Column.Overflow.WRAP));
                PIPELINES.values().forEach(j -> table.addRowValues(j.name(), j.summary()));
                return String.format("%nPipelines (tributary run <pipeline> --help):%n") + table;
              });
      List<String> keys = new ArrayList<>(root.usageMessage().sectionKeys());
      keys.add(keys.indexOf(UsageMessageSpec.SECTION_KEY_COMMAND_LIST) + 1, "pipelines");
      root.usageMessage().sectionKeys(keys);
      root.usageMessage()
          .footer(
              "%nProfiles (runners-config/profiles, or a path to an options file): "
                  + String.join(", ", Profiles.BUNDLED)
                  + "; default "
                  + Profiles.DEFAULT,
              "%nExit codes: 0 success, 1 the run failed, 2 a usage error.");
    }

    @Override
    public Integer call() {
      spec.commandLine().usage(io.out(), Help.Ansi.OFF);
      return USAGE;
    }
  }

  /**
   * Runs {@code job} with {@code args} (the Beam options as typed): parses them, checks inputs and
   * outputs, runs or submits, and prints the summary.
   */
  static int runJob(PipelineDefinition job, List<String> args, PrintStream out) throws Exception {
    PipelineOptions options = parseOptions(job, args);
    job.validate(options);
    try {
      String lineage = options.as(RunOptions.class).getLineage();
      io.tributary.transforms.lineage.LineageTransport.parse(lineage.isEmpty() ? "none" : lineage);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    PipelineRun.validateRunOptions(options);
    if (PipelineRun.streamingIfUnbounded(job, options)) {
      System.err.println(
          "tributary: "
              + job.name()
              + " reads an unbounded source: submitting it as a streaming job (--streaming=true)");
    }
    PipelineRun.checkSavepointRestore(options);
    PipelineRun.checkClusterAnswers(options);
    RunOutputs.check(job, options);
    if (PipelineRun.submitsDetached(options)) {
      // A job handed to a cluster has no end to wait for: with --overwrite the earlier outputs are
      // removed before it is submitted (there is no failed run to restore them for).
      RunOutputs.prepare(job, options, "submit-" + java.util.UUID.randomUUID()).finish(true);
      // A streaming job on a cluster runs until stopped: submit, print its id on one line, return.
      PipelineRun.Submission submitted = PipelineRun.submit(job, options);
      out.println(
          "submitted "
              + job.name()
              + " as Flink job "
              + submitted.jobId()
              + " ("
              + submitted.jobName()
              + ") on "
              + submitted.master()
              + "; stop with: tributary stop "
              + submitted.jobId()
              + " --savepoint");
      return 0;
    }
    RunSummary summary = PipelineRun.run(job, options);
    out.print(summary.toText());
    return summary.accounting().balanced() && "DONE".equals(summary.state()) ? 0 : 1;
  }

  /** Profile options, then the user's, parsed strictly against the job's options interface. */
  static PipelineOptions parseOptions(PipelineDefinition job, List<String> userArgs)
      throws UsageException {
    String profile = Profiles.DEFAULT;
    List<String> beamArgs = new ArrayList<>();
    for (String arg : userArgs) {
      if (arg.startsWith("--profile=")) {
        profile = arg.substring("--profile=".length());
      } else if (arg.startsWith("--from-savepoint=")) {
        // Flink restores operator state from the savepoint; operator names are stable step names.
        beamArgs.add("--savepointPath=" + arg.substring("--from-savepoint=".length()));
      } else if (!arg.startsWith("--")) {
        throw new UsageException(
            "run "
                + job.name()
                + ": unexpected argument '"
                + arg
                + "'; options look like --name=value");
      } else {
        beamArgs.add(arg);
      }
    }
    List<String> merged = Profiles.merge(Profiles.load(profile), beamArgs);
    PipelineOptionsFactory.register(job.optionsClass());
    PipelineOptionsFactory.register(RunOptions.class);
    try {
      return PipelineOptionsFactory.fromArgs(merged.toArray(new String[0]))
          .withValidation()
          .as(job.optionsClass());
    } catch (IllegalArgumentException e) {
      String message = UsageErrors.firstLine(e.getMessage());
      java.util.regex.Matcher unknown =
          java.util.regex.Pattern.compile("missing a property named '([^']+)'").matcher(message);
      if (unknown.find()) {
        List<String> known = new ArrayList<>();
        PipelineOptionSpecs.names(job.optionsClass()).forEach(n -> known.add("--" + n));
        known.add("--profile");
        message =
            "unknown option --"
                + unknown.group(1)
                + UsageErrors.didYouMean("--" + unknown.group(1), known)
                + " (see 'tributary run "
                + job.name()
                + " --help')";
      }
      throw new UsageException("run " + job.name() + ": " + message);
    }
  }

  /**
   * {@code tributary run <job> --help}: the job's options, its own first, then those of each option
   * mixin it extends (output, source, Kafka, privacy, ..., the options every run takes), under the
   * mixin's {@code Description}; Beam's own options and hidden ones are left out.
   */
  static String pipelineHelp(PipelineDefinition job) {
    CommandLine cli;
    try {
      cli = commandLine(new Io(System.out, System.err), null);
    } catch (UsageException e) {
      throw new IllegalStateException(e);
    }
    CommandLine command = cli.getSubcommands().get("run").getSubcommands().get(job.name());
    if (command == null) {
      command = JobCommand.run(job, new Io(System.out, System.err));
      cli.getSubcommands().get("run").addSubcommand(job.name(), command);
    }
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    command.usage(new PrintStream(bytes, true, UTF_8), Help.Ansi.OFF);
    return bytes.toString(UTF_8);
  }
}
