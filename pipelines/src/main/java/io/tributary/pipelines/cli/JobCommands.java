package io.tributary.pipelines.cli;

import io.tributary.pipelines.runtime.FlinkRest;
import io.tributary.pipelines.runtime.UsageException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code tributary jobs | cancel <id> | savepoint <id> | stop <id> --savepoint}: job control on a
 * Flink cluster through its REST API, one clear line per action.
 *
 * <pre>{@code
 * tributary jobs --flinkMaster=localhost:8081
 * tributary savepoint 0a1b... --target=file:///tmp/savepoints
 * tributary stop 0a1b... --savepoint
 * }</pre>
 */
final class JobCommands {
  static final List<String> NAMES = List.of("jobs", "cancel", "savepoint", "stop");
  private static final String DEFAULT_MASTER = "localhost:8081";

  private JobCommands() {}

  static String usage() {
    return "  jobs [--flinkMaster=H:P]                    list jobs on a Flink cluster\n"
        + "  cancel <job-id>                             cancel a job\n"
        + "  savepoint <job-id> [--target=DIR]           take a savepoint, print its path\n"
        + "  stop <job-id> --savepoint [--target=DIR]    stop with a final savepoint, print its path\n";
  }

  static int run(String command, List<String> args, PrintStream out) throws Exception {
    String master = DEFAULT_MASTER;
    String target = null;
    boolean withSavepoint = false;
    long timeoutSeconds = 300;
    List<String> positional = new ArrayList<>();
    for (String arg : args) {
      if (arg.startsWith("--flinkMaster=")) {
        master = arg.substring("--flinkMaster=".length());
      } else if (arg.startsWith("--target=")) {
        target = arg.substring("--target=".length());
      } else if (arg.equals("--savepoint")) {
        withSavepoint = true;
      } else if (arg.startsWith("--timeout=")) {
        try {
          timeoutSeconds = Long.parseLong(arg.substring("--timeout=".length()));
        } catch (NumberFormatException e) {
          throw new UsageException(
              command + ": --timeout: expected seconds, got '" + arg.substring(10) + "'");
        }
      } else if (arg.startsWith("-")) {
        throw new UsageException(command + ": unknown option " + arg);
      } else {
        positional.add(arg);
      }
    }
    FlinkRest flink = new FlinkRest(master);
    if (command.equals("jobs")) {
      if (!positional.isEmpty()) {
        throw new UsageException("jobs: unexpected argument '" + positional.get(0) + "'");
      }
      List<FlinkRest.Job> jobs = flink.jobs();
      if (jobs.isEmpty()) {
        out.println("no jobs on " + master);
      }
      for (FlinkRest.Job job : jobs) {
        out.printf(
            "%s  %-9s  %s  %6.0f s  %s%n",
            job.id(),
            job.state(),
            Instant.ofEpochMilli(job.startTime()),
            job.durationMs() / 1000.0,
            job.name());
      }
      return 0;
    }
    if (positional.size() != 1) {
      throw new UsageException(command + ": expected one job id, as `tributary jobs` lists them");
    }
    String id = positional.get(0);
    Duration timeout = Duration.ofSeconds(timeoutSeconds);
    switch (command) {
      case "cancel":
        flink.cancel(id);
        out.println("cancelled " + id);
        return 0;
      case "savepoint":
        out.println("savepoint of " + id + ": " + flink.savepoint(id, target, timeout));
        return 0;
      default: // stop
        if (!withSavepoint) {
          throw new UsageException(
              "stop: add --savepoint (stopping without one is `tributary cancel`)");
        }
        out.println(
            "stopped "
                + id
                + " with savepoint "
                + flink.stopWithSavepoint(id, target, timeout)
                + " (resume: tributary run <pipeline> --from-savepoint=<that path> ...)");
        return 0;
    }
  }
}
