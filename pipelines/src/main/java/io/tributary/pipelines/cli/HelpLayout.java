package io.tributary.pipelines.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Ansi.Text;
import picocli.CommandLine.Help.ColorScheme;
import picocli.CommandLine.Help.Column;
import picocli.CommandLine.Help.Column.Overflow;
import picocli.CommandLine.Help.IOptionRenderer;
import picocli.CommandLine.Help.IParamLabelRenderer;
import picocli.CommandLine.Help.IParameterRenderer;
import picocli.CommandLine.Help.Layout;
import picocli.CommandLine.Help.TextTable;
import picocli.CommandLine.IHelpFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * picocli's help with Tributary's option lines: {@code --name=VALUE} at two spaces, the way the
 * option is typed (Beam's {@code --name=value} form), then its description; {@code (required)} is
 * appended to required options.
 *
 * <pre>{@code
 * commandLine.setHelpFactory(HelpLayout.FACTORY);
 * // Options:
 * //   --input=VALUE       The input: a file, a glob or a directory (required)
 * }</pre>
 *
 * <p>Everything else (synopsis, sections, sub-command lists, argument group headings) is picocli's
 * own rendering of the command's model.
 */
final class HelpLayout extends Help {
  /** Use with {@code CommandLine.setHelpFactory}. */
  static final IHelpFactory FACTORY = HelpLayout::new;

  /** The widest option name column; longer names push their description to the right. */
  private static final int MAX_NAME_WIDTH = 34;

  private HelpLayout(CommandSpec spec, ColorScheme scheme) {
    super(spec, scheme);
  }

  @Override
  public Layout createDefaultLayout() {
    return layout();
  }

  @Override
  public Layout createDefaultLayout(
      List<OptionSpec> options, List<PositionalParamSpec> positionals, ColorScheme scheme) {
    return layout();
  }

  private Layout layout() {
    int names = 0;
    for (OptionSpec o : commandSpec().options()) {
      names = Math.max(names, optionName(o).length());
    }
    for (PositionalParamSpec p : commandSpec().positionalParameters()) {
      names = Math.max(names, p.paramLabel().length());
    }
    int first = Math.min(names, MAX_NAME_WIDTH) + 4;
    int width = Math.max(commandSpec().usageMessage().width(), first + 20);
    TextTable table =
        TextTable.forColumns(
            colorScheme(),
            new Column(first, 2, Overflow.SPAN),
            new Column(width - first, 1, Overflow.WRAP));
    return new Layout(colorScheme(), table, new OptionRenderer(), new ParameterRenderer());
  }

  /** How an option is typed: {@code -h, --help} or {@code --input=VALUE}. */
  static String optionName(OptionSpec o) {
    String names = String.join(", ", o.names());
    return o.arity().max() > 0 ? names + "=" + o.paramLabel() : names;
  }

  private static Text[][] rows(ColorScheme scheme, String name, String[] description) {
    List<Text[]> rows = new ArrayList<>();
    rows.add(
        new Text[] {scheme.text(name), scheme.text(description.length == 0 ? "" : description[0])});
    for (int i = 1; i < description.length; i++) {
      rows.add(new Text[] {scheme.text(""), scheme.text(description[i])});
    }
    return rows.toArray(new Text[0][]);
  }

  private static final class OptionRenderer implements IOptionRenderer {
    @Override
    public Text[][] render(OptionSpec option, IParamLabelRenderer labels, ColorScheme scheme) {
      String[] description = option.description().clone();
      if (option.required()) {
        if (description.length == 0) {
          description = new String[] {"(required)"};
        } else {
          description[description.length - 1] += " (required)";
        }
      }
      return rows(scheme, optionName(option), description);
    }
  }

  private static final class ParameterRenderer implements IParameterRenderer {
    @Override
    public Text[][] render(
        PositionalParamSpec param, IParamLabelRenderer labels, ColorScheme scheme) {
      return rows(scheme, param.paramLabel(), param.description());
    }
  }
}
