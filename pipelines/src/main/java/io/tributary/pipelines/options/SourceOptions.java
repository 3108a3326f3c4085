package io.tributary.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Where a job's records come from ({@code --source}); {@link SourceKind#parse} reads it.
 *
 * <pre>{@code
 * tributary run clickstream --source=kafka --bootstrapServers=localhost:9092 --topic=clicks ...
 * SourceKind kind = SourceKind.parse(options.as(SourceOptions.class).getSource(),
 *     SourceKind.FILE, SourceKind.KAFKA);
 * }</pre>
 */
@Description("Source")
public interface SourceOptions extends PipelineOptions {
  @Description(
      "Where records come from: file (read the input files once), watch (poll the input for new "
          + "files; clickstream) or kafka (read topics).")
  @Default.String("file")
  String getSource();

  void setSource(String value);
}
