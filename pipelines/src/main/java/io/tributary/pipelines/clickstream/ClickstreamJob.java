package io.tributary.pipelines.clickstream;

import io.tributary.pipelines.runtime.IoChecks;
import io.tributary.pipelines.runtime.PipelineDefinition;
import io.tributary.pipelines.runtime.UsageException;
import io.tributary.transforms.lineage.LineageDataset;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.time.Durations;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The {@code clickstream} job as the command line runs it.
 *
 * <pre>{@code
 * tributary run clickstream --input=testdata/clickstream/sample.jsonl.gz --output=/tmp/out
 * }</pre>
 */
public final class ClickstreamJob implements PipelineDefinition {
  @Override
  public String name() {
    return "clickstream";
  }

  @Override
  public String summary() {
    return "JSON-lines clickstream -> decode, validate, dedup, hourly event-time aggregates + dead letters";
  }

  @Override
  public Class<? extends PipelineOptions> optionsClass() {
    return ClickstreamOptions.class;
  }

  @Override
  public void validate(PipelineOptions options) throws UsageException {
    ClickstreamOptions o = options.as(ClickstreamOptions.class);
    try {
      ClickstreamPipeline.windowSpec(o.getWindow());
      Durations.parse(o.getDedupTtl(), "--dedupTtl");
      ClickstreamPipeline.limits(o);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    String source = o.getSource();
    try {
      if ("kafka".equals(source)) {
        if (o.getBootstrapServers() == null || o.getTopic() == null) {
          throw new UsageException("--source=kafka: --bootstrapServers and --topic are required");
        }
        io.tributary.io.kafka.PayloadFormat.parse(o.getPayloadFormat());
        if (!"held".equals(o.getKafkaWatermark())) {
          Durations.parse(o.getKafkaWatermark(), "--kafkaWatermark");
        }
      } else if ("file".equals(source)) {
        IoChecks.requireInput("--input", o.getInput(), options);
      } else if ("watch".equals(source)) {
        if (o.getInput() == null || o.getInput().isBlank()) {
          throw new UsageException(
              "--input: required for --source=watch; expected a file pattern such as /data/in/*.jsonl");
        }
        Durations.parse(o.getPollInterval(), "--pollInterval");
        if (o.getStopAfterIdle() != null) {
          Durations.parse(o.getStopAfterIdle(), "--stopAfterIdle");
        }
        ClickstreamPipeline.watermarkPolicy(o.getWatchWatermark());
      } else {
        throw new UsageException("--source: expected file, watch or kafka, got '" + source + "'");
      }
      if (!"kafka".equals(source)) {
        io.tributary.io.formats.FileFormat.parse(o.getFormat());
      }
      if (o.getSinkTopic() != null) {
        if (o.getBootstrapServers() == null) {
          throw new UsageException("--sinkTopic: --bootstrapServers is required");
        }
        if (o.getSinkShards() == null || o.getSinkShards() < 1) {
          throw new UsageException(
              "--sinkShards: expected a number >= 1, got " + o.getSinkShards());
        }
        io.tributary.io.kafka.PayloadFormat.parse(o.getPayloadFormat());
      }
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    ClickstreamQuality.validate(o);
    ClickstreamPrivacy.validate(o);
    IoChecks.requireWritableDirectory("--output", o.getOutput());
  }

  @Override
  public String outputDirectory(PipelineOptions options) {
    return options.as(ClickstreamOptions.class).getOutput();
  }

  /**
   * A watched directory with processed-file markers continues where an earlier run stopped (its
   * markers say which files that run took), so it writes beside that run's outputs on purpose.
   */
  @Override
  public boolean continuesEarlierRun(PipelineOptions options) {
    ClickstreamOptions o = options.as(ClickstreamOptions.class);
    return "watch".equals(o.getSource()) && o.getMarkers() != null;
  }

  @Override
  public String input(PipelineOptions options) {
    ClickstreamOptions o = options.as(ClickstreamOptions.class);
    return "kafka".equals(o.getSource())
        ? "kafka://" + o.getBootstrapServers() + "/" + o.getTopic()
        : o.getInput();
  }

  @Override
  public List<LineageDataset> lineageInputs(PipelineOptions options) {
    return List.of(ClickstreamLineage.input(options.as(ClickstreamOptions.class)));
  }

  @Override
  public List<LineageDataset> lineageInputsAfterRun(
      PipelineOptions options, RunAccounting accounting) throws java.io.IOException {
    return List.of(ClickstreamLineage.inputAfterRun(options.as(ClickstreamOptions.class)));
  }

  @Override
  public List<LineageDataset> lineageOutputs(PipelineOptions options) {
    return ClickstreamLineage.outputs(options.as(ClickstreamOptions.class));
  }

  @Override
  public Map<LineageDataset, Long> outputRowCounts(
      PipelineOptions options, RunAccounting accounting) {
    return Map.of(
        LineageDataset.file(ClickstreamPipeline.deadLetterDir(outputDirectory(options))),
        accounting.deadLettered());
  }

  @Override
  public void afterRun(PipelineOptions options, org.apache.beam.sdk.PipelineResult result)
      throws java.io.IOException {
    ClickstreamQuality.afterRun(options.as(ClickstreamOptions.class));
  }

  @Override
  public void build(Pipeline pipeline, PipelineOptions options) {
    ClickstreamPipeline.build(pipeline, options.as(ClickstreamOptions.class));
  }
}
