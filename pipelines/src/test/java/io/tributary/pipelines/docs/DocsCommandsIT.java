package io.tributary.pipelines.docs;

import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.tributary.pipelines.Testdata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.Assume;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Runs every command of README.md and docs/*.md as written, from the repository root, and checks
 * the output the page documents for it.
 *
 * <pre>{@code
 * mvn -o -q -pl pipelines package -DskipTests
 * mvn -o -pl pipelines failsafe:integration-test@it-direct -Dit.test=DocsCommandsIT
 * }</pre>
 *
 * <h2>Which blocks are commands</h2>
 *
 * <ul>
 *   <li>Blocks labelled {@code sh}, {@code bash}, {@code shell} or {@code console}, and unlabelled
 *       blocks whose lines include a {@code $ } prompt. Any other unlabelled block is text (a
 *       diagram, an output, a file); {@link #everyMarkerAndBlockIsReadable} fails on an unlabelled
 *       block that starts like a command ({@code java ...}, {@code mvn ...}, {@code
 *       benchmarks/run.sh}), so that none escapes this test by a missing label.
 *   <li>In a block with {@code $ } prompts (a transcript), the prompt lines are commands and the
 *       lines up to the next prompt are the documented output of the one before. In other blocks
 *       every line is a command, except blank lines and {@code # comments}.
 *   <li>{@code \} at the end of a line continues the command; a here-document ({@code <<'EOF'})
 *       belongs to its command; {@code a && b} runs as {@code a} then {@code b} when one of them is
 *       a {@code tributary} or {@code mvn} command, otherwise bash runs the line whole.
 * </ul>
 *
 * <h2>How a command runs</h2>
 *
 * <ul>
 *   <li>{@code tributary ...}, {@code java -jar pipelines/target/tributary-pipelines-<version>-
 *       bundled.jar ...} and the same through the page's variables ({@code JAR=...}, {@code T="java
 *       -jar ..."}, {@code $T run ...}) or its {@code alias tributary='java -jar ...'} run
 *       in-process through {@code Tributary.run(args, out, err)}, in one {@link CommandWorker} JVM
 *       started in the repository root (see there why not in this JVM). The jar a page names must
 *       be this build's: a page left at an old version fails.
 *   <li>{@code NAME=value} lines set a variable for the rest of the page ({@code $NAME} in later
 *       commands; bash commands get it in their environment); a variable the page never set fails
 *       the command instead of expanding to nothing.
 *   <li>{@code mvn ...} is not run: this test runs inside Maven, after the package it needs. Lines
 *       starting with {@code ...} (an earlier command with other options, as in docs/metadata.md)
 *       are not run either. Both are listed in the report.
 *   <li>Every other command ({@code cat}, {@code ls}, {@code cp}, {@code jq}, {@code java
 *       testdata/...java} generators) runs with {@code bash -c} (and {@code set -u}) in the
 *       repository root.
 *   <li>Every {@code /tmp} path, in arguments, variables, bash lines and written files, is
 *       rewritten to a folder of the page under this test's TemporaryFolder, so that runs beside
 *       this one never share files; in the output that folder reads {@code /tmp} again. A
 *       repository file named by a {@code tributary} argument that holds {@code /tmp} paths outside
 *       comments (testdata/privacy/erasure.json) is given as a copy with them rewritten.
 *   <li>A page runs in document order in its one folder, so a command may use what an earlier one
 *       of the page wrote (a run, then {@code lineage}). After a failure the rest of the page is
 *       not run (listed). A {@code tributary} command already run on an earlier page (same words,
 *       same {@code /tmp} names) is not run again: its result is reused and the {@code /tmp} paths
 *       it names are linked into this page's folder.
 * </ul>
 *
 * <h2>What is checked</h2>
 *
 * <ul>
 *   <li>Every command exits 0, except one with documented output when the block's marker says
 *       {@code exit=N} (then N), or when that output shows an error line {@code tributary: ...}
 *       (not {@code tributary: warning:}): then 1 if the line says {@code run failed}, else 2 (a
 *       usage error).
 *   <li>The documented output: a transcript's lines after the prompt, or an unlabelled block marked
 *       {@code <!-- docs-test: output -->} right after the command block, which documents the
 *       output of the whole block (an error line then belongs to its last command). Lines match as
 *       {@link OutputMatcher} says: in order, {@code ...} matching anything, timings, instants,
 *       UUIDs and hashes normalised, counts exact.
 * </ul>
 *
 * <h2>Markers</h2>
 *
 * <p>An HTML comment right before a block (blank lines may come between), with these keys:
 *
 * <ul>
 *   <li>{@code skip reason="..."}: the block cannot run here (a Flink cluster, a Kafka broker, a
 *       PostgreSQL server, minutes of run time); the reason is required and listed in the report.
 *   <li>{@code skip-command="psql" reason="..."}: in a block that runs, commands of that program
 *       are not run.
 *   <li>{@code output}, optionally {@code exit=N}: this unlabelled block is the output of the
 *       command block before it.
 *   <li>{@code file="/tmp/name"}: the page tells the reader to save this block as that file; the
 *       test writes it there (its {@code /tmp} paths rewritten) before the next command.
 * </ul>
 *
 * <p>Runner: the commands choose their runner themselves ({@code --profile}, default embedded
 * Flink), so this test runs once, in the it-direct execution; pipelines/pom.xml excludes it from
 * it-flink, and it assumes so when {@code -Dit.test} selects it there.
 */
