package io.tributary.pipelines.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Stack;
import picocli.CommandLine.IParameterPreprocessor;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Splits a command's arguments before picocli parses them: the command's own options ({@code
 * --help}, {@code --from}, ...) and its leading positional parameters stay for picocli; everything
 * else, in the order given, is kept verbatim for Beam's {@code PipelineOptionsFactory} or a spec's
 * variables ({@link #forwarded()}).
 *
 * <pre>{@code
 * PassThrough beam = new PassThrough(Set.of("--help", "--from", "--to", "--force"), 0);
 * spec.preprocessor(beam); // run: beam.forwarded() holds --input=..., --runner=..., --set a.b=c
 * }</pre>
 *
 * <p>Why not let picocli parse Beam's options: Beam accepts options no interface of ours declares
 * (every runner's), repeated ones and {@code --flag} booleans; passing the words through untouched
 * keeps {@code tributary run} exactly as permissive and as strict as Beam itself.
 */
final class PassThrough implements IParameterPreprocessor {
  private final Set<String> own;
  private final int positionals;
  private final List<String> forwarded = new ArrayList<>();

  /**
   * {@code own}: the option names picocli parses; {@code positionals}: how many leading positional
   * parameters it takes.
   */
  PassThrough(Set<String> own, int positionals) {
    this.own = own;
    this.positionals = positionals;
  }

  /** The arguments that are not the command's own, in the order given. */
  List<String> forwarded() {
    return forwarded;
  }

  @Override
  public boolean preprocess(
      Stack<String> args, CommandSpec spec, ArgSpec argSpec, Map<String, Object> info) {
    List<String> all = new ArrayList<>();
    while (!args.isEmpty()) {
      all.add(args.pop());
    }
    List<String> kept = new ArrayList<>();
    int positional = 0;
    for (int i = 0; i < all.size(); i++) {
      String arg = all.get(i);
      if (arg.startsWith("-")) {
        String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
        OptionSpec option = spec.findOption(name);
        List<String> to = option != null && own.contains(option.longestName()) ? kept : forwarded;
        to.add(arg);
        // A declared option that takes a value and was given it as the next word.
        if (option != null
            && !arg.contains("=")
            && option.arity().min() > 0
            && i + 1 < all.size()) {
          to.add(all.get(++i));
        }
      } else if (positional < positionals) {
        kept.add(arg);
        positional++;
      } else {
        forwarded.add(arg);
      }
    }
    for (int i = kept.size() - 1; i >= 0; i--) {
      args.push(kept.get(i));
    }
    return false;
  }
}
