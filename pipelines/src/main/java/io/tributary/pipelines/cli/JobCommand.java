package io.tributary.pipelines.cli;

import io.tributary.pipelines.runtime.Backfill;
import io.tributary.pipelines.runtime.Backfillable;
import io.tributary.pipelines.runtime.PipelineDefinition;
import io.tributary.pipelines.runtime.Profiles;
import io.tributary.pipelines.runtime.UsageException;
import io.tributary.pipelines.spec.Spec;
import io.tributary.pipelines.spec.SpecException;
import io.tributary.pipelines.spec.SpecJob;
import io.tributary.pipelines.spec.SpecOptions;
import io.tributary.pipelines.spec.SpecParser;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.options.PipelineOptions;
import org.checkerframework.checker.nullness.qual.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.TypeConversionException;

/**
 * One job as a command: {@code tributary run <job>}, {@code tributary backfill <job>} and {@code
 * tributary run <spec.yaml>}. Its options are the job's Beam options interface ({@link
 * PipelineOptionSpecs}), which Beam parses from the words {@link PassThrough} forwards untouched;
 * picocli parses only {@code --help} and, for a backfill, {@code --from}, {@code --to}, {@code
 * --force}.
 *
 * <pre>{@code
 * CommandLine run = JobCommand.run(new ClickstreamJob(), io);
 * run.execute("--input=testdata/clickstream/small.jsonl", "--output=/tmp/out");
 * }</pre>
 */
final class JobCommand implements Callable<Integer> {
  private static final String FOOTER =
      "%nAny Beam or runner option is accepted too, e.g. --runner=DirectRunner, --parallelism=2,"
          + " --streaming=true (unbounded sources), --checkpointingInterval=MS and"
          + " --checkpointingMode=EXACTLY_ONCE (Flink); docs/operations.md lists those we use.";

  /** The job; for a spec, null until {@link SpecJob#load} reads the command line. */
  private final @Nullable PipelineDefinition job;

  private final @Nullable Path specFile;
  private final boolean backfill;
  private final Io io;
  private final PassThrough arguments;
  private final CommandSpec spec;

  private JobCommand(
      @Nullable PipelineDefinition job, @Nullable Path specFile, boolean backfill, Io io) {
    this.job = job;
    this.specFile = specFile;
    this.backfill = backfill;
    this.io = io;
    this.arguments =
        new PassThrough(
            backfill ? Set.of("--help", "--from", "--to", "--force") : Set.of("--help"), 0);
    this.spec = CommandSpec.wrapWithoutInspection(this);
  }

  /** {@code tributary run <job>}. */
  static CommandLine run(PipelineDefinition job, Io io) {
    JobCommand c = new JobCommand(job, null, false, io);
    c.declare(job.name(), job.summary(), job.optionsClass());
    return new CommandLine(c.spec);
  }

  /** {@code tributary backfill <job>}: one run per date partition. */
  static CommandLine backfill(PipelineDefinition job, Io io) {
    JobCommand c = new JobCommand(job, null, true, io);
    ITypeConverter<LocalDate> date = JobCommand::date;
    c.spec.addOption(
        OptionSpec.builder("--from")
            .paramLabel("YYYY-MM-DD")
            .type(LocalDate.class)
            .converters(date)
            .description("first date partition to build (required)")
            .build());
    c.spec.addOption(
        OptionSpec.builder("--to")
            .paramLabel("YYYY-MM-DD")
            .type(LocalDate.class)
            .converters(date)
            .description("last date partition to build, inclusive (required)")
            .build());
    c.spec.addOption(
        OptionSpec.builder("--force")
            .arity("0")
            .type(boolean.class)
            .description("rebuild partitions that are already complete")
            .build());
    c.declare(
        job.name(),
        "Rebuild the date partitions of " + job.name() + ", skipping complete ones.",
        job.optionsClass());
    return new CommandLine(c.spec);
  }

