package io.tributary.pipelines.runtime;

import static org.junit.Assert.assertEquals;

import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@code --fasterCopy} and checkpoints do not mix: Beam's serializer then returns live state from
 * {@code copy()}, which Flink's heap backend relies on to keep a snapshot apart from later changes
 * (a kill -9 drill counted 2,003 events in a window of 2,000; docs/operations.md).
 */
@RunWith(JUnit4.class)
public class SafeCopiesTest {
  @Test
  public void fasterCopyIsTurnedOffOnlyWhenAFlinkJobCheckpoints() {
    FlinkPipelineOptions checkpointing = flink(true, 10_000L);
    PipelineRun.safeCopies(checkpointing);
    assertEquals(false, checkpointing.getFasterCopy());

    FlinkPipelineOptions noCheckpoints = flink(true, -1L);
    PipelineRun.safeCopies(noCheckpoints);
    assertEquals("no snapshot to corrupt", true, noCheckpoints.getFasterCopy());

    FlinkPipelineOptions direct = flink(true, 10_000L);
    direct.setRunner(DirectRunner.class);
    PipelineRun.safeCopies(direct);
    assertEquals("other runners ignore Flink's options", true, direct.getFasterCopy());
  }

  private static FlinkPipelineOptions flink(boolean fasterCopy, long interval) {
    FlinkPipelineOptions o = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
    o.setRunner(FlinkRunner.class);
    o.setFasterCopy(fasterCopy);
    o.setCheckpointingInterval(interval);
    return o;
  }
}
