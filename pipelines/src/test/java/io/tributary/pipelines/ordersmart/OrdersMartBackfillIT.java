package io.tributary.pipelines.ordersmart;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;

import io.tributary.io.jdbc.JdbcTarget;
import io.tributary.io.jdbc.testing.Postgres;
import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.cli.Tributary;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@code tributary backfill orders-mart} against a real PostgreSQL server: the golden state and
 * mart land in PostgreSQL; a second backfill skips everything; a forced one rewrites byte-identical
 * lake partitions and identical tables; a backfill killed (SIGKILL) after its first partition and
 * run again ends identical to an uninterrupted one.
 */
@RunWith(JUnit4.class)
public class OrdersMartBackfillIT {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  static final String[] TABLES = {"products", "orders", "orders_history", "daily_category_revenue"};
  String out;

  private List<String> args(Path output, JdbcTarget db, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "backfill",
                "orders-mart",
                "--from=2026-11-01",
                "--to=2026-11-04",
                "--profile=flink-local",
                "--orders=" + Testdata.file("cdc/orders.jsonl"),
                "--products=" + Testdata.file("cdc/products.jsonl"),
                "--output=" + output,
                "--jdbcUrl=" + db.url(),
                "--jdbcUser=postgres",
                "--jdbcPassword=postgres"));
    for (String e : extra) {
      // A range of its own (--from=, --to=) replaces the default one.
      int eq = e.indexOf('=');
      if (eq > 0) {
        String option = e.substring(0, eq + 1);
        args.removeIf(a -> a.startsWith(option));
      }
      args.add(e);
    }
    return args;
  }

  private int backfill(Path output, JdbcTarget db, String... extra) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int code =
        Tributary.run(
            args(output, db, extra).toArray(new String[0]),
            new PrintStream(o, true, StandardCharsets.UTF_8),
            new PrintStream(e, true, StandardCharsets.UTF_8));
    out = o.toString(StandardCharsets.UTF_8) + e.toString(StandardCharsets.UTF_8);
    System.out.println(out);
    return code;
  }

  private static Map<String, String> tableChecksums(JdbcTarget db) {
    Map<String, String> sums = new TreeMap<>();
    for (String t : TABLES) {
      sums.put(t, Postgres.server().checksum(db, t));
    }
    return sums;
  }

  // The range ends on 2026-11-04: orders are created until 11-03, but history versions (an order
  // shipped or deleted the next day) reach into 11-04, and history is partitioned by valid_from.
  @Test
  public void backfillIsIdempotentAndResumesAfterAKill() throws Exception {
    Path a = tmp.newFolder("a").toPath();
    JdbcTarget dbA = Postgres.server().freshDatabase();
    assertEquals(out, 0, backfill(a, dbA));
    assertThat(out, containsString("[1/4] dt=2026-11-01 done"));
    assertThat(out, containsString("[4/4] dt=2026-11-04 done"));

    // The golden mart and final state, as served by PostgreSQL.
    List<String> mart = new ArrayList<>();
    for (String r :
        Postgres.server()
            .rows(
                dbA,
                "SELECT dt::text, category, orders, revenue::text FROM daily_category_revenue ORDER BY dt, category")) {
      String[] f = r.split("\\|", -1);
      mart.add(
          "{\"dt\":\""
              + f[0].split("=", -1)[1]
              + "\",\"category\":\""
              + f[1].split("=", -1)[1]
              + "\",\"orders\":"
              + f[2].split("=", -1)[1]
              + ",\"revenue\":"
              + f[3].split("=", -1)[1]
              + "}");
    }
    assertEquals(Files.readAllLines(Testdata.file("cdc/golden/mart.jsonl")), mart);
    long liveOrders =
        Testdata.manifest("cdc/expected.json").get("orders").get("final_rows").asLong();
    assertEquals(
        List.of("count=" + liveOrders), Postgres.server().rows(dbA, "SELECT count(*) FROM orders"));
    assertEquals(
        List.of("count=" + Testdata.manifest("cdc/expected.json").get("history_rows").asLong()),
        Postgres.server().rows(dbA, "SELECT count(*) FROM orders_history"));
    Map<String, String> tablesA = tableChecksums(dbA);
    Map<String, String> lakeA = MartOutputs.checksums(a.resolve("lake"));

    // Same backfill again: every partition is complete for the same input.
    assertEquals(out, 0, backfill(a, dbA));
    assertThat(out, containsString("0 built, 4 skipped"));
    // Forced, on one partition inside the range (each partition is its own embedded run, so one
    // shows what four would): rebuilt, nothing duplicated, every table and lake file identical.
    assertEquals(out, 0, backfill(a, dbA, "--force", "--from=2026-11-02", "--to=2026-11-02"));
    assertThat(out, containsString("1 built, 0 skipped"));
    assertEquals(tablesA, tableChecksums(dbA));
    assertEquals(lakeA, MartOutputs.checksums(a.resolve("lake")));

    // Killed after the first partition, then resumed.
    Path b = tmp.newFolder("b").toPath();
    JdbcTarget dbB = Postgres.server().freshDatabase();
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Tributary.class.getName()));
    command.addAll(args(b, dbB));
    Path killedLog = tmp.newFile("killed.log").toPath();
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(killedLog.toFile())
            .start();
    Path firstDone = b.resolve("lake/daily_category_revenue/dt=2026-11-01/_SUCCESS");
    // Generous: on a busy machine one partition's embedded Flink run has taken minutes.
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
    while (!Files.exists(firstDone) && System.nanoTime() < deadline && p.isAlive()) {
      Thread.sleep(100);
    }
    if (!Files.exists(firstDone)) {
      String status =
          p.isAlive() ? "still running after 8 min" : "the backfill exited " + p.exitValue();
      p.destroyForcibly().waitFor();
      List<String> log = Files.readAllLines(killedLog);
      throw new AssertionError(
          "the first partition did not finish before the kill ("
              + status
              + "); its output ends:\n"
              + String.join("\n", log.subList(Math.max(0, log.size() - 30), log.size())));
    }
    p.destroyForcibly().waitFor();
    assertEquals(out, 0, backfill(b, dbB));
    assertThat(out, containsString("dt=2026-11-04 done"));
    assertEquals(tablesA, tableChecksums(dbB));
    assertEquals(lakeA, MartOutputs.checksums(b.resolve("lake")));
  }
}
