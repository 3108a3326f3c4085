package io.tributary.pipelines.runtime;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.transforms.lineage.LineageDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** The cost estimate's arithmetic with known inputs, and how prices are configured. */
@RunWith(JUnit4.class)
public class RunCostTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void estimateIsCpuHoursTimesPricePlusGbWrittenAndEgress() {
    // 7,200 CPU seconds = 2 vCPU-hours; 3e9 bytes written of which 1e9 to an object store
    RunCost cost =
        RunCost.of(
            7200.0,
            Map.of("file:/in", 5_000_000_000L),
            Map.of("file:/out", 2_000_000_000L, "gs://bucket:/out", 1_000_000_000L),
            1_000_000_000L,
            null,
            10,
            9);
    Pricing p = Pricing.of(0.05, 0.02, 0.09, "EUR");
    assertEquals(2.0, cost.vcpuHours(), 1e-12);
    assertEquals(0.10, cost.cpuCost(p), 1e-12);
    assertEquals(0.06, cost.storageCost(p), 1e-12);
    assertEquals(0.09, cost.egressCost(p), 1e-12);
    assertEquals(0.25, cost.total(p), 1e-12);
    assertEquals(5_000_000_000L, cost.totalBytesRead());
    assertEquals(3_000_000_000L, cost.totalBytesWritten());
    assertEquals(
        "cost: cpu 7200.0 s + stored 3.0 GB + egress 1.0 GB = 0.250000 EUR "
            + "(estimate at 0.05/vCPU-h, 0.02/GB stored, 0.09/GB egress; given prices)",
        cost.line(p));

    ObjectNode json = new ObjectMapper().createObjectNode();
    cost.toJson(json, p);
    assertEquals(0.25, json.at("/estimate/total").asDouble(), 1e-12);
    assertEquals(2_000_000_000L, json.at("/bytes_written_by_dataset/file:~1out").asLong());
    assertEquals(true, json.get("state_bytes").isNull());
  }

  @Test
  public void stateCountsAsStoredAndUnmeasuredCpuCostsNothing() {
    RunCost cost =
        RunCost.of(null, Map.of(), Map.of("file:/out", 500_000_000L), 0, 1_500_000_000L, 0, 0);
    Pricing p = Pricing.of(100, 1, 100, "USD");
    assertEquals(0.0, cost.cpuCost(p), 0.0);
    assertEquals(2.0, cost.storageCost(p), 1e-12);
    assertThat(
        cost.line(p),
        containsString(
            "cpu not measured + stored 500.0 MB + state 1.5 GB + egress 0 B = 2.000000 USD"));
  }

  @Test
  public void measuresLocalFilesAndDirectories() throws Exception {
    Path in = tmp.newFile("in.jsonl").toPath();
    Files.writeString(in, "x".repeat(1234));
    Path out = tmp.newFolder("out").toPath();
    Files.createDirectories(out.resolve("a/b"));
    Files.writeString(out.resolve("a/b/part-0"), "y".repeat(100));
    Files.writeString(out.resolve("part-1"), "z".repeat(11));
    RunCost cost =
        RunCost.measure(
            1.5,
            List.of(LineageDataset.file(in.toString()), LineageDataset.kafka("h:9092", "t")),
            List.of(LineageDataset.file(out.toString())),
            3,
            2);
    assertEquals(1234L, cost.totalBytesRead());
    assertEquals(111L, cost.totalBytesWritten());
    assertEquals(0L, cost.egressBytes());
    assertEquals(Map.of("file:" + in.toAbsolutePath(), 1234L), cost.bytesRead());
  }

  @Test
  public void pricesComeFromTheFileAndFlagsOverrideThem() throws Exception {
    Path file = tmp.newFile("pricing.json").toPath();
    Files.writeString(
        file, "{\"currency\": \"CHF\", \"pricePerVcpuHour\": 0.5, \"pricePerGbStored\": 0.25}");
    RunOptions o =
        PipelineOptionsFactory.fromArgs(
                "--pricing=" + file, "--pricePerGbStored=0.125", "--pricePerGbEgress=2")
            .as(RunOptions.class);
    Pricing p = Pricing.from(o);
    assertEquals("CHF", p.currency());
    assertEquals(0.5, p.perVcpuHour(), 0.0);
    assertEquals(0.125, p.perGbStored(), 0.0);
    assertEquals(2.0, p.perGbEgress(), 0.0);
    assertThat(p.source(), containsString("prices from " + file));
    assertThat(p.source(), containsString("overridden by --pricePer* options"));

    // Nothing given: the documented default list, never a cost of 0.
    Pricing defaults = Pricing.from(PipelineOptionsFactory.create().as(RunOptions.class));
    assertEquals(false, defaults.free());
    assertEquals(0.0504, defaults.perVcpuHour(), 0.0);
    assertEquals(0.023, defaults.perGbStored(), 0.0);
    assertEquals(0.09, defaults.perGbEgress(), 0.0);
    assertEquals("USD", defaults.currency());
    assertThat(defaults.source(), containsString("AWS us-east-1 on-demand, 2025"));
    Pricing cpuOnly =
        Pricing.from(
            PipelineOptionsFactory.fromArgs("--pricePerVcpuHour=0.1").as(RunOptions.class));
    assertEquals(0.1, cpuOnly.perVcpuHour(), 0.0);
    assertEquals("the rest stays the default list", 0.023, cpuOnly.perGbStored(), 0.0);
  }

  @Test
  public void badPricesNameTheOptionOrField() throws Exception {
    assertThat(
        assertThrows(
                UsageException.class,
                () ->
                    Pricing.from(
                        PipelineOptionsFactory.fromArgs("--pricePerVcpuHour=-1")
                            .as(RunOptions.class)))
            .getMessage(),
        containsString("--pricePerVcpuHour: expected a price >= 0, got -1.0"));
    assertThat(
        assertThrows(
                UsageException.class,
                () ->
                    Pricing.from(
                        PipelineOptionsFactory.fromArgs("--pricing=/no/such/pricing.json")
                            .as(RunOptions.class)))
            .getMessage(),
        containsString("--pricing: no pricing file '/no/such/pricing.json'"));
    Path file = tmp.newFile("bad.json").toPath();
    Files.writeString(file, "{\"pricePerCpu\": 1}");
    assertThat(
        assertThrows(
                UsageException.class,
                () ->
                    Pricing.from(
                        PipelineOptionsFactory.fromArgs("--pricing=" + file).as(RunOptions.class)))
            .getMessage(),
        containsString("unknown field 'pricePerCpu'"));
    Files.writeString(file, "{\"pricePerGbEgress\": \"cheap\"}");
    assertThat(
        assertThrows(
                UsageException.class,
                () ->
                    Pricing.from(
                        PipelineOptionsFactory.fromArgs("--pricing=" + file).as(RunOptions.class)))
            .getMessage(),
        containsString("field 'pricePerGbEgress'"));
  }
}
