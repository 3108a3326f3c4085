package io.tributary.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class RetentionCommandTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();
  private String out;
  private String err;

  private int run(String... args) {
    CliRun r = CliRun.of(args);
    out = r.out;
    err = r.err;
    return r.code;
  }

  private Path partition(Path root, String date) throws Exception {
    Path hour = root.resolve("dt=" + date + "/hour=00");
    Files.createDirectories(hour);
    Files.writeString(hour.resolve("part-0.jsonl"), "{\"x\":1}\n");
    return root.resolve("dt=" + date);
  }

  @Test
  public void expiresOnlyPartitionsOlderThanKeepAndReportsEach() throws Exception {
    Path agg = tmp.newFolder("aggregates").toPath();
    Path dl = tmp.newFolder("dead-letter").toPath();
    Path cold = tmp.getRoot().toPath().resolve("cold");
    partition(agg, "2026-10-01");
    partition(agg, "2026-11-18"); // today - 7: kept
    partition(agg, "2026-11-17"); // today - 8: expired
    partition(dl, "2026-11-01");
    Files.createDirectories(agg.resolve("dt=not-a-date"));
    Path config = tmp.newFile("retention.json").toPath();
    Files.writeString(
        config,
        "{\"datasets\":["
            + "{\"name\":\"aggregates\",\"path\":\""
            + agg
            + "\",\"keep\":\"7d\",\"action\":\"delete\"},"
            + "{\"name\":\"dead-letters\",\"path\":\""
            + dl
            + "\",\"keep\":\"7d\",\"action\":\"move\",\"cold\":\""
            + cold
            + "\"}]}");
    Path audit = tmp.getRoot().toPath().resolve("audit/retention.jsonl");

    assertEquals(err, 0, run("retention", "--config=" + config, "--now=2026-11-25", "--dry-run"));
    assertThat(out, containsString("aggregates dt=2026-10-01: would delete (1 files, 8 bytes)"));
    assertTrue("dry run changes nothing", Files.exists(agg.resolve("dt=2026-10-01")));

    assertEquals(
        err, 0, run("retention", "--config=" + config, "--now=2026-11-25", "--audit=" + audit));
    assertThat(out, containsString("aggregates dt=2026-10-01: deleted (1 files, 8 bytes)"));
    assertThat(out, containsString("aggregates dt=2026-11-17: deleted"));
    assertThat(
        out,
        containsString(
            "dead-letters dt=2026-11-01: moved (1 files, 8 bytes) -> "
                + cold.resolve("dt=2026-11-01")));
    assertThat(out, containsString("retention as of 2026-11-25: 3 partition(s) expired"));
    assertFalse(Files.exists(agg.resolve("dt=2026-10-01")));
    assertFalse(Files.exists(agg.resolve("dt=2026-11-17")));
    assertTrue(Files.exists(agg.resolve("dt=2026-11-18/hour=00/part-0.jsonl")));
    assertTrue("undated directories are never touched", Files.exists(agg.resolve("dt=not-a-date")));
    assertTrue(Files.exists(cold.resolve("dt=2026-11-01/hour=00/part-0.jsonl")));
    assertThat(Files.readString(audit), containsString("\"action\":\"moved\""));

    assertEquals(0, run("retention", "--config=" + config, "--now=2026-11-25"));
    assertThat("idempotent", out, containsString("0 partition(s) expired"));
  }

  /**
   * A dataset given as a URI goes through Beam FileSystems (as s3:// or gs:// would); file:// runs
   * it here.
   */
  @Test
  public void uriDatasetsGoThroughBeamFileSystems() throws Exception {
    Path agg = tmp.newFolder("fs-aggregates").toPath();
    Path dl = tmp.newFolder("fs-dead-letter").toPath();
    Path cold = tmp.getRoot().toPath().resolve("fs-cold");
    partition(agg, "2026-10-01");
    partition(agg, "2026-11-18");
    partition(dl, "2026-11-01");
    Files.createDirectories(agg.resolve("dt=not-a-date"));
    Files.writeString(agg.resolve("dt=not-a-date/x.jsonl"), "{}\n");
    Path config = tmp.newFile("fs-retention.json").toPath();
    Files.writeString(
        config,
        "{\"datasets\":["
            + "{\"name\":\"aggregates\",\"path\":\"file://"
            + agg
            + "\",\"keep\":\"7d\",\"action\":\"delete\"},"
            + "{\"name\":\"dead-letters\",\"path\":\"file://"
            + dl
            + "\",\"keep\":\"7d\",\"action\":\"move\",\"cold\":\"file://"
            + cold
            + "\"}]}");

    assertEquals(err, 0, run("retention", "--config=" + config, "--now=2026-11-25", "--dry-run"));
    assertThat(out, containsString("aggregates dt=2026-10-01: would delete (1 files, 8 bytes)"));
    assertTrue(Files.exists(agg.resolve("dt=2026-10-01/hour=00/part-0.jsonl")));

    assertEquals(err, 0, run("retention", "--config=" + config, "--now=2026-11-25"));
    assertThat(out, containsString("aggregates dt=2026-10-01: deleted (1 files, 8 bytes)"));
    assertThat(
        out,
        containsString(
            "dead-letters dt=2026-11-01: moved (1 files, 8 bytes) -> file://"
                + cold
                + "/dt=2026-11-01"));
    assertThat(out, containsString("retention as of 2026-11-25: 2 partition(s) expired"));
    assertFalse(Files.exists(agg.resolve("dt=2026-10-01/hour=00/part-0.jsonl")));
    assertTrue(Files.exists(agg.resolve("dt=2026-11-18/hour=00/part-0.jsonl")));
    assertTrue(Files.exists(agg.resolve("dt=not-a-date/x.jsonl")));
    assertFalse(Files.exists(dl.resolve("dt=2026-11-01/hour=00/part-0.jsonl")));
    assertEquals(
        "{\"x\":1}\n", Files.readString(cold.resolve("dt=2026-11-01/hour=00/part-0.jsonl")));

    assertEquals(0, run("retention", "--config=" + config, "--now=2026-11-25"));
    assertThat("idempotent", out, containsString("0 partition(s) expired"));
  }

  /**
   * Dead letters are named by run and shard, not dated: {@code "by": "modified"} expires each file
   * by its last-modified day, locally and through Beam FileSystems, and never a hidden (pending)
   * file.
   */
  @Test
  public void filesWithoutDatePartitionsExpireByTheirLastModifiedDay() throws Exception {
    for (boolean uri : new boolean[] {false, true}) {
      Path dl = tmp.newFolder("dl-" + uri).toPath();
      Path cold = tmp.getRoot().toPath().resolve("dl-cold-" + uri);
      Path old = dl.resolve("run-a/dead-letters-00000-of-00001.jsonl");
      Path keptDay = dl.resolve("run-b/dead-letters-00000-of-00001.jsonl");
      Path pending = dl.resolve("run-a/.tributary-pending-1");
      for (Path f : new Path[] {old, keptDay, pending}) {
        Files.createDirectories(f.getParent());
        Files.writeString(f, "{\"reason\":\"x\"}\n");
      }
      // today 2026-11-25, keep 7d: 2026-11-18 is kept, 2026-11-17 23:59 UTC is not
      setModified(old, "2026-11-17T23:59:00Z");
      setModified(keptDay, "2026-11-18T00:00:00Z");
      setModified(pending, "2026-10-01T00:00:00Z");
      Path config = tmp.newFile("dl-" + uri + ".json").toPath();
      String prefix = uri ? "file://" : "";
      Files.writeString(
          config,
          "{\"datasets\":[{\"name\":\"dead-letters\",\"path\":\""
              + prefix
              + dl
              + "\",\"keep\":\"7d\",\"by\":\"modified\",\"action\":\"move\",\"cold\":\""
              + prefix
              + cold
              + "\"}]}");

      assertEquals(err, 0, run("retention", "--config=" + config, "--now=2026-11-25", "--dry-run"));
      assertThat(
          out,
          containsString(
              "dead-letters run-a/dead-letters-00000-of-00001.jsonl: would move (1 files, 15 bytes)"));
      assertThat(out, containsString("0 partition(s) and 1 file(s) would expire (dry run)"));
      assertTrue(Files.exists(old));

      assertEquals(err, 0, run("retention", "--config=" + config, "--now=2026-11-25"));
      assertThat(out, containsString("0 partition(s) and 1 file(s) expired"));
      assertFalse(Files.exists(old));
      assertTrue(Files.exists(cold.resolve("run-a/dead-letters-00000-of-00001.jsonl")));
      assertTrue(Files.exists(keptDay));
      assertTrue("a pending file is never touched", Files.exists(pending));
    }
  }

  private static void setModified(Path f, String instant) throws Exception {
    Files.setLastModifiedTime(
        f, java.nio.file.attribute.FileTime.from(java.time.Instant.parse(instant)));
  }

  @Test
  public void badConfigIsOneLine() throws Exception {
    Path config = tmp.newFile("bad.json").toPath();
    Files.writeString(config, "{\"datasets\":[{\"name\":\"a\",\"path\":\"/x\",\"keep\":\"36h\"}]}");
    assertEquals(2, run("retention", "--config=" + config));
    assertEquals(
        "tributary: --config: dataset 'a': keep must be whole days for date partitions, e.g. 30d",
        err.strip());
    assertEquals(2, run("retention"));
    assertThat(err, containsString("--config=FILE is required"));
  }
}
