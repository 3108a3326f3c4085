package io.tributary.pipelines.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Stack;
import picocli.CommandLine.IParameterPreprocessor;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The argument handling of {@code run} and {@code backfill}: a known job name (a sub-command) or
 * {@code --help} is left to picocli; anything else is kept as words for the command to explain
 * ("unknown pipeline 'x'; expected one of ...") instead of picocli's generic unmatched-argument
 * error.
 *
 * <pre>{@code
 * SubcommandsOrWords words = new SubcommandsOrWords();
 * runSpec.preprocessor(words); // then in call(): words.words().get(0) is the unknown name
 * }</pre>
 */
final class SubcommandsOrWords implements IParameterPreprocessor {
  private final List<String> words = new ArrayList<>();

  /** The arguments, when they did not start with a sub-command or {@code --help}. */
  List<String> words() {
    return words;
  }

  @Override
  public boolean preprocess(
      Stack<String> args, CommandSpec spec, ArgSpec argSpec, Map<String, Object> info) {
    if (args.isEmpty()) {
      return false;
    }
    String next = args.peek();
    if (spec.subcommands().containsKey(next) || next.equals("-h") || next.equals("--help")) {
      return false;
    }
    while (!args.isEmpty()) {
      words.add(args.pop());
    }
    return true;
  }
}
