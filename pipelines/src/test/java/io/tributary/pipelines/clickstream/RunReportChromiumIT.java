package io.tributary.pipelines.clickstream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;

import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.runtime.PipelineRun;
import io.tributary.pipelines.runtime.RunReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Opens the run report ({@code _run_report.html}) of a clickstream run with quality checks in
 * headless Chromium: it renders offline and shows the state, the throughput, links to the outputs,
 * the stages with their numbers and their timeline (one bar per stage), the failed assertion, the
 * cost and the lineage graph as SVG. Saves the screenshot used by docs/metadata.md
 * (docs/images/run-report.png, refreshed only with -Dtributary.updateDocs=true).
 */
@RunWith(JUnit4.class)
public class RunReportChromiumIT {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void runReportRendersStagesQualityCostAndLineage() throws Exception {
    String chromium = QualityReportChromiumIT.chromium();
    Path out = tmp.newFolder("out").toPath();
    PipelineOptionsFactory.register(io.tributary.pipelines.runtime.RunOptions.class);
    ClickstreamOptions options =
        PipelineOptionsFactory.fromArgs(
                "--runner=FlinkRunner",
                "--parallelism=2",
                "--jobName=run-report-demo",
                "--input=" + Testdata.file("clickstream/small.jsonl"),
                "--output=" + out,
                "--checks=" + Testdata.file("clickstream/checks.json"),
                "--pricePerVcpuHour=0.04",
                "--pricePerGbStored=0.02")
            .withValidation()
            .as(ClickstreamOptions.class);
    PipelineRun.run(new ClickstreamJob(), options);
    Path report = out.resolve(RunReport.FILE_NAME);
    String html = Files.readString(report);
    assertThat("self-contained: nothing is fetched", html, not(containsString("<script")));
    assertThat(html, not(containsString("src=\"http")));

    List<String> dump =
        QualityReportChromiumIT.chromiumArgs(chromium, tmp.newFolder("profile-dom").toPath());
    dump.addAll(List.of("--dump-dom", report.toUri().toString()));
    String dom = QualityReportChromiumIT.run(dump);
    assertThat(dom, containsString("Run report: clickstream"));
    assertThat(dom, containsString("DONE (balanced)"));
    String stages =
        dom.substring(
            dom.indexOf("id=\"stages\""), dom.indexOf("</table>", dom.indexOf("id=\"stages\"")));
    // decode, validate, quality, protect, event_time, dedup, window
    assertEquals("a header row and seven stages", 8, stages.split("<tr>", -1).length - 1);
    assertThat(
        stages,
        containsString(
            "<td class=\"l\">dedup</td><td class=\"l\">step</td><td>993</td><td>983</td>"));
    // The stage timeline: one bar per stage (each had records), against the run's wall clock,
    // with the sentence saying it is an active span, not CPU time.
    String timeline =
        dom.substring(
            dom.indexOf("id=\"timeline\""), dom.indexOf("</svg>", dom.indexOf("id=\"timeline\"")));
    assertEquals("a bar per stage", 7, timeline.split("<rect class=\"bar\"", -1).length - 1);
    assertThat(timeline, containsString("data-stage=\"dedup\""));
    assertThat(timeline, containsString("seconds since the run started"));
    assertThat(timeline, not(containsString("no records")));
    assertThat(dom, containsString("not its CPU time"));
    // Throughput and links to the outputs.
    String throughput = dom.substring(dom.indexOf("id=\"throughput\""));
    assertThat(
        throughput.substring(0, throughput.indexOf("</td>")), containsString("1,000 read in "));
    assertThat(throughput.substring(0, throughput.indexOf("</td>")), containsString("records/s"));
    String outputs =
        dom.substring(
            dom.indexOf("id=\"outputs\""), dom.indexOf("</ul>", dom.indexOf("id=\"outputs\"")));
    assertThat(outputs, containsString("<a href=\"aggregates/\">"));
    String quality = dom.substring(dom.indexOf("id=\"quality\""));
    assertThat(quality, containsString("uniqueness(event_id)"));
    assertThat(quality, containsString("FAILED"));
    assertThat(dom, containsString("id=\"cost\""));
    assertThat(dom, containsString("USD"));
    String lineage = dom.substring(dom.indexOf("id=\"lineage\""));
    assertThat(lineage, containsString("<svg"));
    assertThat(lineage, containsString("tributary.clickstream"));
    assertThat(lineage, containsString("small.jsonl"));

    Path png = out.resolve("run-report.png");
    List<String> shot =
        QualityReportChromiumIT.chromiumArgs(chromium, tmp.newFolder("profile-shot").toPath());
    shot.addAll(
        List.of(
            "--hide-scrollbars",
            "--window-size=1280,1700",
            "--screenshot=" + png,
            report.toUri().toString()));
    QualityReportChromiumIT.run(shot);
    assertThat(Files.size(png), greaterThan(10_000L));
    Files.copy(
        png,
        Testdata.root().resolve("pipelines/target/run-report.png"),
        StandardCopyOption.REPLACE_EXISTING);
    Files.copy(
        report,
        Testdata.root().resolve("pipelines/target/run-report-demo.html"),
        StandardCopyOption.REPLACE_EXISTING);
    if (Boolean.getBoolean("tributary.updateDocs")) {
      Path docs = Testdata.root().resolve("docs/images/run-report.png");
      Files.createDirectories(docs.getParent());
      Files.copy(png, docs, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
