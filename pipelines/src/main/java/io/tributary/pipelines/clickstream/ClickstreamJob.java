package io.tributary.pipelines.clickstream;

import io.tributary.pipelines.runtime.IoChecks;
import io.tributary.pipelines.runtime.PipelineDefinition;
import io.tributary.pipelines.runtime.UsageException;
import io.tributary.transforms.time.Durations;
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
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    IoChecks.requireInput("--input", o.getInput(), options);
    IoChecks.requireWritableDirectory("--output", o.getOutput());
  }

  @Override
  public String outputDirectory(PipelineOptions options) {
    return options.as(ClickstreamOptions.class).getOutput();
  }

  @Override
  public String input(PipelineOptions options) {
    return options.as(ClickstreamOptions.class).getInput();
  }

  @Override
  public void build(Pipeline pipeline, PipelineOptions options) {
    ClickstreamPipeline.build(pipeline, options.as(ClickstreamOptions.class));
  }
}
