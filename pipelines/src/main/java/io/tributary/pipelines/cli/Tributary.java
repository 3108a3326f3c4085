package io.tributary.pipelines.cli;

import io.tributary.pipelines.runtime.Backfill;
import io.tributary.pipelines.runtime.Backfillable;
import io.tributary.pipelines.runtime.PipelineDefinition;
import io.tributary.pipelines.runtime.PipelineRun;
import io.tributary.pipelines.runtime.Profiles;
import io.tributary.pipelines.runtime.RunOptions;
import io.tributary.pipelines.runtime.RunOutputs;
import io.tributary.pipelines.runtime.RunSummary;
import io.tributary.pipelines.runtime.UsageException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.Validation;

/**
 * The {@code tributary} command: lists and runs Tributary pipelines, and manages the schema
 * registry.
 *
 * <pre>{@code
 * java -jar tributary-pipelines-bundled.jar run clickstream \
 *     --input=testdata/clickstream/sample.jsonl.gz --output=/tmp/tributary-out
 * java -jar tributary-pipelines-bundled.jar schema check clickstream-event v2.avsc
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
      // main
      // thread, and the runner's non-daemon threads (Flink's mini cluster) would keep the JVM
      // hanging.
      System.err.println("tributary: run failed: " + t);
      code = 1;
    }
    System.exit(code);
  }

  /** Runs the command line; returns the exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    try {
      return dispatch(Arrays.asList(args), out, err);
    } catch (UsageException e) {
      err.println("tributary: " + e.getMessage());
      return USAGE;
    } catch (Exception e) {
      err.println("tributary: run failed: " + rootMessage(e));
      return 1;
    }
  }

  private static int dispatch(List<String> args, PrintStream out, PrintStream err)
      throws Exception {
    if (args.isEmpty()
        || args.get(0).equals("--help")
        || args.get(0).equals("-h")
        || args.get(0).equals("help")) {
      out.print(usage());
      return args.isEmpty() ? USAGE : 0;
    }
    String command = args.get(0);
    if (JobCommands.NAMES.contains(command)) {
      return JobCommands.run(command, args.subList(1, args.size()), out);
    }
    if (command.equals("backfill")) {
      return backfill(args.subList(1, args.size()), out);
    }
    if (command.equals("check")) {
      return SpecCommands.check(args.subList(1, args.size()), out, err);
    }
    if (command.equals("graph")) {
      return SpecCommands.graph(args.subList(1, args.size()), out, err);
    }
    if (command.equals("test")) {
      return SpecCommands.test(args.subList(1, args.size()), out, err);
    }
    if (command.equals("schema")) {
      return SchemaCommand.run(args.subList(1, args.size()), out, err);
    }
    if (command.equals("lineage")) {
      return LineageCommands.lineage(args.subList(1, args.size()), out);
    }
    if (command.equals("catalog")) {
      return LineageCommands.catalog(args.subList(1, args.size()), out);
    }
    if (command.equals("retention")) {
      return RetentionCommand.run(args.subList(1, args.size()), out);
    }
    if (command.equals("serve-roles")) {
      return ServeRolesCommand.run(args.subList(1, args.size()), out);
    }
    if (!command.equals("run")) {
      throw new UsageException(
          "unknown command '"
              + command
              + "'; expected one of: run, check, graph, test, backfill, schema, lineage, catalog, retention, serve-roles, "
              + String.join(", ", JobCommands.NAMES)
              + " (see tributary --help)");
    }
    if (args.size() < 2 || args.get(1).startsWith("-")) {
      throw new UsageException("run: expected a pipeline name, one of " + PIPELINES.keySet());
    }
    PipelineDefinition job = PIPELINES.get(args.get(1));
    List<String> rest = args.subList(2, args.size());
    if (job == null && SpecCommands.isSpec(args.get(1))) {
      java.nio.file.Path specFile = java.nio.file.Path.of(args.get(1));
      if (!java.nio.file.Files.isRegularFile(specFile)) {
        throw new UsageException("run: no spec file " + specFile);
      }
      io.tributary.pipelines.spec.SpecJob specJob;
      try {
        specJob = io.tributary.pipelines.spec.SpecJob.load(specFile, rest);
      } catch (io.tributary.pipelines.spec.SpecException e) {
        throw new UsageException(e.getMessage());
      }
      job = specJob;
      rest = specJob.beamArguments();
    }
    if (job == null) {
      throw new UsageException(
          "run: unknown pipeline '" + args.get(1) + "'; expected one of " + PIPELINES.keySet());
    }
    if (rest.contains("--help") || rest.contains("-h")) {
      out.print(pipelineHelp(job));
      return 0;
    }
    PipelineOptions options = parseOptions(job, rest);
    job.validate(options);
    try {
      String lineage = options.as(RunOptions.class).getLineage();
      io.tributary.transforms.lineage.LineageTransport.parse(lineage.isEmpty() ? "none" : lineage);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    PipelineRun.validateRunOptions(options);
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

  /**
   * {@code backfill <pipeline> --from=YYYY-MM-DD --to=YYYY-MM-DD [--force] [options]}: one run per
   * date partition, skipping complete ones; exit 0 when every run finished balanced.
   */
  private static int backfill(List<String> args, PrintStream out) throws Exception {
    if (args.isEmpty() || args.get(0).startsWith("-")) {
      throw new UsageException("backfill: expected a pipeline name, one of " + backfillable());
    }
    PipelineDefinition def = PIPELINES.get(args.get(0));
    if (!(def instanceof Backfillable job)) {
      throw new UsageException(
          "backfill: pipeline '"
              + args.get(0)
              + "' cannot be backfilled; expected one of "
              + backfillable());
    }
    java.time.LocalDate from = null;
    java.time.LocalDate to = null;
    boolean force = false;
    List<String> rest = new ArrayList<>();
    for (String arg : args.subList(1, args.size())) {
      if (arg.startsWith("--from=")) {
        from = parseDate("--from", arg.substring("--from=".length()));
      } else if (arg.startsWith("--to=")) {
        to = parseDate("--to", arg.substring("--to=".length()));
      } else if (arg.equals("--force")) {
        force = true;
      } else {
        rest.add(arg);
      }
    }
    if (from == null || to == null) {
      throw new UsageException(
          "backfill " + job.name() + ": --from=YYYY-MM-DD and --to=YYYY-MM-DD are required");
    }
    if (to.isBefore(from)) {
      throw new UsageException(
          "backfill " + job.name() + ": --to=" + to + " is before --from=" + from);
    }
    PipelineOptions options = parseOptions(job, rest);
    job.validate(options);
    Backfill.Report report = Backfill.run(job, options, from, to, force, out);
    return report.ok ? 0 : 1;
  }

  private static java.time.LocalDate parseDate(String option, String value) throws UsageException {
    try {
      return java.time.LocalDate.parse(value);
    } catch (java.time.format.DateTimeParseException e) {
      throw new UsageException(
          "backfill: " + option + ": expected a date YYYY-MM-DD, got '" + value + "'");
    }
  }

  private static List<String> backfillable() {
    List<String> names = new ArrayList<>();
    PIPELINES
        .values()
        .forEach(
            j -> {
              if (j instanceof Backfillable) {
                names.add(j.name());
              }
            });
    return names;
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
      String message = firstLine(e.getMessage());
      java.util.regex.Matcher unknown =
          java.util.regex.Pattern.compile("missing a property named '([^']+)'").matcher(message);
      if (unknown.find()) {
        message =
            "unknown option --"
                + unknown.group(1)
                + " (see tributary run "
                + job.name()
                + " --help)";
      }
      throw new UsageException("run " + job.name() + ": " + message);
    }
  }

  static String usage() {
    StringBuilder b = new StringBuilder();
    b.append("Usage: tributary <command> [args]\n\n");
    b.append("Commands:\n");
    b.append(
        "  run <pipeline> [--profile=NAME] [options]   run a pipeline (add --help for its options)\n");
    b.append("  backfill <pipeline> --from=YYYY-MM-DD --to=YYYY-MM-DD [--force] [options]\n");
    b.append(
        "                                              rebuild date partitions, skipping complete ones\n");
    b.append(SpecCommands.usage());
    b.append(JobCommands.usage());
    b.append(RetentionCommand.usage());
    b.append(ServeRolesCommand.usage());
    b.append(LineageCommands.usage());
    b.append(SchemaCommand.usage());
    b.append("  --help                                      this text\n\n");
    b.append("Pipelines:\n");
    PIPELINES.values().forEach(j -> b.append(String.format("  %-14s %s%n", j.name(), j.summary())));
    b.append("\nProfiles (runners-config/profiles, or a path to an options file): ")
        .append(String.join(", ", Profiles.BUNDLED))
        .append("; default ")
        .append(Profiles.DEFAULT)
        .append('\n');
    return b.toString();
  }

  /**
   * The options of {@code job}: its own first, then those of each option mixin it extends (output,
   * source, Kafka, privacy, ..., the options every run takes), under the mixin's {@code
   * Description}; Beam's own options and hidden ones are left out.
   */
  static String pipelineHelp(PipelineDefinition job) {
    StringBuilder b = new StringBuilder();
    b.append("Usage: tributary run ").append(job.name()).append(" [--profile=NAME] [options]\n\n");
    b.append(job.summary()).append("\n\nOptions:\n");
    appendOptions(b, job.optionsClass());
    b.append(
        String.format(
            "  --%-14s runner profile: %s or a file path (default: %s)%n",
            "profile=", String.join(", ", Profiles.BUNDLED), Profiles.DEFAULT));
    String lastTitle = null;
    for (Class<?> mixin : mixins(job.optionsClass())) {
      StringBuilder section = new StringBuilder();
      appendOptions(section, mixin);
      if (section.length() == 0) {
        continue;
      }
      Description d = mixin.getAnnotation(Description.class);
      String title = d == null ? mixin.getSimpleName() : d.value();
      if (!title.equals(lastTitle)) {
        b.append('\n').append(title).append(":\n");
        lastTitle = title;
      }
      b.append(section);
    }
    b.append(
        "\nAny Beam or runner option is accepted too, e.g. --runner=DirectRunner, --parallelism=2.\n");
    return b.toString();
  }

  /**
   * The option interfaces {@code root} extends, each once, every one after those it extends (Beam's
   * own and hidden ones left out).
   */
  private static List<Class<?>> mixins(Class<?> root) {
    java.util.LinkedHashSet<Class<?>> out = new java.util.LinkedHashSet<>();
    for (Class<?> parent : root.getInterfaces()) {
      collect(parent, out);
    }
    out.remove(root);
    return new ArrayList<>(out);
  }

  private static void collect(Class<?> iface, java.util.Set<Class<?>> out) {
    if (out.contains(iface)
        || iface.getName().startsWith("org.apache.beam.")
        || iface.isAnnotationPresent(org.apache.beam.sdk.options.Hidden.class)) {
      return;
    }
    for (Class<?> parent : iface.getInterfaces()) {
      collect(parent, out);
    }
    out.add(iface);
  }

  /** One line per option {@code iface} itself declares, in declaration order. */
  private static void appendOptions(StringBuilder b, Class<?> iface) {
    for (Method m : iface.getDeclaredMethods()) {
      if (!m.getName().startsWith("get")
          || m.getParameterCount() != 0
          || java.lang.reflect.Modifier.isStatic(m.getModifiers())
          || m.isAnnotationPresent(org.apache.beam.sdk.options.Hidden.class)) {
        continue;
      }
      String name = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
      Description d = m.getAnnotation(Description.class);
      String dflt = defaultOf(m);
      b.append(
          String.format(
              "  --%-14s %s%s%n",
              name + "=",
              d == null ? "" : d.value(),
              m.isAnnotationPresent(Validation.Required.class)
                  ? " (required)"
                  : dflt == null ? "" : " (default: " + dflt + ")"));
    }
  }

  private static String defaultOf(Method m) {
    if (m.isAnnotationPresent(Default.String.class)) {
      return m.getAnnotation(Default.String.class).value();
    }
    if (m.isAnnotationPresent(Default.Integer.class)) {
      return String.valueOf(m.getAnnotation(Default.Integer.class).value());
    }
    if (m.isAnnotationPresent(Default.Long.class)) {
      return String.valueOf(m.getAnnotation(Default.Long.class).value());
    }
    if (m.isAnnotationPresent(Default.Boolean.class)) {
      return String.valueOf(m.getAnnotation(Default.Boolean.class).value());
    }
    return null;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "invalid options";
    }
    int nl = message.indexOf('\n');
    return (nl < 0 ? message : message.substring(0, nl)).trim();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + firstLine(t.getMessage());
  }
}
