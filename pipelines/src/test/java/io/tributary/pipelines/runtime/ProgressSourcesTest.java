package io.tributary.pipelines.runtime;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;

import io.tributary.io.deadletter.DeadLetterFiles;
import io.tributary.io.files.FileSource;
import io.tributary.io.formats.FileFormat;
import io.tributary.io.formats.ReadRows;
import io.tributary.io.formats.WriteRows;
import io.tributary.io.schema.RegisteredSchema;
import io.tributary.io.schema.SchemaRegistry;
import io.tributary.pipelines.TestOptions;
import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.clickstream.ClickstreamOptions;
import io.tributary.pipelines.clickstream.ClickstreamPipeline;
import io.tributary.pipelines.ordersmart.OrdersMartOptions;
import io.tributary.pipelines.ordersmart.OrdersMartPipeline;
import io.tributary.transforms.metrics.LiveMetrics;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageGraph;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The live progress line shows the true read count for every kind of source: it adds up the stages'
 * counters from the in-JVM mirror every stage counts into, so a source that counted through another
 * factory would show {@code read 0} here. Each run is on the runner of this execution (Direct,
 * embedded Flink); Kafka is in {@code ClickstreamKafkaIT}.
 */
@RunWith(JUnit4.class)
public class ProgressSourcesTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final Path SMALL = Testdata.file("clickstream/small.jsonl");

  /** Rows of small.jsonl that decode against the contract (1000 lines, 5 undecodable). */
  private static final long SMALL_DECODABLE = 995;

  private static <T extends PipelineOptions> T options(Class<T> kind, String... args) {
    return TestOptions.of(kind, args);
  }

  /** Writes the decodable rows of small.jsonl as {@code format} files; returns their glob. */
  private String small(FileFormat format) throws Exception {
    Path dir = tmp.newFolder(format.name().toLowerCase(Locale.ROOT)).toPath();
    RegisteredSchema contract = SchemaRegistry.bundled().latest("clickstream-event");
    // Input for the test, not under test: the Direct runner's per-bundle checks only cost here.
    Pipeline p =
        Pipeline.create(
            PipelineOptionsFactory.fromArgs(
                    "--enforceImmutability=false", "--enforceEncodability=false")
                .create());
    BadRecordErrorHandler<?> dead =
        p.registerBadRecordErrorHandler(DeadLetterFiles.to(tmp.newFolder().toString()));
    p.apply(FileSource.glob(SMALL.toString()))
        .apply(ReadRows.of(FileFormat.JSONL, contract).withBadRecordErrorHandler(dead))
        .apply(WriteRows.to(dir.toString(), format, contract));
    dead.close();
    p.run().waitUntilFinish();
    return dir + "/*";
  }

  /** Runs {@code pipeline}; returns the progress line's snapshot and the run's accounting. */
  private static Map.Entry<Progress.Snapshot, RunAccounting> run(Pipeline pipeline) {
    StageGraph graph = StageGraph.of(pipeline);
    Map<String, Long> baseline = LiveMetrics.snapshot();
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    return Map.entry(Progress.fromLive(baseline, graph), RunAccounting.from(result, graph));
  }

  private void assertClickstreamProgress(String input, String format, long expectedRead)
      throws Exception {
    ClickstreamOptions o =
        options(
            ClickstreamOptions.class,
            "--input=" + input,
            "--format=" + format,
            "--output=" + tmp.newFolder());
    Pipeline p = Pipeline.create(o);
    ClickstreamPipeline.build(p, o);
    Map.Entry<Progress.Snapshot, RunAccounting> r = run(p);
    Progress.Snapshot live = r.getKey();
    RunAccounting accounting = r.getValue();
    assertEquals(format + ": " + accounting.line(), expectedRead, accounting.read());
    assertEquals(format + " progress read", expectedRead, live.read);
    assertEquals(format + " progress written", accounting.written(), live.written);
    assertEquals(format + " progress dead-lettered", accounting.deadLettered(), live.deadLettered);
    String line = Progress.format("clickstream", 10_000, null, 0, live, System.currentTimeMillis());
    assertThat(line, containsString(String.format(Locale.ROOT, "read %,d (", expectedRead)));
  }

  @Test
  public void jsonLinesFile() throws Exception {
    assertClickstreamProgress(SMALL.toString(), "jsonl", 1000);
  }

  @Test
  public void csvFiles() throws Exception {
    assertClickstreamProgress(small(FileFormat.CSV), "csv", SMALL_DECODABLE);
  }

  @Test
  public void avroFiles() throws Exception {
    assertClickstreamProgress(small(FileFormat.AVRO), "avro", SMALL_DECODABLE);
  }

  @Test
  public void parquetFiles() throws Exception {
    assertClickstreamProgress(small(FileFormat.PARQUET), "parquet", SMALL_DECODABLE);
  }

  /** Plain lines (orders-mart's change files, read by ReadLines). */
  @Test
  public void lineFiles() throws Exception {
    Path products = Testdata.file("cdc/products.jsonl");
    // The first 80 of the 609 order changes: the count is what is checked, and the Direct runner
    // pays per key and window.
    Path orders = tmp.newFile("orders.jsonl").toPath();
    Files.write(orders, Files.readAllLines(Testdata.file("cdc/orders.jsonl")).subList(0, 80));
    long lines = lines(products) + lines(orders);
    OrdersMartOptions o =
        options(
            OrdersMartOptions.class,
            "--products=" + products,
            "--orders=" + orders,
            "--output=" + tmp.newFolder());
    Pipeline p = Pipeline.create(o);
    OrdersMartPipeline.build(p, o);
    Map.Entry<Progress.Snapshot, RunAccounting> r = run(p);
    assertEquals(r.getValue().line(), lines, r.getValue().read());
    assertEquals(lines, r.getKey().read);
    assertEquals(r.getValue().written(), r.getKey().written);
  }

  private static long lines(Path file) throws Exception {
    List<String> all = new ArrayList<>(Files.readAllLines(file, StandardCharsets.ISO_8859_1));
    return all.size();
  }
}