@RunWith(JUnit4.class)
public class DocsCommandsIT {
  private static final Set<String> SHELL = Set.of("sh", "bash", "shell", "console");
  private static final Set<String> PROGRAMS =
      Set.of(
          "tributary",
          "java",
          "mvn",
          "cat",
          "ls",
          "jq",
          "curl",
          "sed",
          "grep",
          "cp",
          "mkdir",
          "rm",
          "echo",
          "bash",
          "sh",
          "psql",
          "chromium",
          "zcat",
          "head",
          "export",
          "alias");
  private static final Pattern TMP = Pattern.compile("(?<![\\w.-])/tmp(?=/|\\b|$)");
  private static final Pattern TMP_PATH = Pattern.compile("(?<![\\w.-])/tmp/[^\\s,;'\"\\]]*");
  private static final Pattern BLANKS = Pattern.compile("\\s+");
  private static final Pattern LEADING_ASSIGNMENTS =
      Pattern.compile("^([A-Za-z_]\\w*=(\"[^\"]*\"|'[^']*'|\\S*)\\s+)+");
  private static final Pattern ASSIGNMENT = Pattern.compile("[A-Za-z_]\\w*=.*", Pattern.DOTALL);
  private static final long TRIBUTARY_TIMEOUT_SECONDS = 300;
  private static final long BASH_TIMEOUT_SECONDS = 120;

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  /**
   * The pages: README.md and docs/*.md, in name order; {@code -Ddocs.pages=docs/specs.md,README.md}
   * keeps only those (while fixing a page).
   */
  static List<Path> pages() {
    Path root = Testdata.root();
    try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
      List<Path> pages = new ArrayList<>();
      pages.add(root.resolve("README.md"));
      pages.addAll(
          docs.filter(p -> p.getFileName().toString().endsWith(".md"))
              .sorted()
              .collect(Collectors.toList()));
      String only = System.getProperty("docs.pages", "");
      if (!only.isBlank()) {
        List<String> wanted = List.of(only.split(","));
        pages.removeIf(p -> !wanted.contains(relative(p)));
        assertTrue("-Ddocs.pages=" + only + " names no page", !pages.isEmpty());
      }
      return pages;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String relative(Path page) {
    return Testdata.root().relativize(page).toString();
  }

  private static List<MarkdownBlocks.Block> blocks(Path page) throws IOException {
    return MarkdownBlocks.parse(relative(page), Files.readAllLines(page, StandardCharsets.UTF_8));
  }

  private static boolean isCommandBlock(MarkdownBlocks.Block b) {
    return SHELL.contains(b.lang) || (b.lang.isEmpty() && ShellScript.isTranscript(b.lines));
  }

  /** The jar path the pages must name: this build's bundled jar, relative to the root. */
  private static String bundledJar() {
    return "pipelines/target/tributary-pipelines-"
        + System.getProperty("project.version")
        + "-bundled.jar";
  }

  @Test
  public void everyMarkerAndBlockIsReadable() throws IOException {
    List<String> problems = new ArrayList<>();
    for (Path page : pages()) {
      List<MarkdownBlocks.Block> blocks;
      try {
        blocks = blocks(page);
      } catch (MarkdownBlocks.MarkerException e) {
        problems.add(e.getMessage());
        continue;
      }
      MarkdownBlocks.Block previous = null;
      for (MarkdownBlocks.Block b : blocks) {
        if (b.has("output") && (previous == null || !isCommandBlock(previous))) {
          problems.add(
              b.where() + ": an output block must come right after a ```sh block (its command)");
        }
        if ((b.has("output") || b.has("file")) && isCommandBlock(b)) {
          problems.add(b.where() + ": output and file markers are for text blocks, not commands");
        }
        if (b.lang.isEmpty() && !isCommandBlock(b) && !b.has("output") && looksLikeCommand(b)) {
          problems.add(
              b.where()
                  + ": an unlabelled block that starts like a command: label it ```sh (then it"
                  + " runs, or give it <!-- docs-test: skip reason=\"...\" -->), or mark it as"
                  + " output with <!-- docs-test: output -->");
        }
        if (isCommandBlock(b) && !b.has("skip")) {
          try {
            ShellScript.commands(b);
          } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
          }
        }
        previous = b;
      }
    }
    assertTrue(String.join("\n", problems), problems.isEmpty());
  }

