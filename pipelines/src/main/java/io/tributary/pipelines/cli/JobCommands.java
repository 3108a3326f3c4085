package io.tributary.pipelines.cli;

import io.tributary.pipelines.runtime.FlinkRest;
import io.tributary.pipelines.runtime.UsageException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

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
  private JobCommands() {}

  /** {@code --flinkMaster}, shared by the four commands. */
  static final class Master {
    @Option(
        names = "--flinkMaster",
        paramLabel = "HOST:PORT",
        description = "the Flink REST API (default: ${DEFAULT-VALUE})")
    String master = "localhost:8081";
  }

  /** {@code <job-id>}: exactly one, as {@code tributary jobs} lists them. */
  abstract static class OneJob {
    @Parameters(
        arity = "0..*",
        paramLabel = "<job-id>",
        description = "the job's id, 32 hex digits, as tributary jobs lists them")
    List<String> ids = new ArrayList<>();

    String id(String command) throws UsageException {
      if (ids.size() != 1) {
        throw new UsageException(command + ": expected one job id, as `tributary jobs` lists them");
      }
      return ids.get(0);
    }
  }

  /** {@code --target} and {@code --timeout} of the commands that take a savepoint. */
  static final class SavepointOptions {
    @Option(
        names = "--target",
        paramLabel = "DIR",
        description = "where the savepoint goes (default: the cluster's state.savepoints.dir)")
    String target;

    @Option(
        names = "--timeout",
        paramLabel = "SECONDS",
        converter = Seconds.class,
        description = "how long to wait for the savepoint (default: ${DEFAULT-VALUE})")
    long timeoutSeconds = 300;
  }

  /** Whole seconds, named as such when the value is not. */
  static final class Seconds implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return Long.parseLong(value);
      } catch (NumberFormatException e) {
        throw new TypeConversionException("expected seconds, got '" + value + "'");
      }
    }
  }

  @Command(name = "jobs", description = "List the jobs on a Flink cluster.")
  static final class Jobs implements Callable<Integer> {
    @Mixin HelpOption help;
    @Mixin Master master;
    private final Io io;

    Jobs(Io io) {
      this.io = io;
    }

    @Override
    public Integer call() throws Exception {
      List<FlinkRest.Job> jobs = new FlinkRest(master.master).jobs();
      if (jobs.isEmpty()) {
        io.out().println("no jobs on " + master.master);
      }
      for (FlinkRest.Job job : jobs) {
        io.out()
            .printf(
                "%s  %-9s  %s  %6.0f s  %s%n",
                job.id(),
                job.state(),
                Instant.ofEpochMilli(job.startTime()),
                job.durationMs() / 1000.0,
                job.name());
      }
      return 0;
    }
  }

  @Command(name = "cancel", description = "Cancel a job on a Flink cluster.")
  static final class Cancel extends OneJob implements Callable<Integer> {
    @Mixin HelpOption help;
    @Mixin Master master;
    private final Io io;

    Cancel(Io io) {
      this.io = io;
    }

    @Override
    public Integer call() throws Exception {
      String id = id("cancel");
      new FlinkRest(master.master).cancel(id);
      io.out().println("cancelled " + id);
      return 0;
    }
  }

  @Command(name = "savepoint", description = "Take a savepoint of a running job, print its path.")
  static final class Savepoint extends OneJob implements Callable<Integer> {
    @Mixin HelpOption help;
    @Mixin Master master;
    @Mixin SavepointOptions savepoint;
    private final Io io;

    Savepoint(Io io) {
      this.io = io;
    }

    @Override
    public Integer call() throws Exception {
      String id = id("savepoint");
      io.out()
          .println(
              "savepoint of "
                  + id
                  + ": "
                  + new FlinkRest(master.master)
                      .savepoint(
                          id, savepoint.target, Duration.ofSeconds(savepoint.timeoutSeconds)));
      return 0;
    }
  }

  @Command(
      name = "stop",
      description =
          "Stop a job with a final savepoint, print its path (resume with --from-savepoint).")
  static final class Stop extends OneJob implements Callable<Integer> {
    @Mixin HelpOption help;
    @Mixin Master master;
    @Mixin SavepointOptions savepoint;

    @Option(
        names = "--savepoint",
        description = "required: stop with a savepoint (stopping without one is tributary cancel)")
    boolean withSavepoint;

    private final Io io;

    Stop(Io io) {
      this.io = io;
    }

    @Override
    public Integer call() throws Exception {
      String id = id("stop");
      if (!withSavepoint) {
        throw new UsageException(
            "stop: add --savepoint (stopping without one is `tributary cancel`)");
      }
      io.out()
          .println(
              "stopped "
                  + id
                  + " with savepoint "
                  + new FlinkRest(master.master)
                      .stopWithSavepoint(
                          id, savepoint.target, Duration.ofSeconds(savepoint.timeoutSeconds))
                  + " (resume: tributary run <pipeline> --from-savepoint=<that path> ...)");
      return 0;
    }
  }
}
