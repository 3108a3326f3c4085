package io.tributary.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.runtime.PipelineRun;
import io.tributary.transforms.lineage.LineageDataset;
import io.tributary.transforms.lineage.LineageTransport;
import io.tributary.transforms.lineage.OpenLineageEvents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** {@code tributary lineage} and {@code tributary catalog} over events two jobs wrote. */
@RunWith(JUnit4.class)
public class LineageCommandsTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();
  private String out;
  private String err;

  private int run(String... args) {
    CliRun r = CliRun.of(args);
    out = r.out;
    err = r.err;
    return r.code;
  }

  @Test
  public void treeDotHtmlAndCatalogFromTheEventsOfTwoChainedJobs() throws Exception {
    Path events = tmp.newFolder("runs").toPath();
    LineageDataset raw = LineageDataset.file("/data/in/clickstream/sample.jsonl.gz");
    LineageDataset agg = LineageDataset.file("/data/out/clickstream/aggregates");
    LineageDataset dl = LineageDataset.file("/data/out/clickstream/dead-letter");
    LineageDataset report = LineageDataset.postgres("db:5432", "shop.public.daily_clicks");
    OpenLineageEvents clickstream =
        OpenLineageEvents.forRun(
            "tributary", "clickstream", UUID.randomUUID().toString(), "2.62.0", "BATCH");
    OpenLineageEvents loader =
        OpenLineageEvents.forRun(
            "tributary", "loader", UUID.randomUUID().toString(), "2.62.0", "BATCH");
    LineageTransport t1 = LineageTransport.parse("file:" + events.resolve("a/_openlineage.jsonl"));
    t1.emit(clickstream.start(List.of(raw), List.of(agg, dl)));
    t1.emit(
        clickstream.complete(
            List.of(
                raw.withQuality(
                    io.tributary.transforms.lineage.DataQuality.of(
                        1000L,
                        Map.of(),
                        List.of(
                            io.tributary.transforms.lineage.DataQuality.assertion(
                                "size between 1 and 5000", true, null),
                            io.tributary.transforms.lineage.DataQuality.assertion(
                                "uniqueness(event_id) == 1", false, "event_id"))))),
            List.of(agg, dl),
            Map.of(dl, 7L)));
    LineageTransport t2 = LineageTransport.parse("file:" + events.resolve("b/_openlineage.jsonl"));
    t2.emit(loader.fail(List.of(agg), List.of(report), new IllegalStateException("db down")));

    Path dot = tmp.getRoot().toPath().resolve("lineage.dot");
    Path html = tmp.getRoot().toPath().resolve("lineage.html");
    assertEquals(
        err,
        0,
        run("lineage", "aggregates", "--events=" + events, "--dot=" + dot, "--html=" + html));
    assertThat(
        out,
        containsString(
            "file:/data/out/clickstream/aggregates\n  upstream:\n    <- job tributary.clickstream (last run COMPLETE"));
    assertThat(out, containsString("       <- file:/data/in/clickstream/sample.jsonl.gz"));
    assertThat(out, containsString("  downstream:\n    -> job tributary.loader (last run FAIL"));
    assertThat(out, containsString("-> postgres://db:5432:shop.public.daily_clicks"));
    assertThat(
        Files.readString(dot),
        containsString("\"file:/data/out/clickstream/aggregates\" -> \"job:tributary.loader\";"));
    assertThat(Files.readString(html), containsString("<svg"));
    assertThat(Files.readString(html), containsString("tributary.loader  [FAIL]"));

    assertEquals(
        err,
        0,
        run(
            "catalog",
            "--catalog=" + Testdata.root().resolve("runners-config/catalog.json"),
            "--events=" + events));
    assertThat(out, containsString("clickstream-events\n  owner:       web-analytics@example.com"));
    assertThat(out, containsString("  schema:      clickstream-event versions v1 (id 1)"));
    assertThat(out, containsString("  pii fields:  email, ip, user_agent"));
    assertThat(out, containsString("  last run:    tributary."));
    // "clickstream/" matches the aggregates too, which the loader read after the checked run:
    // the newest run speaks, and the catalog names the last check it made.
    assertThat(out, containsString("  quality:     not checked by the newest run ("));
    assertThat(out, containsString("FAIL tributary.loader run "));
    assertThat(
        out,
        containsString(
            "last checked: 1/2 assertions passed, failed: uniqueness(event_id) == 1 (run "));
    assertThat(
        "the aggregates were never checked",
        out.substring(out.indexOf("clickstream-aggregates")),
        containsString("  quality:     not checked by any run"));

    assertEquals(2, run("lineage", "nothing-like-this", "--events=" + events));
    assertThat(err, containsString("lineage: no dataset matches 'nothing-like-this'"));
    assertEquals(2, run("lineage", "clickstream", "--events=" + events));
    assertThat(err, containsString("matches 3 datasets"));
  }

  /**
   * Three runs of one pipeline: over the big sample into output a, then twice over the small file
   * into output b (the first checked, the newer not). Each input makes its own job, the lineage of
   * b names only its own input and runs, newest first, its picture leaves a out, and the catalog
   * speaks from the newest run (the quality checks report on the input they checked).
   */
  @Test
  public void runsOfOnePipelineOverDifferentInputsStayDistinct() throws Exception {
    Path events = tmp.newFolder("store").toPath();
    LineageDataset sample = LineageDataset.file("/data/in/sample.jsonl.gz");
    LineageDataset small = LineageDataset.file("/data/in/small.jsonl");
    LineageDataset outA = LineageDataset.file("/data/out/a/aggregates");
    LineageDataset outB = LineageDataset.file("/data/out/b/aggregates");
    String bigJob = PipelineRun.lineageJob("clickstream", "", List.of(sample));
    String smallJob = PipelineRun.lineageJob("clickstream", "", List.of(small));
    assertThat(
        bigJob,
        org.hamcrest.Matchers.matchesPattern("clickstream\\.sample\\.jsonl\\.gz-[0-9a-f]{6}"));
    assertThat(
        smallJob, org.hamcrest.Matchers.matchesPattern("clickstream\\.small\\.jsonl-[0-9a-f]{6}"));
    assertEquals(smallJob, PipelineRun.lineageJob("clickstream", null, List.of(small)));
    assertEquals(
        "daily-clicks", PipelineRun.lineageJob("clickstream", "daily-clicks", List.of(small)));
    assertThat(
        PipelineRun.lineageJob(
            "clickstream", "", List.of(LineageDataset.file("/data/in/clicks/*.jsonl"), small)),
        org.hamcrest.Matchers.matchesPattern("clickstream\\.clicks\\+1-[0-9a-f]{6}"));

    emit(events.resolve("1"), bigJob, "2026-12-01T10:00:00Z", sample, outA, null);
    emit(events.resolve("2"), smallJob, "2026-12-02T10:00:00Z", small, outB, true);
    emit(events.resolve("3"), smallJob, "2026-12-03T10:00:00Z", small, outB, null);

    Path dot = tmp.getRoot().toPath().resolve("b.dot");
    assertEquals(
        err, 0, run("lineage", "/data/out/b/aggregates", "--events=" + events, "--dot=" + dot));
    assertThat(
        out, containsString("<- job tributary." + smallJob + " (last run COMPLETE 2026-12-03"));
    assertThat(out, containsString("<- file:/data/in/small.jsonl"));
    assertThat(out, not(containsString("sample.jsonl.gz")));
    int newer = out.indexOf("2026-12-03T10:00:00Z COMPLETE tributary." + smallJob);
    int older = out.indexOf("2026-12-02T10:00:00Z COMPLETE tributary." + smallJob);
    assertTrue(out, newer > 0 && older > newer);
    assertThat(out, containsString(" wrote it"));
    String picture = Files.readString(dot);
    assertThat(picture, containsString("small.jsonl"));
    assertThat(picture, not(containsString("sample.jsonl.gz")));
    assertThat(picture, not(containsString("/data/out/a/")));

    Path catalog = tmp.getRoot().toPath().resolve("catalog.json");
    Files.writeString(
        catalog,
        "{\"datasets\": [{\"name\": \"small-input\", \"match\": \"/data/in/small.jsonl\"},"
            + " {\"name\": \"sample-input\", \"match\": \"/data/in/sample.jsonl.gz\"}]}");
    assertEquals(err, 0, run("catalog", "--catalog=" + catalog, "--events=" + events));
    String b = out.substring(out.indexOf("small-input"), out.indexOf("sample-input"));
    assertThat(b, containsString("  last run:    tributary." + smallJob + " COMPLETE 2026-12-03"));
    assertThat(
        b,
        containsString(
            "  quality:     not checked by the newest run (2026-12-03T10:00:00Z COMPLETE tributary."
                + smallJob));
    assertThat(b, containsString("last checked: 1/1 assertions passed (run 2026-12-02T10:00:00Z)"));
    String a = out.substring(out.indexOf("sample-input"));
    assertThat(a, containsString("  last run:    tributary." + bigJob + " COMPLETE 2026-12-01"));
  }

  /**
   * One run's START and COMPLETE at {@code time}; {@code checked} reports quality on the output.
   */
  private static void emit(
      Path dir, String job, String time, LineageDataset in, LineageDataset out, Boolean checked)
      throws Exception {
    Files.createDirectories(dir);
    List<String> lines = new java.util.ArrayList<>();
    OpenLineageEvents run =
        OpenLineageEvents.forRun("tributary", job, UUID.randomUUID().toString(), "2.62.0", "BATCH");
    LineageDataset read =
        checked == null
            ? in
            : in.withQuality(
                io.tributary.transforms.lineage.DataQuality.of(
                    10L,
                    Map.of(),
                    List.of(
                        io.tributary.transforms.lineage.DataQuality.assertion(
                            "size > 0", checked, null))));
    for (String event :
        List.of(
            run.start(List.of(in), List.of(out)),
            run.complete(List.of(read), List.of(out), Map.of()))) {
      com.fasterxml.jackson.databind.node.ObjectNode node =
          (com.fasterxml.jackson.databind.node.ObjectNode)
              new com.fasterxml.jackson.databind.ObjectMapper().readTree(event);
      node.put("eventTime", time);
      lines.add(node.toString());
    }
    Files.write(dir.resolve("_openlineage.jsonl"), lines);
  }

  @Test
  public void aRunWhoseLineageEndpointIsDownKeepsItsEventsAndResendDeliversThem() throws Exception {
    int dead;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      dead = socket.getLocalPort();
    }
    Path output = tmp.getRoot().toPath().resolve("run");
    assertEquals(
        err,
        0,
        run(
            "run",
            "clickstream",
            "--profile=direct",
            "--input=" + Testdata.file("clickstream/small.jsonl"),
            "--output=" + output,
            "--lineage=http://127.0.0.1:" + dead,
            "--lineageJob=daily-clicks"));
    Path spool = output.resolve(io.tributary.transforms.lineage.LineageSpool.FILE_NAME);
    List<String> kept = Files.readAllLines(spool);
    assertEquals(2, kept.size());
    assertThat(kept.get(0), containsString("\"eventType\":\"START\""));
    assertThat(kept.get(1), containsString("\"eventType\":\"COMPLETE\""));
    assertThat(kept.get(0), containsString("ConnectException"));
    assertThat(
        "--lineageJob names the job", kept.get(0), containsString("\"name\":\"daily-clicks\""));

    // Still down: nothing delivered, exit 1, everything kept.
    assertEquals(1, run("lineage", "--resend", spool.toString()));
    assertThat(out, containsString("lineage: resent 0 event(s); 2 still kept in " + spool));

    com.sun.net.httpserver.HttpServer receiver =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
    receiver.createContext(
        "/api/v1/lineage",
        exchange -> {
          received.add(
              new String(
                  exchange.getRequestBody().readAllBytes(),
                  java.nio.charset.StandardCharsets.UTF_8));
          exchange.sendResponseHeaders(201, -1);
          exchange.close();
        });
    receiver.start();
    try {
      String url = "http://127.0.0.1:" + receiver.getAddress().getPort();
      assertEquals(err, 0, run("lineage", "--resend", spool.toString(), "--lineage=" + url));
      assertThat(out, containsString("lineage: resent 2 event(s); none kept"));
      assertEquals(2, received.size());
      assertThat(received.get(0), containsString("\"eventType\":\"START\""));
      assertThat(received.get(1), containsString("\"eventType\":\"COMPLETE\""));
      assertEquals(false, Files.exists(spool));
    } finally {
      receiver.stop(0);
    }
    assertEquals(2, run("lineage", "--resend", spool.toString()));
    assertThat(err, containsString("nothing kept, or already resent"));
  }
}