  private static boolean looksLikeCommand(MarkdownBlocks.Block b) {
    for (String line : b.lines) {
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      List<String> w =
          BLANKS
              .splitAsStream(LEADING_ASSIGNMENTS.matcher(t).replaceFirst(""))
              .collect(Collectors.toList());
      String first = w.get(0);
      if (first.equals("tributary") && w.size() > 1 && w.get(1).endsWith(":")) {
        return false; // "tributary clickstream: DONE ...", an output line
      }
      return PROGRAMS.contains(first)
          || (first.contains("/") && Files.isRegularFile(Testdata.root().resolve(first)));
    }
    return false;
  }

  @Test
  public void everyDocumentedCommandHolds() throws Exception {
    Assume.assumeFalse(
        "the commands choose their runner themselves (--profile); it-direct runs them once",
        "flink".equals(System.getProperty("tributary.test.runner")));
    Testdata.bundledJar(); // the pages tell the reader to build it first: so does this test
    long start = System.nanoTime();
    Path log = Path.of("target", "docs-commands-worker.log").toAbsolutePath();
    Files.createDirectories(log.getParent());
    Files.deleteIfExists(log);
    Report report = new Report();
    try (CommandWorker worker =
        CommandWorker.start(Testdata.root(), tmp.newFolder("worker-tmp").toPath(), log)) {
      Map<String, Cached> cache = new HashMap<>();
      for (Path page : pages()) {
        new PageRun(page, tmp.newFolder("pages", slug(page)).toPath(), worker, cache, report).run();
      }
    }
    report.seconds = (System.nanoTime() - start) / 1e9;
    System.out.println(report.summary());
    if (!report.failures.isEmpty()) {
      fail(
          report.failures.size()
              + " documented command(s) do not hold:\n\n"
              + String.join("\n\n", report.failures)
              + "\n\n"
              + report.counts()
              + "\n(runner logs: "
              + log
              + ")");
    }
  }

  private static String slug(Path page) {
    return relative(page).replaceAll("[^A-Za-z0-9]+", "-").toLowerCase(Locale.ROOT);
  }

  /** A tributary command's result, kept for later pages. */
  private static final class Cached {
    final CommandWorker.Result result;
    final Path dir;

