package io.tributary.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.Assert.assertEquals;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every command and sub-command of the {@code tributary} tree, found by walking it (so a new
 * command is covered without touching this test): {@code <path> --help} and {@code help <path>}
 * exit 0, print a usage line and name every option the command declares.
 */
@RunWith(JUnit4.class)
public class CommandTreeHelpTest {
  private static void walk(
      CommandLine command, List<String> path, Map<List<String>, CommandLine> out) {
    out.put(path, command);
    for (Map.Entry<String, CommandLine> sub : command.getSubcommands().entrySet()) {
      List<String> next = new ArrayList<>(path);
      next.add(sub.getKey());
      walk(sub.getValue(), next, out);
    }
  }

  private static Map<List<String>, CommandLine> tree() throws Exception {
    PrintStream nowhere = new PrintStream(java.io.OutputStream.nullOutputStream());
    Map<List<String>, CommandLine> all = new java.util.LinkedHashMap<>();
    walk(Tributary.commandLine(new Io(nowhere, nowhere), null), List.of(), all);
    return all;
  }

  @Test
  public void everyCommandHasGeneratedHelpListingItsOptions() throws Exception {
    Map<List<String>, CommandLine> all = tree();
    // The walk reaches the jobs under run and backfill and the schema sub-commands.
    assertThat(
        all.keySet(),
        hasItems(
            List.of("run", "clickstream"),
            List.of("backfill", "orders-mart"),
            List.of("schema", "register"),
            List.of("serve-roles"),
            List.of("completion")));
    for (Map.Entry<List<String>, CommandLine> e : all.entrySet()) {
      List<String> path = e.getKey();
      List<String> viaFlag = new ArrayList<>(path);
      viaFlag.add("--help");
      List<String> viaHelp = new ArrayList<>();
      viaHelp.add("help");
      viaHelp.addAll(path);
      for (List<String> args : List.of(viaFlag, viaHelp)) {
        CliRun r = CliRun.of(args.toArray(new String[0]));
        assertEquals(args + ": " + r.err, 0, r.code);
        assertEquals(args + " printed to stderr", "", r.err);
        assertThat(args.toString(), r.out, containsString("Usage: tributary"));
        for (OptionSpec o : e.getValue().getCommandSpec().options()) {
          if (!o.hidden()) {
            assertThat(args + " names " + o.longestName(), r.out, containsString(o.longestName()));
          }
        }
      }
    }
  }

  @Test
  public void aSpecRunListsItsVariables() throws Exception {
    // A variable no options interface declares: in a JVM that ran jobs, "input" is an option.
    java.nio.file.Path spec = java.nio.file.Files.createTempFile("help-", ".yaml");
    try {
      java.nio.file.Files.writeString(
          spec,
          java.nio.file.Files.readString(
                  io.tributary.pipelines.Testdata.root()
                      .resolve("pipelines/specs/clickstream.yaml"))
              .replace("options:\n", "options:\n  help_probe: abc\n"));
      for (String[] args :
          new String[][] {{"run", spec.toString(), "--help"}, {"help", "run", spec.toString()}}) {
        CliRun r = CliRun.of(args);
        assertEquals(r.err, 0, r.code);
        assertThat(r.out, containsString("  --help_probe=VALUE "));
        assertThat(r.out, containsString("variable ${help_probe} of the spec (default: abc)"));
        assertThat(r.out, containsString("  --set=STEP.KEY=VALUE "));
        assertThat(r.out, containsString("  --output=VALUE "));
      }
    } finally {
      java.nio.file.Files.delete(spec);
    }
  }

  @Test
  public void versionNamesTributaryBeamAndFlinkFromTheBuild() throws Exception {
    java.util.Properties built = new java.util.Properties();
    try (java.io.InputStream in = VersionInfo.class.getResourceAsStream(VersionInfo.RESOURCE)) {
      built.load(in);
    }
    for (String flag : new String[] {"--version", "-V"}) {
      CliRun r = CliRun.of(flag);
      assertEquals(r.err, 0, r.code);
      assertThat(r.out, containsString("tributary " + built.getProperty("tributary") + "\n"));
      assertThat(
          r.out,
          containsString(
              "Apache Beam " + org.apache.beam.sdk.util.ReleaseInfo.getReleaseInfo().getVersion()));
      assertThat(r.out, containsString("Apache Flink " + built.getProperty("flink")));
      assertThat("filtered by Maven", r.out, org.hamcrest.Matchers.not(containsString("${")));
    }
  }

  @Test
  public void completionScriptNamesEveryCommandAndJob() throws Exception {
    CliRun r = CliRun.of("completion");
    assertEquals(r.err, 0, r.code);
    assertThat(r.out, containsString("complete -F _complete_tributary"));
    Map<List<String>, CommandLine> all = tree();
    int checked = 0;
    for (List<String> path : all.keySet()) {
      if (path.size() == 1) {
        assertThat(r.out, containsString(" " + path.get(0)));
        checked++;
      }
    }
    assertThat(checked, greaterThan(10));
    for (String job : new String[] {"clickstream", "orders-mart", "erasure"}) {
      assertThat(r.out, containsString("run " + job));
    }
    assertEquals(r.out, CliRun.of("completion", "zsh").out);
    assertEquals(2, CliRun.of("completion", "fish").code);
  }
}