  /**
   * {@code tributary run <spec.yaml>}: the spec's variables ({@code options:} that are no pipeline
   * option) and {@code --set}, then the options every spec run takes.
   */
  static CommandLine spec(Path file, Io io) throws UsageException {
    Spec parsed;
    try {
      parsed = SpecParser.parse(file);
    } catch (java.io.IOException e) {
      throw new UsageException("run: cannot read spec file " + file + ": " + e.getMessage());
    } catch (SpecException e) {
      throw new UsageException(e.getMessage());
    }
    JobCommand c = new JobCommand(null, file, false, io);
    c.declare(
        file.toString(),
        parsed.description() == null ? "declared in " + parsed.file() : parsed.description(),
        SpecOptions.class);
    c.spec.addOption(
        OptionSpec.builder("--set")
            .paramLabel("STEP.KEY=VALUE")
            .arity("1")
            .type(String.class)
            .description("override one config value of a step, e.g. --set window.spec='fixed 30m'")
            .build());
    Set<String> pipelineOptions = SpecJob.pipelineOptionNames();
    for (Map.Entry<String, String> v : parsed.options().entrySet()) {
      if (!pipelineOptions.contains(v.getKey()) && c.spec.findOption(v.getKey()) == null) {
        c.spec.addOption(
            OptionSpec.builder("--" + v.getKey())
                .paramLabel("VALUE")
                .arity("1")
                .type(String.class)
                .description(
                    "variable ${"
                        + v.getKey()
                        + "} of the spec"
                        + (v.getValue() == null ? "" : " (default: " + v.getValue() + ")"))
                .build());
      }
    }
    return new CommandLine(c.spec);
  }

  private void declare(String name, String summary, Class<?> options) {
    spec.name(name);
    spec.interpolateVariables(false);
    spec.addOption(
        OptionSpec.builder("-h", "--help")
            .usageHelp(true)
            .description("Show this help message and exit.")
            .build());
    spec.addOption(
        OptionSpec.builder("--profile")
            .paramLabel("NAME")
            .type(String.class)
            .arity("1")
            .description(
                "runner profile: "
                    + String.join(", ", Profiles.BUNDLED)
                    + " or a file path (default: "
                    + Profiles.DEFAULT
                    + ")")
            .build());
    spec.addOption(
        OptionSpec.builder("--from-savepoint")
            .paramLabel("PATH")
            .type(String.class)
            .arity("1")
            .description("restore operator state from a Flink savepoint (tributary stop prints it)")
            .build());
    PipelineOptionSpecs.addTo(spec, options);
    spec.usageMessage()
        .description(summary.replace("%", "%%"))
        .abbreviateSynopsis(true)
        .sortOptions(false)
        .optionListHeading("%nOptions:%n")
        .footer(FOOTER);
    spec.preprocessor(arguments);
  }

  @Override
  public Integer call() throws Exception {
    if (backfill) {
      return backfill();
    }
    PipelineDefinition target = job;
    List<String> rest = arguments.forwarded();
    if (target == null && specFile != null) {
      SpecJob specJob;
      try {
        specJob = SpecJob.load(specFile, rest);
      } catch (SpecException e) {
        throw new UsageException(e.getMessage());
      }
      target = specJob;
      rest = specJob.beamArguments();
    }
    if (target == null) {
      throw new IllegalStateException("JobCommand: neither a job nor a spec file");
    }
    return Tributary.runJob(target, rest, io.out());
  }

  private int backfill() throws Exception {
    if (!(job instanceof Backfillable backfillable)) {
      throw new IllegalStateException("JobCommand: backfill of a job that cannot be backfilled");
    }
    LocalDate from = spec.findOption("--from").getValue();
    LocalDate to = spec.findOption("--to").getValue();
    Boolean force = spec.findOption("--force").getValue();
    if (from == null || to == null) {
      throw new UsageException(
          "backfill "
              + backfillable.name()
              + ": --from=YYYY-MM-DD and --to=YYYY-MM-DD are required");
    }
    if (to.isBefore(from)) {
      throw new UsageException(
          "backfill " + backfillable.name() + ": --to=" + to + " is before --from=" + from);
    }
    PipelineOptions options = Tributary.parseOptions(backfillable, arguments.forwarded());
    backfillable.validate(options);
    Backfill.Report report =
        Backfill.run(backfillable, options, from, to, Boolean.TRUE.equals(force), io.out());
    return report.ok ? 0 : 1;
  }

  private static LocalDate date(String value) {
    try {
      return LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      throw new TypeConversionException("expected a date YYYY-MM-DD, got '" + value + "'");
    }
  }
}