    Cached(CommandWorker.Result result, Path dir) {
      this.result = result;
      this.dir = dir;
    }
  }

  /** What ran, what was skipped and why, what failed. */
  private static final class Report {
    final List<String> lines = new ArrayList<>();
    final List<String> failures = new ArrayList<>();
    int blocksRun;
    int blocksSkipped;
    int inProcess;
    int reused;
    int bash;
    int notRun;
    double seconds;

    String counts() {
      return String.format(
          Locale.ROOT,
          "%d block(s) run, %d skipped; %d tributary command(s) in-process (%d reused from an"
              + " earlier page), %d bash command(s), %d line(s) not run; %d failure(s); %.1f s",
          blocksRun,
          blocksSkipped,
          inProcess,
          reused,
          bash,
          notRun,
          failures.size(),
          seconds);
    }

    String summary() {
      return "DocsCommandsIT\n" + String.join("\n", lines) + "\n" + counts();
    }
  }

  /** One page, run in document order in its own folder. */
  private static final class PageRun {
    final Path page;
    final String file;
    final Path dir;
    final CommandWorker worker;
    final Map<String, Cached> cache;
    final Report report;
    final Map<String, String> vars = new LinkedHashMap<>();
    String failedAt;

    PageRun(Path page, Path dir, CommandWorker worker, Map<String, Cached> cache, Report report) {
      this.page = page;
      this.file = relative(page);
      this.dir = dir;
      this.worker = worker;
      this.cache = cache;
      this.report = report;
    }

    void run() throws Exception {
      List<MarkdownBlocks.Block> blocks = blocks(page);
      for (int i = 0; i < blocks.size(); i++) {
        MarkdownBlocks.Block b = blocks.get(i);
        MarkdownBlocks.Block next = i + 1 < blocks.size() ? blocks.get(i + 1) : null;
        if (failedAt != null) {
          if (isCommandBlock(b) || b.has("file")) {
            report.lines.add(
                "NOT RUN "
                    + b.where()
                    + ": an earlier command of the page failed ("
                    + failedAt
                    + ")");
          }
          continue;
        }
        if (b.has("file")) {
          Path target = Path.of(rewrite(b.get("file")));
          Files.createDirectories(target.getParent());
          Files.writeString(target, rewrite(String.join("\n", b.lines) + "\n"));
          report.lines.add("FILE " + b.where() + ": wrote " + b.get("file"));
          continue;
        }
        if (!isCommandBlock(b)) {
          continue;
        }
        if (b.has("skip")) {
          report.blocksSkipped++;
          report.lines.add("SKIP " + b.where() + ": " + b.get("reason"));
          continue;
        }
        runBlock(b, next != null && next.has("output") ? next : null);
      }
    }

    private void runBlock(MarkdownBlocks.Block b, MarkdownBlocks.Block output) throws Exception {
      long start = System.nanoTime();
      report.blocksRun++;
      List<ShellScript.Command> commands = ShellScript.commands(b);
      StringBuilder blockOutput = new StringBuilder();
      List<String> ran = new ArrayList<>();
      for (int c = 0; c < commands.size(); c++) {
        ShellScript.Command command = commands.get(c);
        boolean last = c == commands.size() - 1;
        List<String> documented =
            !command.output.isEmpty()
                ? command.output
                : last && output != null ? output.lines : null;
        int expectedExit = documented == null ? 0 : expectedExit(documented, b, output);
        List<Step> steps;
        try {
          steps = steps(command, b);
        } catch (IllegalArgumentException e) {
          fail(b, command, "cannot run it: " + e.getMessage(), null, null);
          return;
        }
        Outcome outcome = null;
        for (int s = 0; s < steps.size(); s++) {
          Step step = steps.get(s);
          outcome = step.run();
          if (outcome == null) {
            continue;
          }
          ran.add(outcome.kind);
          blockOutput.append(outcome.output);
          boolean finalStep = s == steps.size() - 1;
          int expected = finalStep ? expectedExit : 0;
          if (outcome.exit != expected) {
            fail(
                b,
                command,
                "exit code " + outcome.exit + ", expected " + expected,
                null,
                outcome.output);
            return;
          }
        }
        if (documented != null) {
          String actual = command.output.isEmpty() ? blockOutput.toString() : outcome.output;
          Optional<String> missing = OutputMatcher.firstMismatch(documented, actual);
          if (missing.isPresent()) {
            String where =
                command.output.isEmpty()
                    ? "documented in the output block at " + output.where()
                    : "documented below the command";
            fail(b, command, "a line " + where + " is not in the output", missing.get(), actual);
            return;
          }
        }
      }
      report.lines.add(
          String.format(
              Locale.ROOT,
              "RUN  %s: %s%s (%.1f s)",
              b.where(),
              ran.isEmpty() ? "nothing to run" : String.join(", ", ran),
              output != null
                  ? ", output checked against " + output.where()
                  : commands.stream().anyMatch(c -> !c.output.isEmpty())
                      ? ", transcript output checked"
                      : "",
              (System.nanoTime() - start) / 1e9));
    }

