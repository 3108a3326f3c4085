package io.tributary.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;

import io.tributary.pipelines.Testdata;
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
    assertThat(
        out,
        containsString(
            "  quality:     1/2 assertions passed, failed: uniqueness(event_id) == 1 (run "));
    assertThat(
        "the aggregates were never checked",
        out.substring(out.indexOf("clickstream-aggregates")),
        containsString("  quality:     -"));

    assertEquals(2, run("lineage", "nothing-like-this", "--events=" + events));
    assertThat(err, containsString("lineage: no dataset matches 'nothing-like-this'"));
    assertEquals(2, run("lineage", "clickstream", "--events=" + events));
    assertThat(err, containsString("matches 3 datasets"));
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
            "--lineage=http://127.0.0.1:" + dead));
    Path spool = output.resolve(io.tributary.transforms.lineage.LineageSpool.FILE_NAME);
    List<String> kept = Files.readAllLines(spool);
    assertEquals(2, kept.size());
    assertThat(kept.get(0), containsString("\"eventType\":\"START\""));
    assertThat(kept.get(1), containsString("\"eventType\":\"COMPLETE\""));
    assertThat(kept.get(0), containsString("ConnectException"));

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
