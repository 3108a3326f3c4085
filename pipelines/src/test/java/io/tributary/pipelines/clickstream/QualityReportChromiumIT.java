package io.tributary.pipelines.clickstream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.runtime.PipelineRun;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Assume;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Opens the quality report of a clickstream run in headless Chromium: it must render with no
 * network, lead with a status that counts the quarantine and the checks that did not pass, group
 * the windows per check with its pass rate (worst check first), draw each constraint's bound as a
 * line in its plot and fold the per-window rows. Saves the screenshot used by docs/quality.md
 * (docs/images/quality-report.png).
 *
 * <p>Chromium comes from Debian's {@code chromium} package; {@code .ci/ensure-chromium} installs it
 * when missing (as root). The test is skipped, saying why, only when that is impossible.
 */
@RunWith(JUnit4.class)
public class QualityReportChromiumIT {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  static String chromium() throws Exception {
    Path script = Testdata.root().resolve(".ci/ensure-chromium");
    Process p = new ProcessBuilder("bash", script.toString()).redirectErrorStream(false).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    boolean ok = p.waitFor(15, TimeUnit.MINUTES) && p.exitValue() == 0 && !out.isEmpty();
    if (!ok) {
      String why =
          "QualityReportChromiumIT skipped: no Chromium and it cannot be installed here: " + err;
      System.err.println(why);
      Assume.assumeTrue(why, false);
    }
    return out.lines().reduce((a, b) -> b).orElseThrow();
  }

