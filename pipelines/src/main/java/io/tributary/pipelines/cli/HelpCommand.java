package io.tributary.pipelines.cli;

import io.tributary.pipelines.runtime.UsageException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tributary help [command...]}: the same help as {@code tributary <command...> --help}, for
 * any depth ({@code tributary help schema check}, {@code tributary help run clickstream}).
 *
 * <pre>{@code
 * tributary help backfill orders-mart
 * }</pre>
 */
@Command(
    name = "help",
    helpCommand = true,
    description = "Show the help of a command: tributary help schema check.")
final class HelpCommand implements Callable<Integer> {
  @Parameters(
      arity = "0..*",
      paramLabel = "COMMAND",
      description = "the command, e.g. run clickstream")
  List<String> path = new ArrayList<>();

  @Spec CommandSpec spec;

  private final Io io;

  HelpCommand(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() throws UsageException {
    CommandLine target = spec.root().commandLine();
    List<String> walked = new ArrayList<>();
    for (String name : path) {
      CommandLine next = target.getSubcommands().get(name);
      if (next == null) {
        throw new UsageException(
            "help: unknown command '"
                + String.join(" ", walked.isEmpty() ? List.of(name) : append(walked, name))
                + "'; expected one of: "
                + String.join(", ", target.getSubcommands().keySet()));
      }
      walked.add(name);
      target = next;
    }
    target.usage(io.out(), Ansi.OFF);
    return 0;
  }

  private static List<String> append(List<String> list, String last) {
    List<String> out = new ArrayList<>(list);
    out.add(last);
    return out;
  }
}
