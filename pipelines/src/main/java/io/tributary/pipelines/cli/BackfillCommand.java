package io.tributary.pipelines.cli;

import io.tributary.pipelines.runtime.Backfillable;
import io.tributary.pipelines.runtime.PipelineDefinition;
import io.tributary.pipelines.runtime.UsageException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code tributary backfill <pipeline> --from=YYYY-MM-DD --to=YYYY-MM-DD [--force] [options]}: one
 * run per date partition, skipping complete ones; a sub-command per job that can be backfilled.
 *
 * <pre>{@code
 * tributary backfill orders-mart --from=2026-11-01 --to=2026-11-03 \
 *     --orders=testdata/orders/orders.jsonl --products=testdata/orders/products.csv --output=/tmp/mart
 * }</pre>
 */
@Command(
    name = "backfill",
    description = "Rebuild date partitions of a pipeline, skipping complete ones.",
    synopsisSubcommandLabel = "<pipeline>",
    commandListHeading = "%nPipelines that can be backfilled:%n")
final class BackfillCommand implements Callable<Integer> {
  @Mixin HelpOption help;

  private final List<String> backfillable = new ArrayList<>();
  private final SubcommandsOrWords words = new SubcommandsOrWords();

  private BackfillCommand() {}

  /** The {@code backfill} command with a sub-command per job that implements Backfillable. */
  static CommandLine create(Map<String, PipelineDefinition> jobs, Io io) {
    BackfillCommand backfill = new BackfillCommand();
    CommandLine cli = new CommandLine(backfill);
    cli.getCommandSpec().preprocessor(backfill.words);
    for (PipelineDefinition job : jobs.values()) {
      if (job instanceof Backfillable) {
        backfill.backfillable.add(job.name());
        cli.addSubcommand(job.name(), JobCommand.backfill(job, io));
      }
    }
    return cli;
  }

  @Override
  public Integer call() throws UsageException {
    if (words.words().isEmpty() || words.words().get(0).startsWith("-")) {
      throw new UsageException("backfill: expected a pipeline name, one of " + backfillable);
    }
    throw new UsageException(
        "backfill: pipeline '"
            + words.words().get(0)
            + "' cannot be backfilled; expected one of "
            + backfillable);
  }
}
