package io.tributary.pipelines.erasure;

import io.tributary.pipelines.runtime.IoChecks;
import io.tributary.pipelines.runtime.PipelineDefinition;
import io.tributary.pipelines.runtime.UsageException;
import io.tributary.transforms.lineage.LineageDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The {@code erasure} job as the command line runs it.
 *
 * <pre>{@code
 * tributary run erasure --requests=requests.jsonl --config=erasure.json --output=/tmp/erasure \
 *     --keyset=file:/etc/tributary/keyset.json --subjectKeys=/var/lib/tributary/subject-keys \
 *     --jdbcUrl=jdbc:postgresql://localhost:5432/shop
 * PipelineDefinition job = new ErasureJob();
 * job.validate(options); // parses ErasureSettings.of(options) once
 * }</pre>
 */
public final class ErasureJob implements PipelineDefinition {
  @Override
  public String name() {
    return "erasure";
  }

  @Override
  public String summary() {
    return "deletion requests -> subject keys destroyed, rows removed/rewritten in tables, lake and dead letters, audit log";
  }

  @Override
  public Class<? extends PipelineOptions> optionsClass() {
    return ErasureOptions.class;
  }

  /**
   * Parses the options into the run's {@link ErasureSettings} (a bad value: one line naming the
   * option), then checks what the environment must provide: the request file, the keys, the subject
   * key store, a writable output.
   */
  @Override
  public void validate(PipelineOptions options) throws UsageException {
    ErasureSettings s;
    try {
      s = ErasureSettings.of(options);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    if (s.requests() != null) {
      IoChecks.requireInput("--requests", s.requests(), options);
    }
    if (s.subjectKeys() != null
        && !s.subjectKeys().startsWith("jdbc:postgresql:")
        && !Files.isDirectory(Path.of(s.subjectKeys()))) {
      throw new UsageException(
          "--subjectKeys: '"
              + s.subjectKeys()
              + "' is not a directory (or a jdbc:postgresql://host:port/db URL of a key table)");
    }
    IoChecks.requireWritableDirectory("--output", s.output());
  }

  @Override
  public String outputDirectory(PipelineOptions options) {
    return options.as(ErasureOptions.class).getOutput();
  }

  /**
   * The files one erasure run writes whole: its dead letters and its summary. The datasets it
   * erases from are rewritten in place by design, its audit log is append-only across runs (a
   * repeated request is audited as such), and its output directory may hold the erasure config, so
   * only these count as an earlier run's outputs.
   */
  @Override
  public List<String> runOutputs(PipelineOptions options) {
    ErasureOptions o = options.as(ErasureOptions.class);
    return List.of(
        Path.of(o.getOutput(), "dead-letter").toString(),
        Path.of(o.getOutput(), "_run_summary.json").toString(),
        Path.of(o.getOutput(), "_run_report.html").toString());
  }

  @Override
  public String input(PipelineOptions options) {
    ErasureOptions o = options.as(ErasureOptions.class);
    return o.getRequests() != null
        ? o.getRequests()
        : "kafka://" + o.getBootstrapServers() + "/" + o.getRequestsTopic();
  }

  /**
   * The request file, or the topic. Read from the options as given, not from {@link
   * ErasureSettings}: a run whose settings do not parse (no keyset) still emits its lineage START
   * and FAIL with its datasets.
   */
  @Override
  public List<LineageDataset> lineageInputs(PipelineOptions options) {
    ErasureOptions o = options.as(ErasureOptions.class);
    // limit 0: String.split's default (trailing empty strings dropped), kept as before.
    return List.of(
        o.getRequests() != null
            ? LineageDataset.file(o.getRequests())
            : LineageDataset.kafka(o.getBootstrapServers().split(",", 0)[0], o.getRequestsTopic()));
  }

  @Override
  public void build(Pipeline pipeline, PipelineOptions options) {
    ErasurePipeline.build(pipeline, ErasureSettings.of(options));
  }

  /** The datasets it rewrites, and its audit log. */
  @Override
  public List<LineageDataset> lineageOutputs(PipelineOptions options) {
    ErasureOptions o = options.as(ErasureOptions.class);
    List<LineageDataset> out = new ArrayList<>();
    out.add(LineageDataset.file(ErasurePipeline.auditPath(o)));
    for (ErasureConfig.Dataset d : ErasureConfig.load(Path.of(o.getConfig())).datasets()) {
      if (!d.kind().equals("postgres")) {
        out.add(LineageDataset.file(d.location()));
      }
    }
    return out;
  }
}
