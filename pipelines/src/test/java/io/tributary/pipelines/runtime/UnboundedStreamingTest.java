package io.tributary.pipelines.runtime;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.tributary.pipelines.spec.SpecJob;
import io.tributary.pipelines.spec.SpecOptions;
import io.tributary.pipelines.spec.SpecParser;
import io.tributary.pipelines.spec.StepCatalog;
import java.util.Map;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * A job that reads an unbounded source, sent to a remote Flink cluster without {@code
 * --streaming=true}, is submitted as a streaming job (detached) instead of the CLI waiting for a
 * job that never ends; a bounded one, or one run in this JVM, is left as it is. Builds only: no
 * broker and no cluster are contacted.
 */
@RunWith(JUnit4.class)
public class UnboundedStreamingTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static String spec(String kafkaExtra) {
    return "pipeline:\n"
        + "  transforms:\n"
        + "    - type: ReadKafka\n"
        + "      name: read\n"
        + "      config: {bootstrap_servers: \"127.0.0.1:1\", topic: clicks,"
        + " subject: clickstream-event, format: json"
        + kafkaExtra
        + "}\n"
        + "    - type: WriteJsonLines\n"
        + "      input: read\n"
        + "      config: {path: \"${output}/clean\"}\n";
  }

  private SpecOptions options(String master) throws Exception {
    PipelineOptionsFactory.register(SpecOptions.class);
    return PipelineOptionsFactory.fromArgs(
            "--runner=FlinkRunner", "--flinkMaster=" + master, "--output=" + tmp.newFolder())
        .as(SpecOptions.class);
  }

  private static SpecJob job(String text) {
    return SpecJob.of(SpecParser.parse("kafka.yaml", text), StepCatalog.load(), Map.of());
  }

  @Test
  public void anUnboundedJobOnAClusterBecomesStreamingAndIsSubmittedDetached() throws Exception {
    SpecOptions o = options("localhost:8081");
    assertFalse(PipelineRun.submitsDetached(o));
    assertTrue(PipelineRun.streamingIfUnbounded(job(spec("")), o));
    assertTrue(o.as(StreamingOptions.class).isStreaming());
    assertTrue(PipelineRun.submitsDetached(o));
  }

  @Test
  public void aBoundedReplayOrAnEmbeddedRunIsLeftAsItIs() throws Exception {
    SpecOptions bounded = options("localhost:8081");
    assertFalse(PipelineRun.streamingIfUnbounded(job(spec(", max_records: 10")), bounded));
    assertFalse(bounded.as(StreamingOptions.class).isStreaming());
    SpecOptions embedded = options("[local]");
    assertFalse(PipelineRun.streamingIfUnbounded(job(spec("")), embedded));
    assertEquals(false, embedded.as(StreamingOptions.class).isStreaming());
  }
}
