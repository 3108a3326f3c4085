package io.tributary.pipelines.clickstream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
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
 * Opens the quality report of a clickstream run in headless Chromium: it must render, show the
 * failing constraint first and contain an inline SVG plot per metric, with no network. Saves the
 * screenshot used by docs/quality.md (docs/images/quality-report.png).
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

  @Test
  public void reportRendersInHeadlessChromiumAndShowsTheFailingConstraint() throws Exception {
    String chromium = chromium();
    Path out = tmp.newFolder("out").toPath();
    ClickstreamOptions options =
        PipelineOptionsFactory.fromArgs(
                "--runner=FlinkRunner",
                "--parallelism=2",
                "--jobName=report-demo",
                "--input=" + Testdata.file("clickstream/small.jsonl"),
                "--output=" + out,
                "--checks=" + Testdata.file("clickstream/checks.json"))
            .withValidation()
            .as(ClickstreamOptions.class);
    PipelineRun.run(new ClickstreamJob(), options);
    Path report = out.resolve("quality/report.html");
    String html = Files.readString(report);
    assertThat("self-contained: nothing is fetched", html, not(containsString("<script")));
    assertThat(html, not(containsString("src=\"http")));
    assertThat(html, not(containsString("href=\"http")));

    String dom =
        run(
            withArgs(
                chromiumArgs(chromium, tmp.newFolder("profile-dom").toPath()),
                "--dump-dom",
                report.toUri().toString()));
    assertThat(dom, containsString("Quality report: clickstream"));
    assertThat(dom, containsString("id=\"verification\""));
    // the first result row is a failure: failures come first
    String table = dom.substring(dom.indexOf("id=\"verification\""));
    String firstRow =
        table.substring(
            table.indexOf("</tr>") + 5, table.indexOf("</tr>", table.indexOf("</tr>") + 5));
    assertThat(firstRow, containsString("Failure"));
    assertThat(firstRow, containsString("uniqueness(event_id) == 1"));
    assertThat(dom.split("<svg", -1).length - 1, greaterThan(10));

    Path png = out.resolve("quality-report.png");
    run(
        withArgs(
            chromiumArgs(chromium, tmp.newFolder("profile-shot").toPath()),
            "--hide-scrollbars",
            "--window-size=1280,1400",
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
