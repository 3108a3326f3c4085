package io.tributary.pipelines.ordersmart;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;

import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.options.SourceKind;
import io.tributary.pipelines.runtime.UsageException;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** {@link OrdersMartSettings}: every bad option is one line naming it; one parse per run. */
@RunWith(JUnit4.class)
public class OrdersMartSettingsTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private OrdersMartOptions options(String... args) {
    List<String> all = new ArrayList<>();
    all.add("--orders=" + Testdata.file("cdc/orders.jsonl"));
    all.add("--products=" + Testdata.file("cdc/products.jsonl"));
    all.add("--output=" + tmp.getRoot());
    all.addAll(List.of(args));
    return PipelineOptionsFactory.fromArgs(all.toArray(new String[0])).as(OrdersMartOptions.class);
  }

  private String parseError(String... args) {
    String message =
        assertThrows(IllegalArgumentException.class, () -> OrdersMartSettings.of(options(args)))
            .getMessage();
    assertFalse("one line: " + message, message.contains("\n"));
    assertEquals(
        message,
        assertThrows(UsageException.class, () -> new OrdersMartJob().validate(options(args)))
            .getMessage());
    return message;
  }

  @Test
  public void eachBadOptionIsOneLineNamingIt() {
    assertEquals(
        "--partitions: expected dates YYYY-MM-DD, got '2026-13-01'",
        parseError("--partitions=2026-11-01,2026-13-01"));
    assertEquals(
        "--jdbcUrl: expected jdbc:postgresql://host:port/database, got 'jdbc:mysql://x/y'",
        parseError("--jdbcUrl=jdbc:mysql://x/y"));
    assertEquals("--source: expected file or kafka, got 'watch'", parseError("--source=watch"));
    assertEquals(
        "--bootstrapServers: required with --source=kafka",
        parseError("--source=kafka", "--ordersTopic=o", "--productsTopic=p"));
    assertEquals(
        "--productsTopic: required with --source=kafka",
        parseError("--source=kafka", "--bootstrapServers=b:9092", "--ordersTopic=o"));
    assertEquals(
        "--kafkaOffsets: topic 'x' is neither --ordersTopic (o) nor --productsTopic (p)",
        parseError(
            "--source=kafka",
            "--bootstrapServers=b:9092",
            "--ordersTopic=o",
            "--productsTopic=p",
            "--kafkaOffsets=o:0:0-10,x:0:0-5"));
    assertEquals(
        "--maxNestingDepth: expected a depth between 1 and 10000, got 0",
        parseError("--maxNestingDepth=0"));
    assertEquals("--jdbcRetries: must be >= 0, got -1", parseError("--jdbcRetries=-1"));
    assertEquals("--jdbcBatchSize: must be > 0, got 0", parseError("--jdbcBatchSize=0"));
    assertEquals(
        "--jdbcRetryBackoff: expected a duration like 500ms, 30s, 15m, 1h or 2d, got 'soon'",
        parseError("--jdbcRetryBackoff=soon"));
    assertEquals(
        "--jdbcMaxRetryBackoff: must be at least --jdbcRetryBackoff (2s), got '500ms'",
        parseError("--jdbcRetryBackoff=2s", "--jdbcMaxRetryBackoff=500ms"));
  }

  @Test
  public void postgresRetriesHaveDefaultsAndParse() {
    OrdersMartSettings defaults = OrdersMartSettings.of(options());
    assertEquals(500, defaults.jdbcBatchSize());
    assertEquals(8, defaults.jdbcRetries());
    assertEquals(200, defaults.jdbcRetryBackoffMillis());
    assertEquals(10_000, defaults.jdbcMaxRetryBackoffMillis());
    OrdersMartSettings s =
        OrdersMartSettings.of(
            options(
                "--jdbcBatchSize=20",
                "--jdbcRetries=0",
                "--jdbcRetryBackoff=1s",
                "--jdbcMaxRetryBackoff=1m"));
    assertEquals(20, s.jdbcBatchSize());
    assertEquals(0, s.jdbcRetries());
    assertEquals(1000, s.jdbcRetryBackoffMillis());
    assertEquals(60_000, s.jdbcMaxRetryBackoffMillis());
  }

  @Test
  public void oneParseUntilABackfillSetsTheNextDate() throws Exception {
    OrdersMartOptions o = options("--partitions=2026-11-01");
    OrdersMartSettings parsed = OrdersMartSettings.of(o);
    OrdersMartJob job = new OrdersMartJob();
    job.validate(o);
    job.lineageInputs(o);
    job.lineageOutputs(o);
    assertSame(parsed, OrdersMartSettings.of(o));
    assertEquals(SourceKind.FILE, parsed.source());
    assertEquals(List.of("2026-11-01"), parsed.partitions());

    job.setPartitions(o, List.of("2026-11-02"));
    OrdersMartSettings next = OrdersMartSettings.of(o);
    assertNotSame(parsed, next);
    assertEquals(List.of("2026-11-02"), next.partitions());
  }

  @Test
  public void givenKafkaOffsetsAreParsed() {
    OrdersMartSettings s =
        OrdersMartSettings.of(
            options(
                "--source=kafka",
                "--bootstrapServers=b:9092",
                "--ordersTopic=o",
                "--productsTopic=p",
                "--kafkaOffsets=o:0:0-10,p:0:0-5"));
    assertEquals(2, s.kafkaOffsets().size());
    assertEquals("o", s.kafkaOffsets().get(0).topic);
  }
}
