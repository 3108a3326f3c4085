package io.tributary.pipelines.ordersmart;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.io.jdbc.JdbcTarget;
import io.tributary.io.jdbc.PostgresUpsert;
import io.tributary.io.jdbc.testing.Postgres;
import io.tributary.pipelines.TestOptions;
import io.tributary.pipelines.Testdata;
import io.tributary.testing.TestRunners;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageGraph;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Outage drill of orders-mart's PostgreSQL load, on a real PostgreSQL server process of its own
 * ({@link Postgres#stoppable()}) and whichever runner this failsafe execution targets.
 *
 * <p>To land the outage mid-load for sure, the test holds a lock that a writer of the run must wait
 * for (a SHARE lock on {@code orders_history}; a row lock in a date of {@code
 * daily_category_revenue}) and stops the server ({@code pg_ctl stop -m fast}) only once {@code
 * pg_stat_activity} shows a {@code tributary} backend waiting for it inside its transaction, and
 * (first test) rows of the run are already committed.
 *
 * <ul>
 *   <li>Down for 15 s with the retries enough to ride it out: the run completes, the four tables
 *       hold exactly what an uninterrupted run writes (the golden mart, the golden counts, equal
 *       checksums), the lake is golden, {@code tributary/jdbc_retries} is above zero and the
 *       accounting balances.
 *   <li>Down for longer than the retries: the run fails with one line naming the table, and the
 *       date being replaced holds its old rows, not a part of the new ones.
 * </ul>
 *
 * <p>Every count is printed on a line starting {@code [OrdersMartPostgresOutageIT]}; see
 * docs/operations.md, "PostgreSQL outage".
 */
@RunWith(JUnit4.class)
public class OrdersMartPostgresOutageIT {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final String TAG = "[OrdersMartPostgresOutageIT] runner=" + TestRunners.current();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] TABLES = {
    "products", "orders", "orders_history", "daily_category_revenue"
  };
  private static final String MART_QUERY =
      "SELECT dt::text, category, orders, revenue::text FROM daily_category_revenue"
          + " ORDER BY dt, category";
  private static final long DOWN_SECONDS = 15;
  private static final long WAIT_SECONDS = 300;

  private static Postgres pg;

  /** Checksums of the four tables after an uninterrupted load: the golden tables. */
  private static Map<String, String> uninterrupted;

  /**
   * The database of that uninterrupted load: the first test to need it loads it, the other reuses
   * it (the first test only reads its checksums, the second replaces a date of it and checks that
   * nothing changed), so the class pays for one full load, not two.
   */
  private static JdbcTarget loaded;

  @BeforeClass
  public static void startServer() {
    pg = Postgres.stoppable();
  }

  @AfterClass
  public static void stopServer() {
    if (pg != null) {
      pg.close();
    }
  }

  /** A run in the background: its stage graph and the future of its result. */
  private static final class Run {
    final StageGraph graph;
    final long startNanos = System.nanoTime();
    final Future<PipelineResult> result;

    Run(Pipeline pipeline, ExecutorService executor) {
      this.graph = StageGraph.of(pipeline);
      this.result =
          executor.submit(
              () -> {
                PipelineResult r = pipeline.run();
                r.waitUntilFinish();
                return r;
              });
    }

    double seconds() {
      return (System.nanoTime() - startNanos) / 1e9;
    }
  }

  private static Pipeline pipeline(JdbcTarget db, Path orders, Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--orders=" + orders,
                "--products=" + Testdata.file("cdc/products.jsonl"),
                "--output=" + out,
                "--jdbcUrl=" + db.url(),
                "--jdbcUser=postgres",
                "--jdbcPassword=postgres"));
    args.addAll(List.of(extra));
    OrdersMartOptions o = TestOptions.of(OrdersMartOptions.class, args.toArray(new String[0]));
    Pipeline p = Pipeline.create(o);
    OrdersMartPipeline.build(p, o);
    return p;
  }

  private static PipelineResult runToEnd(Pipeline p) {
    PipelineResult r = p.run();
    r.waitUntilFinish();
    return r;
  }

  private static Connection connect(JdbcTarget db) throws SQLException {
    return DriverManager.getConnection(db.url(), "postgres", "postgres");
  }

  private static long scalar(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Rows committed so far per table (a table not created yet counts 0). */
  private static Map<String, Long> committed(JdbcTarget db) throws SQLException {
    Map<String, Long> counts = new LinkedHashMap<>();
    try (Connection c = connect(db)) {
      for (String t : TABLES) {
        boolean exists = scalar(c, "SELECT (to_regclass('" + t + "') IS NOT NULL)::int") == 1;
        counts.put(t, exists ? scalar(c, "SELECT count(*) FROM " + t) : 0L);
      }
    }
    return counts;
  }

  /** The query of a {@code tributary} backend waiting for a lock on {@code table}, or null. */
  private static String waitingWriter(Connection c, String table) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT left(query, 60) FROM pg_stat_activity WHERE application_name = 'tributary'"
                    + " AND wait_event_type = 'Lock' AND query ILIKE '%"
                    + table
                    + "%'")) {
      return rs.next() ? rs.getString(1).replaceAll("\\s+", " ") : null;
    }
  }

  private static void failIfOver(Run run, long deadline, String waitingFor) throws Exception {
    if (run.result.isDone()) {
      try {
        run.result.get();
        fail("the run finished before " + waitingFor);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new AssertionError("the run failed before " + waitingFor + ": " + e.getCause(), e);
      }
    }
    if (System.nanoTime() > deadline) {
      fail("timed out after " + WAIT_SECONDS + " s waiting for " + waitingFor);
    }
    Thread.sleep(20);
  }

  private static Map<String, String> checksums(JdbcTarget db) {
    Map<String, String> sums = new LinkedHashMap<>();
    for (String t : TABLES) {
      sums.put(t, pg.checksum(db, t));
    }
    return sums;
  }

  /** The mart as served, in the JSON lines of testdata/cdc/golden/mart.jsonl. */
  private static List<String> servedMart(JdbcTarget db) {
    List<String> mart = new ArrayList<>();
    for (String r : pg.rows(db, MART_QUERY)) {
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
    return mart;
  }

  /**
   * The database loaded by an uninterrupted run, whose table checksums are {@link #uninterrupted}
   * (one such run serves both tests).
   */
  private JdbcTarget loadedInFull() throws Exception {
    if (loaded == null) {
      JdbcTarget db = pg.freshDatabase();
      runToEnd(pipeline(db, Testdata.file("cdc/orders.jsonl"), tmp.newFolder("full").toPath()));
      assertEquals(Files.readAllLines(Testdata.file("cdc/golden/mart.jsonl")), servedMart(db));
      uninterrupted = checksums(db);
      loaded = db;
    }
    return loaded;
  }

  /** Stops the server, keeps it down {@code seconds}, starts it again; returns the downtime. */
  private static double outage(long seconds) throws InterruptedException {
    long t0 = System.nanoTime();
    pg.stop();
    Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
    pg.start();
    return (System.nanoTime() - t0) / 1e9;
  }

  @Test
  public void aRestartMidLoadIsRiddenOutWithExactlyTheGoldenRows() throws Exception {
    loadedInFull();
    Map<String, String> golden = uninterrupted;
    JsonNode expected = Testdata.manifest("cdc/expected.json");
    long goldenRows =
        expected.get("products").get("final_rows").asLong()
            + expected.get("orders").get("final_rows").asLong()
            + expected.get("history_rows").asLong()
            + expected.get("mart_rows").asLong();

    JdbcTarget db = pg.freshDatabase();
    Path out = tmp.newFolder("outage").toPath();
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      // Small batches: many transactions; 10 retries waiting 0.5 s doubling to 4 s: 31.5 s of
      // waiting, more than the 15 s the server is down.
      Run run =
          new Run(
              pipeline(
                  db,
                  Testdata.file("cdc/orders.jsonl"),
                  out,
                  "--jdbcBatchSize=20",
                  "--jdbcRetries=10",
                  "--jdbcRetryBackoff=500ms",
                  "--jdbcMaxRetryBackoff=4s"),
              executor);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      Map<String, Long> before;
      String waiting;
      try (Connection locker = connect(db)) {
        // As soon as the run has created orders_history, hold a SHARE lock on it: its writer
        // blocks inside its first transaction, while the other tables go on committing.
        while (scalar(locker, "SELECT (to_regclass('orders_history') IS NOT NULL)::int") == 0) {
          failIfOver(run, deadline, "the run to create orders_history");
        }
        locker.setAutoCommit(false);
        try (Statement st = locker.createStatement()) {
          st.execute("LOCK TABLE orders_history IN SHARE MODE");
        }
        try (Connection watcher = connect(db)) {
          while ((waiting = waitingWriter(watcher, "orders_history")) == null
              || committed(db).values().stream().mapToLong(Long::longValue).sum() == 0) {
            failIfOver(run, deadline, "a writer waiting on orders_history and rows committed");
          }
        }
        before = committed(db);
        System.out.printf(
            Locale.ROOT,
            "%s outage at +%.1f s of the run: committed %s (%d of %d golden rows),"
                + " writer waiting: %s%n",
            TAG,
            run.seconds(),
            before,
            before.values().stream().mapToLong(Long::longValue).sum(),
            goldenRows,
            waiting);
        // The server terminates the lock holder too.
        double down = outage(DOWN_SECONDS);
        System.out.printf(Locale.ROOT, "%s server down %.1f s (stop to restarted)%n", TAG, down);
      }
      long sum = before.values().stream().mapToLong(Long::longValue).sum();
      assertTrue("mid-load: some rows committed " + before, sum > 0);
      assertTrue("mid-load: not every row committed " + before, sum < goldenRows);

      PipelineResult result = run.result.get(WAIT_SECONDS, TimeUnit.SECONDS);
      Map<String, Long> counters = RunAccounting.counters(result);
      long retries = counters.getOrDefault(PostgresUpsert.RETRIES_COUNTER, 0L);
      RunAccounting accounting = RunAccounting.from(result, run.graph);
      Map<String, Long> after = committed(db);
      System.out.printf(
          Locale.ROOT,
          "%s completed in %.1f s: rows %s (%d), jdbc_retries=%d; %s%n",
          TAG,
          run.seconds(),
          after,
          after.values().stream().mapToLong(Long::longValue).sum(),
          retries,
          accounting.line());

      assertEquals(Files.readAllLines(Testdata.file("cdc/golden/mart.jsonl")), servedMart(db));
      assertEquals(
          expected.get("products").get("final_rows").asLong(), (long) after.get("products"));
      assertEquals(expected.get("orders").get("final_rows").asLong(), (long) after.get("orders"));
      assertEquals(expected.get("history_rows").asLong(), (long) after.get("orders_history"));
      assertEquals(golden, checksums(db));
      MartOutputs.assertGoldenLake(out);
      assertTrue("retries counted: " + counters, retries > 0);
      assertTrue(accounting.line(), accounting.balanced());
    } finally {
      executor.shutdownNow();
      pg.start(); // whatever happened, the next test gets a running server
    }
  }

  @Test
  public void exhaustedRetriesFailNamingTheTableAndLeaveNoPartialPartition() throws Exception {
    JdbcTarget db = loadedInFull();
    Path log = Testdata.file("cdc/orders.jsonl");
    List<String> old = pg.rows(db, MART_QUERY);
    String oldChecksum = pg.checksum(db, "daily_category_revenue");

    // A later change log deletes every order of the smallest (date, category): rebuilding that
    // date would drop its row, so the date's old and new content differ.
    JsonNode smallest = MartOutputs.smallestGoldenMartRow();
    String dt = smallest.get("dt").asText();
    String category = smallest.get("category").asText();
    List<String> changed = new ArrayList<>(Files.readAllLines(log));
    MartOutputs.appendDeletesOf(changed, dt, category);
    Path changedLog = tmp.newFile("orders-later.jsonl").toPath();
    Files.write(changedLog, changed);
    long oldRowsOfDate = old.stream().filter(r -> r.startsWith("dt=" + dt + "|")).count();

    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      // 2 retries waiting 200 ms then 400 ms: well within the time the server stays down.
      Run run =
          new Run(
              pipeline(
                  db,
                  changedLog,
                  tmp.newFolder("rebuild").toPath(),
                  "--partitions=" + dt,
                  "--jdbcRetries=2",
                  "--jdbcRetryBackoff=200ms",
                  "--jdbcMaxRetryBackoff=400ms"),
              executor);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      String waiting;
      try (Connection locker = connect(db)) {
        // Lock the date's last row: the replace's DELETE blocks on it inside its transaction.
        locker.setAutoCommit(false);
        try (Statement st = locker.createStatement()) {
          st.executeQuery(
                  "SELECT category FROM daily_category_revenue WHERE dt = '"
                      + dt
                      + "' ORDER BY category DESC LIMIT 1 FOR UPDATE")
              .close();
        }
        try (Connection watcher = connect(db)) {
          while ((waiting = waitingWriter(watcher, "daily_category_revenue")) == null) {
            failIfOver(run, deadline, "the replace of dt=" + dt + " to wait on the locked row");
          }
        }
        System.out.printf(
            Locale.ROOT,
            "%s outage at +%.1f s of the rebuild of dt=%s (%d old rows), writer waiting: %s%n",
            TAG,
            run.seconds(),
            dt,
            oldRowsOfDate,
            waiting);
        long t0 = System.nanoTime();
        pg.stop();
        Throwable failure = null;
        try {
          run.result.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
          failure = e.getCause();
        }
        double failedAfter = (System.nanoTime() - t0) / 1e9;
        pg.start();
        double down = (System.nanoTime() - t0) / 1e9;
        assertNotNull("the run must fail while the server is down", failure);
        String line = null;
        for (Throwable t = failure; t != null && line == null; t = t.getCause()) {
          String m = String.valueOf(t.getMessage());
          int at = m.indexOf("PostgreSQL table ");
          if (at >= 0 && m.contains("gave up after 2 retries")) {
            line = m.substring(at).split("\n", -1)[0];
          }
        }
        System.out.printf(
            Locale.ROOT,
            "%s run failed %.1f s after the stop, server down %.1f s: %s%n",
            TAG,
            failedAfter,
            down,
            line);
        assertNotNull("one line naming the table in " + failure, line);
      }
      List<String> now = pg.rows(db, MART_QUERY);
      long rowsOfDate = now.stream().filter(r -> r.startsWith("dt=" + dt + "|")).count();
      System.out.printf(
          Locale.ROOT,
          "%s after the failure dt=%s holds %d row(s) (old %d), table %d row(s) (old %d)%n",
          TAG,
          dt,
          rowsOfDate,
          oldRowsOfDate,
          now.size(),
          old.size());
      assertEquals("the date holds its old rows, no part of the new ones", old, now);
      assertEquals(oldChecksum, pg.checksum(db, "daily_category_revenue"));
    } finally {
      executor.shutdownNow();
      pg.start();
    }
  }
}