  static String run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    try (InputStream in = p.getInputStream()) {
      in.transferTo(stdout);
    }
    assertTrue("chromium did not finish in 120 s", p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(
        new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8), 0, p.exitValue());
    return stdout.toString(StandardCharsets.UTF_8);
  }

  static List<String> chromiumArgs(String binary, Path profile) {
    return new ArrayList<>(
        List.of(
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--user-data-dir=" + profile));
  }

  /**
   * The committed checks plus one error rule that quarantines the sample's 20 prices above 20,000,
   * so the page shows a run that both warned and quarantined.
   */
  static Path checksWithQuarantine(Path dir) throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper mapper =
        new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode checks =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            mapper.readTree(Testdata.file("clickstream/checks.json").toFile());
    checks
        .withArray("rules")
        .addObject()
        .put("rule", "range")
        .put("field", "price")
        .put("min", 0.01)
        .put("max", 20000)
        .put("name", "price_at_most_20000");
    Path file = dir.resolve("checks-with-quarantine.json");
    Files.writeString(file, mapper.writeValueAsString(checks));
    return file;
  }

  @Test
  public void reportRendersInHeadlessChromiumWithChecksGroupedThresholdsAndQuarantine()
      throws Exception {
    String chromium = chromium();
    Path out = tmp.newFolder("out").toPath();
    ClickstreamOptions options =
        PipelineOptionsFactory.fromArgs(
                "--runner=FlinkRunner",
                "--parallelism=2",
                "--jobName=report-demo",
                "--input=" + Testdata.file("clickstream/small.jsonl"),
                "--output=" + out,
                "--checks=" + checksWithQuarantine(tmp.getRoot().toPath()))
            .withValidation()
            .as(ClickstreamOptions.class);
    PipelineRun.run(new ClickstreamJob(), options);
    Path report = out.resolve("quality/report.html");
    String html = Files.readString(report);
    assertThat("self-contained: nothing is fetched", html, not(containsString("<script")));
    assertThat(html, not(containsString("src=\"http")));
    assertThat(html, not(containsString("href=\"http")));
    long quarantined;
    try (java.util.stream.Stream<Path> files = Files.walk(out.resolve("quarantine"))) {
      quarantined =
          files
              .filter(f -> f.toString().endsWith(".jsonl"))
              .mapToLong(
                  f -> {
                    try {
                      return Files.readAllLines(f).stream().filter(l -> !l.isBlank()).count();
                    } catch (java.io.IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    }
                  })
              .sum();
    }
    assertTrue("the extra rule quarantines rows", quarantined > 0);

    String dom =
        run(
            withArgs(
                chromiumArgs(chromium, tmp.newFolder("profile-dom").toPath()),
                "--dump-dom",
                report.toUri().toString()));
    assertThat(dom, containsString("Quality report: clickstream"));
    // The status counts quarantine and says how many checks did not pass: ids warned, and rows
    // were quarantined, so the run is a Warning, never a Success.
    assertThat(dom, containsString("id=\"status\">Warning<"));
    String statusLine = dom.substring(dom.indexOf("id=\"status-line\""));
    statusLine = statusLine.substring(0, statusLine.indexOf("</p>"));
    assertThat(statusLine, containsString("1 of 3 checks did not pass (1 Warning: ids)"));
    assertThat(statusLine, containsString(quarantined + " rows quarantined"));
    // Checks grouped, worst first, each with its pass rate over the 48 hourly windows.
    String checks =
        dom.substring(
            dom.indexOf("id=\"checks\""), dom.indexOf("</table>", dom.indexOf("id=\"checks\"")));
    assertEquals("a header and three checks", 4, checks.split("<tr", -1).length - 1);
    assertThat(checks.indexOf(">ids</a>"), greaterThan(0));
    assertThat(checks.indexOf(">ids</a>"), lessThan(checks.indexOf(">contact</a>")));
    java.util.regex.Matcher rate =
        java.util.regex.Pattern.compile("(\\d+) of (\\d+) passed \\(([0-9.]+) %\\)")
            .matcher(checks);
    assertTrue(checks, rate.find());
    int passed = Integer.parseInt(rate.group(1));
    assertEquals("ids: the sample spans 48 hourly windows", 48, Integer.parseInt(rate.group(2)));
    assertThat("ids fails in some windows", passed, lessThan(48));
    assertThat(checks, containsString("48 of 48 passed (100.0 %)"));
    // Plots with each constraint's bound as a line: size between (2 lines) + 3 comparisons.
    assertEquals(5, dom.split("class=\"threshold\"", -1).length - 1);
    assertEquals(48 - passed, dom.split("class=\"failing\"", -1).length - 1);
    assertThat(dom, containsString("window start (UTC)"));
    // Per-window rows are folded, worst first: the first row of ids' table is its lowest value.
    assertThat(dom, containsString((48 - passed) + " failing windows, worst first"));
    assertThat(dom, not(containsString("<details open")));
    assertThat(dom, containsString("price_at_most_20000"));
    assertThat(dom.split("<svg", -1).length - 1, greaterThan(10));

    Path png = out.resolve("quality-report.png");
    run(
        withArgs(
            chromiumArgs(chromium, tmp.newFolder("profile-shot").toPath()),
            "--hide-scrollbars",
            "--window-size=1320,1500",
            "--screenshot=" + png,
            report.toUri().toString()));
    assertThat(Files.size(png), greaterThan(10_000L));
    // The screenshot lands in target/; docs/images/quality-report.png is refreshed from it only on
    // request (-Dtributary.updateDocs=true), so a test run never modifies tracked files.
    Files.copy(
        png,
        Testdata.root().resolve("pipelines/target/quality-report.png"),
        StandardCopyOption.REPLACE_EXISTING);
    if (Boolean.getBoolean("tributary.updateDocs")) {
      Path docs = Testdata.root().resolve("docs/images/quality-report.png");
      Files.createDirectories(docs.getParent());
      Files.copy(png, docs, StandardCopyOption.REPLACE_EXISTING);
    }
    Files.copy(
        report,
        Testdata.root().resolve("pipelines/target/quality-report-demo.html"),
        StandardCopyOption.REPLACE_EXISTING);
  }

  private static List<String> withArgs(List<String> base, String... more) {
    base.addAll(List.of(more));
    return base;
  }
}
