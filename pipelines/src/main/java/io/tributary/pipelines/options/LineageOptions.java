package io.tributary.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Where a run's OpenLineage events go ({@code --lineage}) and their namespace.
 *
 * <pre>{@code
 * tributary run clickstream ... --lineage=http://localhost:5000   # a Marquez endpoint
 * tributary run clickstream ... --lineage=none
 * }</pre>
 */
@Description("Lineage")
public interface LineageOptions extends PipelineOptions {
  @Description(
      "OpenLineage events: file:<path>, http(s)://host:port (Marquez API), or none. "
          + "Default: file:<output>/_openlineage.jsonl")
  @Default.String("")
  String getLineage();

  void setLineage(String value);

  @Description("OpenLineage job namespace.")
  @Default.String("tributary")
  String getLineageNamespace();

  void setLineageNamespace(String value);

  @Description(
      "OpenLineage job name. Default: the pipeline's name plus a key of its inputs, e.g. "
          + "clickstream.small.jsonl-3f9a1c, so runs of one pipeline over different inputs are "
          + "different jobs in the lineage; give a name to keep one job across inputs.")
  @Default.String("")
  String getLineageJob();

  void setLineageJob(String value);
}
