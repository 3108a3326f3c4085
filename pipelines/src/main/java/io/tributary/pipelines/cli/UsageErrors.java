package io.tributary.pipelines.cli;

import io.tributary.pipelines.runtime.UsageException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;
import org.checkerframework.checker.nullness.qual.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Turns what picocli and the commands throw into Tributary's error form: one line {@code tributary:
 * <command>: <what is wrong>} on stderr, no stack trace, exit code 2 for a usage mistake and 1 for
 * a failed run. picocli would print the whole usage after a mistake; here a parse error ends with
 * {@code (see 'tributary <command> --help')} instead. A failed run is {@link RunFailures}' to
 * print.
 *
 * <pre>{@code
 * $ tributary schema check ev v2.avsc --registy=x
 * tributary: schema check: unknown option --registy=x; did you mean --registry? (see 'tributary schema check --help')
 * }</pre>
 */
final class UsageErrors implements IParameterExceptionHandler, IExecutionExceptionHandler {
  private final PrintStream err;

  UsageErrors(PrintStream err) {
    this.err = err;
  }

  @Override
  public int handleParseException(ParameterException ex, String[] args) {
    CommandSpec spec = ex.getCommandLine().getCommandSpec();
    String path = path(spec);
    err.println(
        "tributary: "
            + (path.isEmpty() ? "" : path + ": ")
            + describe(ex, spec)
            + " (see 'tributary "
            + (path.isEmpty() ? "" : path + " ")
            + "--help')");
    return Tributary.USAGE;
  }

  @Override
  public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parsed) {
    if (ex instanceof UsageException) {
      err.println("tributary: " + ex.getMessage());
      return Tributary.USAGE;
    }
    return RunFailures.report(err, ex);
  }

  /** The command's path below {@code tributary}: {@code "schema check"}, or empty for the root. */
  static String path(CommandSpec spec) {
    String name = spec.qualifiedName();
    int space = name.indexOf(' ');
    return space < 0 ? "" : name.substring(space + 1);
  }

  private static String describe(ParameterException ex, CommandSpec spec) {
    // A mistyped option first: picocli checks required options before unmatched ones.
    List<String> unmatched =
        ex instanceof UnmatchedArgumentException u
            ? u.getUnmatched()
            : ex.getCommandLine().getUnmatchedArguments();
    if (!unmatched.isEmpty()) {
      String arg = unmatched.get(0);
      if (arg.startsWith("-")) {
        String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
        List<String> options = new ArrayList<>();
        spec.options().forEach(o -> options.addAll(List.of(o.names())));
        return "unknown option " + arg + didYouMean(name, options);
      }
      if (!spec.subcommands().isEmpty() && spec.positionalParameters().isEmpty()) {
        List<String> commands = visibleSubcommands(spec);
        String nearest = didYouMean(arg, commands);
        return "unknown command '"
            + arg
            + "'"
            + (nearest.isEmpty() ? "; expected one of: " + String.join(", ", commands) : nearest);
      }
      return "unexpected argument '" + arg + "'";
    }
    if (ex instanceof MissingParameterException m) {
      List<String> missing = new ArrayList<>();
      for (ArgSpec a : m.getMissing()) {
        missing.add(
            a instanceof OptionSpec o ? HelpLayout.optionName(o) : a.paramLabel().toString());
      }
      if (m.getMissing().stream().allMatch(ArgSpec::isPositional)) {
        return "expected "
            + spec.positionalParameters().stream()
                .map(p -> p.paramLabel())
                .collect(Collectors.joining(" "))
            + ", missing "
            + String.join(" ", missing);
      }
      return String.join(" and ", missing) + (missing.size() == 1 ? " is" : " are") + " required";
    }
    ArgSpec arg = ex.getArgSpec();
    if (ex.getCause() instanceof TypeConversionException t && arg instanceof OptionSpec o) {
      return o.longestName() + ": " + t.getMessage();
    }
    return firstLine(ex.getMessage());
  }

  private static List<String> visibleSubcommands(CommandSpec spec) {
    List<String> out = new ArrayList<>();
    spec.subcommands()
        .forEach(
            (name, sub) -> {
              if (!sub.getCommandSpec().usageMessage().hidden() && !out.contains(name)) {
                out.add(name);
              }
            });
    return out;
  }

  /** {@code "; did you mean X?"} for the candidate nearest {@code word}, or empty if none is. */
  static String didYouMean(String word, Collection<String> candidates) {
    String best = nearest(word, candidates);
    return best == null ? "" : "; did you mean " + best + "?";
  }

  private static @Nullable String nearest(String word, Collection<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d =
          distance(word.toLowerCase(java.util.Locale.ROOT), c.toLowerCase(java.util.Locale.ROOT));
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    // Close enough to be a typo: a third of the word, at least one edit.
    return best != null && bestDistance <= Math.max(1, word.length() / 3) ? best : null;
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  static String firstLine(@Nullable String message) {
    if (message == null) {
      return "invalid arguments";
    }
    int nl = message.indexOf('\n');
    return (nl < 0 ? message : message.substring(0, nl)).trim();
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + firstLine(t.getMessage());
  }
}
