package io.tributary.pipelines.docs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The commands of a shell block as a reader would type them: {@code \} continuations joined,
 * comment lines dropped, here-documents kept with their command, and, in a transcript ({@code $ }
 * prompts), each command's documented output.
 *
 * <pre>{@code
 * for (ShellScript.Command c : ShellScript.commands(block)) {
 *   ShellScript.Words w = ShellScript.words(c.text, variables);
 * }
 * }</pre>
 *
 * <p>Only what the docs use is understood: single and double quotes, backslash escapes, {@code
 * $NAME} and {@code ${NAME}}; a word list is refused ({@link Words#plain} false) at the first
 * operator ({@code | ; < > & ( ) `} or {@code $(}), so such a line goes to bash whole.
 */
final class ShellScript {
  private static final Pattern HEREDOC = Pattern.compile("<<-?\\s*(['\"]?)([A-Za-z_]\\w*)\\1");

  private ShellScript() {}

  /** One command: a logical line (and its here-document) with its documented output. */
  static final class Command {
    /** 1-based page line where the command starts. */
    final int line;

    /** The command as bash reads it: continuations joined, a here-document after a newline. */
    final String text;

    /** The lines a transcript shows after the command; empty outside transcripts. */
    final List<String> output;

    Command(int line, String text, List<String> output) {
      this.line = line;
      this.text = text;
      this.output = List.copyOf(output);
    }

    @Override
    public String toString() {
      return text;
    }
  }

  /** The words of a command line, and whether the line is only words (no shell operator). */
  static final class Words {
    final List<String> words;
    final boolean plain;

    Words(List<String> words, boolean plain) {
      this.words = List.copyOf(words);
      this.plain = plain;
    }
  }

  /** A transcript has at least one line starting with a {@code $ } prompt. */
  static boolean isTranscript(List<String> lines) {
    return lines.stream().anyMatch(l -> l.startsWith("$ "));
  }

  /** The block's commands in order. */
  static List<Command> commands(MarkdownBlocks.Block block) {
    List<String> lines = block.lines;
    boolean transcript = isTranscript(lines);
    List<Command> commands = new ArrayList<>();
    int i = 0;
    while (i < lines.size()) {
      String first = lines.get(i);
      if (transcript) {
        if (!first.startsWith("$ ")) {
          if (!first.isBlank()) {
            throw new IllegalArgumentException(
                block.file
                    + ":"
                    + block.lineOf(i)
                    + ": output before the first '$ ' prompt of the transcript");
          }
          i++;
          continue;
        }
        first = first.substring(2);
      } else if (first.isBlank() || first.strip().startsWith("#")) {
        i++;
        continue;
      }
      int start = i;
      StringBuilder text = new StringBuilder();
      String current = first;
      while (continues(current) && i + 1 < lines.size()) {
        text.append(current, 0, current.length() - 1);
        i++;
        current = lines.get(i);
      }
      text.append(current);
      i++;
      Matcher heredoc = HEREDOC.matcher(text);
      if (heredoc.find() && !inQuotes(text.toString(), heredoc.start())) {
        String end = heredoc.group(2);
        while (i < lines.size()) {
          String l = lines.get(i++);
          text.append('\n').append(l);
          if (l.strip().equals(end)) {
            break;
          }
        }
      }
      List<String> output = new ArrayList<>();
      if (transcript) {
        while (i < lines.size() && !lines.get(i).startsWith("$ ")) {
          output.add(lines.get(i++));
        }
      }
      commands.add(new Command(block.lineOf(start), text.toString().strip(), output));
    }
    return commands;
  }

  private static boolean continues(String line) {
    int n = 0;
    for (int k = line.length() - 1; k >= 0 && line.charAt(k) == '\\'; k--) {
      n++;
    }
    return n % 2 == 1;
  }

  private static boolean inQuotes(String text, int at) {
    char quote = 0;
    for (int k = 0; k < at; k++) {
      char c = text.charAt(k);
      if (quote == 0 && c == '\\') {
        k++;
      } else if (quote == 0 && (c == '\'' || c == '"')) {
        quote = c;
      } else if (c == quote) {
        quote = 0;
      }
    }
    return quote != 0;
  }

  /** The parts of a line joined by {@code &&} at the top level (outside quotes and {@code $()}). */
  static List<String> splitAnd(String text) {
    List<String> parts = new ArrayList<>();
    char quote = 0;
    int depth = 0;
    int from = 0;
    for (int k = 0; k < text.length(); k++) {
      char c = text.charAt(k);
      if (quote != '\'' && c == '\\') {
        k++;
      } else if (quote == 0 && (c == '\'' || c == '"')) {
        quote = c;
      } else if (quote != 0 && c == quote) {
        quote = 0;
      } else if (quote == 0 && c == '(') {
        depth++;
      } else if (quote == 0 && c == ')') {
        depth--;
      } else if (quote == 0 && depth == 0 && c == '#' && (k == 0 || isBlank(text.charAt(k - 1)))) {
        break;
      } else if (quote == 0
          && depth == 0
          && c == '&'
          && k + 1 < text.length()
          && text.charAt(k + 1) == '&') {
        parts.add(text.substring(from, k).strip());
        from = k + 2;
        k++;
      }
    }
    parts.add(text.substring(from).strip());
    return parts;
  }

  private static boolean isBlank(char c) {
    return c == ' ' || c == '\t' || c == '\n';
  }

  /**
   * The words of {@code text}, variables expanded from {@code vars} (an unquoted expansion is split
   * on blanks, as bash does); stops at a comment, or at the first operator (then {@code plain} is
   * false). A variable not in {@code vars} is an {@link IllegalArgumentException}: bash would
   * silently expand it to nothing.
   */
  static Words words(String text, Map<String, String> vars) {
    List<String> words = new ArrayList<>();
    StringBuilder word = null;
    char quote = 0;
    for (int k = 0; k < text.length(); k++) {
      char c = text.charAt(k);
      if (quote == '\'') {
        if (c == '\'') {
          quote = 0;
        } else {
          word.append(c);
        }
        continue;
      }
      if (quote == '"') {
        if (c == '"') {
          quote = 0;
        } else if (c == '\\'
            && k + 1 < text.length()
            && "\"\\$`".indexOf(text.charAt(k + 1)) >= 0) {
          word.append(text.charAt(++k));
        } else if (c == '$') {
          if (k + 1 < text.length() && text.charAt(k + 1) == '(') {
            return new Words(words, false);
          }
          int[] end = new int[1];
          word.append(variable(text, k, vars, end));
          k = end[0];
        } else if (c == '`') {
          return new Words(words, false);
        } else {
          word.append(c);
        }
        continue;
      }
      if (isBlank(c)) {
        if (word != null) {
          words.add(word.toString());
          word = null;
        }
        continue;
      }
      if (c == '#' && word == null) {
        break;
      }
      if ("|;<>&()`".indexOf(c) >= 0) {
        return new Words(words, false);
      }
      if (word == null) {
        word = new StringBuilder();
      }
      if (c == '\\' && k + 1 < text.length()) {
        word.append(text.charAt(++k));
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '$') {
        if (k + 1 < text.length() && text.charAt(k + 1) == '(') {
          return new Words(words, false);
        }
        int[] end = new int[1];
        String value = variable(text, k, vars, end);
        k = end[0];
        String[] split = value.strip().split("\\s+", -1);
        for (int s = 0; s < split.length; s++) {
          if (s > 0) {
            words.add(word.toString());
            word = new StringBuilder();
          }
          word.append(split[s]);
        }
      } else {
        word.append(c);
      }
    }
    if (quote != 0) {
      throw new IllegalArgumentException("unterminated " + quote + " quote in: " + text);
    }
    if (word != null) {
      words.add(word.toString());
    }
    return new Words(words, true);
  }

  private static String variable(String text, int dollar, Map<String, String> vars, int[] end) {
    int k = dollar + 1;
    String name;
    if (k < text.length() && text.charAt(k) == '{') {
      int close = text.indexOf('}', k);
      if (close < 0) {
        throw new IllegalArgumentException("unterminated ${ in: " + text);
      }
      name = text.substring(k + 1, close);
      end[0] = close;
    } else {
      int e = k;
      while (e < text.length()
          && (Character.isLetterOrDigit(text.charAt(e)) || text.charAt(e) == '_')) {
        e++;
      }
      if (e == k) {
        end[0] = dollar;
        return "$";
      }
      name = text.substring(k, e);
      end[0] = e - 1;
    }
    String value = vars.get(name);
    if (value == null) {
      throw new IllegalArgumentException(
          "$" + name + " is not set by the page before this command");
    }
    return value;
  }
}
