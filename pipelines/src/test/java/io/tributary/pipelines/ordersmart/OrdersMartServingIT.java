package io.tributary.pipelines.ordersmart;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.io.jdbc.JdbcTarget;
import io.tributary.io.jdbc.testing.Postgres;
import io.tributary.pipelines.TestOptions;
import io.tributary.pipelines.Testdata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The served mart in a real PostgreSQL server, on whichever runner this failsafe execution targets:
 * when the change log later deletes every order of one (date, category) and that date is rebuilt
 * with {@code --partitions}, the row disappears from {@code daily_category_revenue} (an upsert
 * would have left it there, stale); the other dates are untouched; rebuilding again changes
 * nothing.
 */
@RunWith(JUnit4.class)
public class OrdersMartServingIT {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MART_QUERY =
      "SELECT dt::text, category, orders, revenue::text FROM daily_category_revenue ORDER BY dt, category";

  private static void run(JdbcTarget db, Path orders, Path out, String partitions) {
    OrdersMartOptions o =
        TestOptions.of(
            OrdersMartOptions.class,
            "--orders=" + orders,
            "--products=" + Testdata.file("cdc/products.jsonl"),
            "--output=" + out,
            "--jdbcUrl=" + db.url(),
            "--jdbcUser=postgres",
            "--jdbcPassword=postgres",
            "--partitions=" + partitions);
    Pipeline p = Pipeline.create(o);
    OrdersMartPipeline.build(p, o);
    p.run().waitUntilFinish();
  }

  @Test
  public void aRebuiltDateDropsMartRowsItNoLongerHas() throws Exception {
    JdbcTarget db = Postgres.server().freshDatabase();
    Path sample = Testdata.file("cdc/orders.jsonl");
    run(db, sample, tmp.newFolder("full").toPath(), "");
    List<String> before = Postgres.server().rows(db, MART_QUERY);
    assertEquals(Files.readAllLines(Testdata.file("cdc/golden/mart.jsonl")).size(), before.size());

    // The (date, category) with the fewest live orders; its orders are deleted later in the log.
    JsonNode smallest = MartOutputs.smallestGoldenMartRow();
    String dt = smallest.get("dt").asText();
    String category = smallest.get("category").asText();
    List<String> changed = new ArrayList<>(Files.readAllLines(sample));
    int deleted = MartOutputs.appendDeletesOf(changed, dt, category);
    assertEquals(smallest.get("orders").asLong(), deleted);
    Path changedLog = tmp.newFile("orders-later.jsonl").toPath();
    Files.write(changedLog, changed);

    run(db, changedLog, tmp.newFolder("rebuild").toPath(), dt);
    List<String> after = Postgres.server().rows(db, MART_QUERY);
    String gone = "dt=" + dt + "|category=" + category + "|";
    assertTrue(before.stream().anyMatch(r -> r.startsWith(gone)));
    assertFalse(after.toString(), after.stream().anyMatch(r -> r.startsWith(gone)));
    List<String> expected = new ArrayList<>(before);
    expected.removeIf(r -> r.startsWith(gone));
    assertEquals(expected, after);

    String checksum = Postgres.server().checksum(db, "daily_category_revenue");
    run(db, changedLog, tmp.newFolder("again").toPath(), dt);
    assertEquals(checksum, Postgres.server().checksum(db, "daily_category_revenue"));
  }
}