    private int expectedExit(
        List<String> documented, MarkdownBlocks.Block b, MarkdownBlocks.Block output) {
      MarkdownBlocks.Block marked = output != null && output.has("exit") ? output : b;
      if (marked.has("exit")) {
        return Integer.parseInt(marked.get("exit"));
      }
      boolean error =
          documented.stream()
              .map(String::strip)
              .anyMatch(l -> l.startsWith("tributary: ") && !l.startsWith("tributary: warning:"));
      if (!error) {
        return 0;
      }
      return documented.stream().anyMatch(l -> l.strip().startsWith("tributary: run failed"))
          ? 1
          : 2;
    }

    private void fail(
        MarkdownBlocks.Block b,
        ShellScript.Command command,
        String problem,
        String expectedLine,
        String actual) {
      failedAt = file + ":" + command.line;
      StringBuilder m = new StringBuilder();
      m.append(file)
          .append(':')
          .append(command.line)
          .append(" (block at line ")
          .append(b.line)
          .append("): ")
          .append(command.text.replace("\n", "\n    "))
          .append("\n  ")
          .append(problem);
      if (expectedLine != null) {
        m.append("\n  expected: ").append(expectedLine);
      }
      if (actual != null) {
        m.append("\n  actual output").append(trimmed(actual));
      }
      report.failures.add(m.toString());
      report.lines.add("FAIL " + failedAt + ": " + problem);
    }

    private static String trimmed(String actual) {
      List<String> lines = actual.lines().collect(Collectors.toList());
      int head = 15;
      int tail = 35;
      StringBuilder s = new StringBuilder();
      if (lines.size() > head + tail) {
        s.append(" (first ").append(head).append(" and last ").append(tail);
        s.append(" of ").append(lines.size()).append(" lines):");
      } else {
        s.append(':');
      }
      for (int k = 0; k < lines.size(); k++) {
        if (lines.size() > head + tail && k == head) {
          s.append("\n    | [...]");
          k = lines.size() - tail;
        }
        String l = lines.get(k);
        s.append("\n    | ").append(l.length() > 300 ? l.substring(0, 300) + " [...]" : l);
      }
      if (lines.isEmpty()) {
        s.append(" (none)");
      }
      return s.toString();
    }

    /** What a command becomes: in-process tributary calls, bash lines, or nothing. */
    private List<Step> steps(ShellScript.Command command, MarkdownBlocks.Block b) {
      List<String> parts = ShellScript.splitAnd(command.text);
      boolean split = false;
      if (parts.size() > 1) {
        for (String part : parts) {
          String kind = kind(ShellScript.words(part, env()));
          split |= kind.equals("tributary") || kind.equals("mvn");
        }
      }
      List<Step> steps = new ArrayList<>();
      for (String part : split ? parts : List.of(command.text)) {
        steps.add(step(part, b));
      }
      return steps;
    }

    private Map<String, String> env() {
      Map<String, String> env = new HashMap<>(System.getenv());
      env.put("PWD", Testdata.root().toString());
      env.putAll(vars);
      return env;
    }

