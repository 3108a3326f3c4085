package io.tributary.pipelines.cli;

import io.tributary.pipelines.runtime.PipelineDefinition;
import io.tributary.pipelines.runtime.UsageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.checkerframework.checker.nullness.qual.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code tributary run <pipeline|spec.yaml> [--profile=NAME] [options]}: one sub-command per job on
 * the class path ({@link JobCommand}), and a spec file as a sub-command of its own when the command
 * line names one.
 *
 * <pre>{@code
 * tributary run clickstream --input=testdata/clickstream/small.jsonl --output=/tmp/out
 * tributary run pipelines/specs/clickstream.yaml --help
 * }</pre>
 */
@Command(
    name = "run",
    description = "Run a pipeline, or a spec file (add --help after its name for its options).",
    synopsisSubcommandLabel = "<pipeline|spec.yaml>",
    commandListHeading = "%nPipelines:%n",
    footer = "%nA spec file runs the same way: tributary run my.yaml [--name=value] [options].")
final class RunCommand implements Callable<Integer> {
  @Mixin HelpOption help;

  private final Map<String, PipelineDefinition> jobs;
  private final SubcommandsOrWords words = new SubcommandsOrWords();

  private RunCommand(Map<String, PipelineDefinition> jobs) {
    this.jobs = jobs;
  }

  /**
   * The {@code run} command with a sub-command per job, and {@code spec} as one more when it is
   * non-null.
   */
  static CommandLine create(Map<String, PipelineDefinition> jobs, Io io, @Nullable Path spec)
      throws UsageException {
    RunCommand run = new RunCommand(jobs);
    CommandLine cli = new CommandLine(run);
    cli.getCommandSpec().preprocessor(run.words);
    for (PipelineDefinition job : jobs.values()) {
      cli.addSubcommand(job.name(), JobCommand.run(job, io));
    }
    if (spec != null) {
      cli.addSubcommand(spec.toString(), JobCommand.spec(spec, io));
    }
    return cli;
  }

  @Override
  public Integer call() throws UsageException {
    if (words.words().isEmpty() || words.words().get(0).startsWith("-")) {
      throw new UsageException("run: expected a pipeline name, one of " + jobs.keySet());
    }
    String name = words.words().get(0);
    if (SpecCommands.isSpec(name)) {
      if (!Files.isRegularFile(Path.of(name))) {
        throw new UsageException("run: no spec file " + name);
      }
      // Tributary.run adds a spec named right after "run" as a sub-command; only a spec named
      // elsewhere gets here.
      throw new UsageException("run: name the spec file right after run: tributary run " + name);
    }
    throw new UsageException(
        "run: unknown pipeline '"
            + name
            + "'; expected one of "
            + jobs.keySet()
            + UsageErrors.didYouMean(name, jobs.keySet()));
  }
}
