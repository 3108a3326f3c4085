package io.tributary.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Files a job reads with {@code --source=file|watch}: the pattern and their format.
 *
 * <pre>{@code
 * tributary run clickstream --input=testdata/clickstream/sample.jsonl.gz --format=jsonl ...
 * }</pre>
 */
@Description("File input (--source=file|watch)")
public interface FileInputOptions extends PipelineOptions {
  @Description("Input file or glob for --source=file|watch (gzip detected by the .gz suffix).")
  String getInput();

  void setInput(String value);

  @Description("File format for --source=file|watch: jsonl, csv, avro or parquet.")
  @Default.String("jsonl")
  String getFormat();

  void setFormat(String value);
}