    private String kind(ShellScript.Words w) {
      if (w.words.isEmpty()) {
        return w.plain ? "nothing" : "bash";
      }
      String first = w.words.get(0);
      if (first.equals("mvn")) {
        return "mvn";
      }
      if (first.startsWith("...")) {
        return "variant";
      }
      if (w.plain && w.words.size() == 1 && ASSIGNMENT.matcher(first).matches()) {
        return "assignment";
      }
      if (w.plain && first.equals("alias")) {
        return "alias";
      }
      if (first.equals("tributary")
          || (first.equals("java") && w.words.size() > 2 && w.words.get(1).equals("-jar"))) {
        return "tributary";
      }
      return "bash";
    }

    private Step step(String text, MarkdownBlocks.Block b) {
      ShellScript.Words w = ShellScript.words(text, env());
      String kind = kind(w);
      String first = w.words.isEmpty() ? "" : w.words.get(0);
      if (b.has("skip-command") && first.equals(b.get("skip-command"))) {
        return Step.notRun(report, first + " not run (" + b.get("reason") + ")");
      }
      switch (kind) {
        case "nothing":
          return Step.nothing();
        case "mvn":
          return Step.notRun(report, "mvn not run (the test runs inside Maven)");
        case "variant":
          return Step.notRun(report, "'...' line not run (a variant of the command above)");
        case "assignment":
          {
            String name = first.substring(0, first.indexOf('='));
            vars.put(name, first.substring(name.length() + 1));
            return Step.nothing();
          }
        case "alias":
          {
            for (String a : w.words.subList(1, w.words.size())) {
              String target = a.substring(a.indexOf('=') + 1);
              List<String> words = ShellScript.words(target, env()).words;
              if (!a.startsWith("tributary=")) {
                throw new IllegalArgumentException("only alias tributary=... is understood: " + a);
              }
              if (words.size() != 3
                  || !words.get(0).equals("java")
                  || !words.get(1).equals("-jar")) {
                throw new IllegalArgumentException(
                    "alias tributary should be 'java -jar " + bundledJar() + "', got: " + target);
              }
              checkJar(words.get(2));
            }
            return Step.nothing();
          }
        case "tributary":
          {
            if (!w.plain) {
              throw new IllegalArgumentException(
                  "a tributary command with shell operators (pipes, redirections, $(...)) cannot"
                      + " run in-process");
            }
            List<String> args =
                first.equals("tributary")
                    ? w.words.subList(1, w.words.size())
                    : w.words.subList(3, w.words.size());
            if (!first.equals("tributary")) {
              checkJar(w.words.get(2));
            }
            return () -> tributary(args);
          }
        default:
          if (w.words.size() > 1
              && ASSIGNMENT.matcher(first).matches()
              && kind(new ShellScript.Words(
                      w.words.subList(firstNonAssignment(w.words), w.words.size()), w.plain))
                  .equals("tributary")) {
            throw new IllegalArgumentException(
                "environment assignments before a tributary command cannot run in-process");
          }
          return () -> bash(text);
      }
    }

    private static int firstNonAssignment(List<String> words) {
      int k = 0;
      while (k < words.size() - 1 && ASSIGNMENT.matcher(words.get(k)).matches()) {
        k++;
      }
      return k;
    }

    private void checkJar(String jar) {
      if (!jar.equals(bundledJar())) {
        throw new IllegalArgumentException(
            "the page runs " + jar + ", the build makes " + bundledJar());
      }
    }

    private String rewrite(String text) {
      return TMP.matcher(text).replaceAll(Matcher.quoteReplacement(dir.toString()));
    }

