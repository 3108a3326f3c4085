package io.tributary.pipelines.clickstream;

import io.tributary.io.kafka.KafkaChecks;
import io.tributary.pipelines.options.SourceKind;
import io.tributary.pipelines.runtime.IoChecks;
import io.tributary.pipelines.runtime.PipelineDefinition;
import io.tributary.pipelines.runtime.UsageException;
import io.tributary.transforms.lineage.LineageDataset;
import io.tributary.transforms.metrics.RunAccounting;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The {@code clickstream} job as the command line runs it.
 *
 * <pre>{@code
 * tributary run clickstream --input=testdata/clickstream/sample.jsonl.gz --output=/tmp/out
 * PipelineDefinition job = new ClickstreamJob();
 * job.validate(options); // parses ClickstreamSettings.of(options) once
 * PipelineRun.run(job, options); // builds from the same settings
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

  /**
   * Parses the options into the run's {@link ClickstreamSettings} (a bad value: one line naming the
   * option), then checks what the environment must provide: the input, the keys, a writable output.
   */
  @Override
  public void validate(PipelineOptions options) throws UsageException {
    ClickstreamSettings s;
    try {
      s = ClickstreamSettings.of(options);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    if (s.source() == SourceKind.FILE) {
      IoChecks.requireInput("--input", s.input(), options);
    }
    if (s.source() == SourceKind.KAFKA) {
      try {
        KafkaChecks.requireTopics(
            "--bootstrapServers", s.bootstrapServers(), "--topic", List.of(s.topic()));
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
    }
    ClickstreamPrivacy.validate(s);
    IoChecks.requireWritableDirectory("--output", s.output());
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
    ClickstreamSettings s = ClickstreamSettings.of(options);
    return s.source() == SourceKind.WATCH && s.markers() != null;
  }

  @Override
  public String input(PipelineOptions options) {
    return ClickstreamSettings.of(options).inputName();
  }

  @Override
  public List<LineageDataset> lineageInputs(PipelineOptions options) {
    return List.of(ClickstreamLineage.input(ClickstreamSettings.of(options)));
  }

  @Override
  public List<LineageDataset> lineageInputsAfterRun(
      PipelineOptions options, RunAccounting accounting) throws java.io.IOException {
    return List.of(ClickstreamLineage.inputAfterRun(ClickstreamSettings.of(options)));
  }

  @Override
  public List<LineageDataset> lineageOutputs(PipelineOptions options) {
    return ClickstreamLineage.outputs(ClickstreamSettings.of(options));
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
    ClickstreamQuality.afterRun(ClickstreamSettings.of(options), options.getJobName());
  }

  @Override
  public void build(Pipeline pipeline, PipelineOptions options) {
    ClickstreamPipeline.build(pipeline, ClickstreamSettings.of(options));
  }
}