    private Outcome tributary(List<String> docArgs) throws Exception {
      String key = String.join("\u0000", docArgs);
      Cached hit = cache.get(key);
      if (hit != null && !hit.dir.equals(dir)) {
        report.reused++;
        for (String arg : docArgs) {
          Matcher m = TMP_PATH.matcher(arg);
          while (m.find()) {
            String rest = m.group().substring("/tmp".length());
            Path original = Path.of(hit.dir + rest);
            Path here = Path.of(dir + rest);
            if (Files.exists(original)
                && !Files.exists(here, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
              Files.createDirectories(here.getParent());
              Files.createSymbolicLink(here, original);
            }
          }
        }
        return new Outcome(hit.result.exit, hit.result.output, "tributary (reused)");
      }
      report.inProcess++;
      List<String> args = new ArrayList<>();
      for (String arg : docArgs) {
        String copied = withCopiedFile(arg);
        args.add(copied.equals(arg) ? rewrite(arg) : copied);
      }
      CommandWorker.Result r = worker.run(args, TRIBUTARY_TIMEOUT_SECONDS);
      String output = r.output.replace(dir.toString(), "/tmp");
      CommandWorker.Result normalised = new CommandWorker.Result(r.exit, output, r.millis);
      cache.put(key, new Cached(normalised, dir));
      return new Outcome(
          r.exit,
          output,
          String.format(Locale.ROOT, "tributary %s (%.1f s)", docArgs.get(0), r.millis / 1e3));
    }

    /**
     * A repository file the argument names that holds {@code /tmp} paths outside comments (an
     * erasure config) is read through a copy with those paths rewritten: else the command would
     * read and write the shared {@code /tmp}.
     */
    private String withCopiedFile(String arg) throws IOException {
      int eq = arg.startsWith("--") ? arg.indexOf('=') : -1;
      String value = arg.substring(eq + 1);
      if (value.isEmpty() || value.startsWith("/") || value.contains(":")) {
        return arg;
      }
      Path file = Testdata.root().resolve(value).normalize();
      if (!file.startsWith(Testdata.root())
          || !Files.isRegularFile(file)
          || Files.size(file) > 1 << 20) {
        return arg;
      }
      List<String> lines;
      try {
        lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      } catch (java.nio.charset.MalformedInputException e) {
        return arg;
      }
      boolean tmpPaths =
          lines.stream().anyMatch(l -> !l.strip().startsWith("#") && TMP.matcher(l).find());
      if (!tmpPaths) {
        return arg;
      }
      Path copy = dir.resolve(".docs-test-copies").resolve(value);
      Files.createDirectories(copy.getParent());
      Files.writeString(copy, rewrite(String.join("\n", lines) + "\n"));
      return arg.substring(0, eq + 1) + copy;
    }

    private Outcome bash(String text) throws Exception {
      report.bash++;
      ProcessBuilder pb =
          new ProcessBuilder("bash", "-c", "set -u\n" + rewrite(text))
              .directory(Testdata.root().toFile())
              .redirectErrorStream(true);
      for (Map.Entry<String, String> v : vars.entrySet()) {
        pb.environment().put(v.getKey(), rewrite(v.getValue()));
      }
      Path out = Files.createTempFile(dir.getParent(), "bash", ".out");
      pb.redirectOutput(out.toFile());
      Process p = pb.start();
      p.getOutputStream().close();
      if (!p.waitFor(BASH_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        return new Outcome(
            -1, "(no end within " + BASH_TIMEOUT_SECONDS + " s; stopped)", "bash (timed out)");
      }
      String output = Files.readString(out).replace(dir.toString(), "/tmp");
      Files.delete(out);
      String program = BLANKS.splitAsStream(text.strip()).findFirst().orElse("");
      return new Outcome(p.exitValue(), output, "bash " + program);
    }
  }

  /** What a step printed and returned; {@code kind} names it in the report. */
  private static final class Outcome {
    final int exit;
    final String output;
    final String kind;

    Outcome(int exit, String output, String kind) {
      this.exit = exit;
      this.output = output;
      this.kind = kind;
    }
  }

  /** One thing to do for a command; returns null when nothing ran. */
  @FunctionalInterface
  private interface Step {
    Outcome run() throws Exception;

    static Step nothing() {
      return () -> null;
    }

    static Step notRun(Report report, String kind) {
      return () -> {
        report.notRun++;
        return new Outcome(0, "", kind);
      };
    }
  }
}
