package io.tributary.pipelines.runtime;

import io.tributary.transforms.lineage.LineageDataset;
import io.tributary.transforms.lineage.LineageSpool;
import io.tributary.transforms.lineage.LineageTransport;
import io.tributary.transforms.lineage.OpenLineageEvents;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageGraph;
import io.tributary.transforms.privacy.PayloadScrubber;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PValue;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Builds, runs and accounts for one pipeline definition: the same path for the CLI and for tests.
 *
 * <pre>{@code
 * RunSummary summary = PipelineRun.run(job, options);
 * }</pre>
 */
public final class PipelineRun {
  private PipelineRun() {}

  /**
   * Runs {@code job} to completion and writes its summary. OpenLineage START is emitted before the
   * run, COMPLETE, ABORT or FAIL after it (see {@link RunOptions#getLineage()}).
   */
  public static RunSummary run(PipelineDefinition job, PipelineOptions options) throws IOException {
    return run(job, options, false);
  }

  /**
   * As {@link #run(PipelineDefinition, PipelineOptions)}; {@code continuing} marks a run that adds
   * to an earlier run's outputs on purpose (each date of a backfill), so {@link RunOutputs} does
   * not refuse it.
   */
  public static RunSummary run(PipelineDefinition job, PipelineOptions options, boolean continuing)
      throws IOException {
    String runId = UUID.randomUUID().toString();
    RunOutputs.Replaced replaced;
    if (continuing) {
      replaced = RunOutputs.Replaced.NOTHING;
    } else {
      try {
        replaced = RunOutputs.prepare(job, options, runId);
      } catch (UsageException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
    }
    boolean succeeded = false;
    try {
      RunSummary summary = runPrepared(job, options, runId);
      succeeded = "DONE".equals(summary.state());
      return summary;
    } finally {
      replaced.finish(succeeded);
    }
  }

  private static RunSummary runPrepared(
      PipelineDefinition job, PipelineOptions options, String runId) throws IOException {
    safeCopies(options);
    ClusterJar.stage(options, System.err);
    RunOptions runOptions = options.as(RunOptions.class);
    Pricing pricing;
    Progress.Mode progressMode;
    try {
      pricing = Pricing.from(runOptions);
      progressMode = Progress.Mode.parse(runOptions.getProgress());
    } catch (UsageException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    LineageTransport lineage = lineage(job, options);
    List<LineageDataset> inputs = job.lineageInputs(options);
    List<LineageDataset> outputs = job.lineageOutputs(options);
    OpenLineageEvents events =
        OpenLineageEvents.forRun(
            runOptions.getLineageNamespace(),
            lineageJob(job.name(), runOptions.getLineageJob(), inputs),
            runId,
            Pipeline.class.getPackage().getImplementationVersion() == null
                ? "2.62.0"
                : Pipeline.class.getPackage().getImplementationVersion(),
            options.as(StreamingOptions.class).isStreaming() ? "STREAMING" : "BATCH");

    Progress progress =
        Progress.start(
            job.name(), progressMode, Math.max(1, runOptions.getProgressInterval()) * 1000L);
    boolean direct = options.getRunner().getSimpleName().contains("DirectRunner");
    if (progress.running() && direct) {
      // run() then returns at once and the progress line reads the pipeline's own metrics.
      options.as(org.apache.beam.runners.direct.DirectOptions.class).setBlockOnRun(false);
    }
    Pipeline pipeline = Pipeline.create(options);
    try {
      job.build(pipeline, options);
    } catch (RuntimeException e) {
      // A run that fails while its pipeline is built (an unreadable input, a bad key) still
      // leaves its trace in the lineage: START, then FAIL with the error.
      progress.close();
      emit(lineage, events.start(inputs, outputs));
      emit(lineage, events.fail(inputs, outputs, e));
      Instant now = Instant.now();
      writeFailed(
          job,
          options,
          runId,
          now,
          now,
          RunAccounting.of(0, 0, Map.of(), 0, 0, 0),
          pricing,
          inputs,
          outputs,
          "build",
          e);
      throw e;
    }
    StageGraph stages;
    try {
      stages = StageGraph.of(pipeline);
    } catch (RuntimeException e) {
      progress.close();
      throw e;
    }
    progress.stages(stages);
    progress.phase("starting " + options.getRunner().getSimpleName());
    Instant started = Instant.now();
    long cpuStart = RunCost.processCpuNanos();
    emit(lineage, events.start(inputs, outputs));
    PipelineResult result;
    PipelineResult.State state;
    try (progress) {
      try {
        result = pipeline.run();
        progress.attach(result);
        state = result.waitUntilFinish();
        progress.finish();
      } catch (RuntimeException e) {
        emit(lineage, events.fail(inputs, outputs, e));
        writeFailed(
            job,
            options,
            runId,
            started,
            Instant.now(),
            RunAccounting.of(stages, Map.of(), Map.of()),
            pricing,
            inputs,
            outputs,
            stageOf(e, stages),
            e);
        throw e;
      }
    }
    long cpuEnd = RunCost.processCpuNanos();
    Instant finished = Instant.now();
    job.afterRun(options, result);
    RunAccounting accounting = RunAccounting.from(result, stages);
    Map<String, Long> counters = RunAccounting.counters(result);
    List<LineageDataset> finalInputs = job.lineageInputsAfterRun(options, accounting);
    String last;
    if (state == PipelineResult.State.DONE) {
      last = events.complete(finalInputs, outputs, job.outputRowCounts(options, accounting));
    } else if (state == PipelineResult.State.CANCELLED) {
      last = events.abort(finalInputs, outputs);
    } else {
      last =
          events.fail(
              finalInputs, outputs, new IllegalStateException("pipeline ended in state " + state));
    }
    emit(lineage, last);
    Double cpuSeconds =
        cpuStart < 0 || cpuEnd < 0 || !workersInThisJvm(options) ? null : (cpuEnd - cpuStart) / 1e9;
    RunCost cost =
        RunCost.measure(cpuSeconds, inputs, outputs, accounting.read(), accounting.written());
    RunSummary summary =
        new RunSummary(
            job.name(),
            runId,
            options.getRunner().getSimpleName(),
            job.input(options),
            job.outputDirectory(options),
            started,
            finished,
            String.valueOf(state),
            accounting,
            counters,
            cost,
            pricing);
    if (state != PipelineResult.State.DONE) {
      summary = summary.withError(null, "the pipeline ended in state " + state);
    }
    summary.write();
    try {
      summary.writeReport(
          RunReport.html(
              summary,
              finalInputs,
              outputs,
              options.as(StreamingOptions.class).isStreaming(),
              LineageGraph.ofEvents(List.of(last)).svg(),
              job.graphSvg(options)));
    } catch (IOException | RuntimeException e) {
      System.err.println("tributary: warning: run report not written: " + e.getMessage());
    }
    return summary;
  }

  /**
   * Leaves a failed run's summary and report (state FAILED, the stage when known and the first
   * error) and says where they are; a problem writing them never hides the run's own error.
   */
  private static void writeFailed(
      PipelineDefinition job,
      PipelineOptions options,
      String runId,
      Instant started,
      Instant finished,
      RunAccounting accounting,
      Pricing pricing,
      List<LineageDataset> inputs,
      List<LineageDataset> outputs,
      @Nullable String stage,
      Throwable error) {
    try {
      RunSummary summary =
          new RunSummary(
                  job.name(),
                  runId,
                  options.getRunner().getSimpleName(),
                  job.input(options),
                  job.outputDirectory(options),
                  started,
                  finished,
                  "FAILED",
                  accounting,
                  Map.of(),
                  RunCost.measure(null, inputs, outputs, 0, 0),
                  pricing)
              .withError(stage, firstError(error));
      summary.write();
      summary.writeReport(RunReport.html(summary, inputs, "", ""));
      System.err.println(
          "tributary: the failed run's summary: "
              + summary.summaryPath()
              + ", report: "
              + summary.reportPath());
    } catch (IOException | RuntimeException e) {
      System.err.println(
          "tributary: warning: the failed run's summary not written: "
              + e.getClass().getSimpleName());
    }
  }

  /**
   * The error that started it all: the innermost cause, its class and the first line of its
   * message, scrubbed of anything that looks like personal data (a runner's message may quote a
   * record).
   */
  static String firstError(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message =
        root.getMessage() == null ? "" : root.getMessage().lines().findFirst().orElse("");
    String scrubbed = PayloadScrubber.patternsOnly().scrub(message);
    return root.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + scrubbed);
  }

  /**
   * The stage a failure came from, when a runner's error names one of the run's stages (Beam step
   * names appear in Flink's task names and in some of Beam's messages); null otherwise.
   */
  static @Nullable String stageOf(Throwable e, StageGraph stages) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = t.getMessage();
      if (message == null) {
        continue;
      }
      for (StageGraph.Node node : stages.stages()) {
        if (message.contains(node.name() + "/") || message.contains("'" + node.name() + "'")) {
          return node.name();
        }
      }
    }
    return null;
  }

  /** Checks the options every run takes (progress, prices): one line naming the option. */
  public static void validateRunOptions(PipelineOptions options) throws UsageException {
    RunOptions o = options.as(RunOptions.class);
    Progress.Mode.parse(o.getProgress());
    if (o.getProgressInterval() == null || o.getProgressInterval() < 1) {
      throw new UsageException(
          "--progressInterval: expected seconds >= 1, got " + o.getProgressInterval());
    }
    Pricing.from(o);
  }

  /**
   * Whether the workers run in this JVM (Direct runner, embedded Flink), so its CPU time is the
   * run's.
   */
  static boolean workersInThisJvm(PipelineOptions options) {
    if (!"FlinkRunner".equals(options.getRunner().getSimpleName())
        && !"TestFlinkRunner".equals(options.getRunner().getSimpleName())) {
      return true;
    }
    String master = options.as(FlinkPipelineOptions.class).getFlinkMaster();
    return master == null || master.isBlank() || master.startsWith("[");
  }

  /**
   * Sets {@code --streaming=true} for a job on a remote Flink cluster that reads an unbounded
   * source (a Kafka topic, a watched directory) when the command line did not: Beam's Flink runner
   * would switch such a job to streaming when it translates it, but the CLI decides before that
   * whether to hand the job over and return ({@link #submitsDetached}) or wait for its end, which
   * an unbounded job never reaches. Builds the job on a scratch pipeline to see; a job that does
   * not build is left to the real run to report. Returns whether it set the option.
   *
   * <pre>{@code
   * if (PipelineRun.streamingIfUnbounded(job, options)) {
   *   System.err.println("reads an unbounded source: running as a streaming job");
   * }
   * }</pre>
   */
  public static boolean streamingIfUnbounded(PipelineDefinition job, PipelineOptions options) {
    StreamingOptions streaming = options.as(StreamingOptions.class);
    if (streaming.isStreaming()
        || !"FlinkRunner".equals(options.getRunner().getSimpleName())
        || workersInThisJvm(options)) {
      return false;
    }
    Pipeline scratch = Pipeline.create(options);
    try {
      job.build(scratch, options);
    } catch (RuntimeException e) {
      return false;
    }
    boolean[] unbounded = {false};
    scratch.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public void visitValue(PValue value, TransformHierarchy.Node producer) {
            if (value instanceof PCollection<?> pc
                && pc.isBounded() == PCollection.IsBounded.UNBOUNDED) {
              unbounded[0] = true;
            }
          }
        });
    if (unbounded[0]) {
      streaming.setStreaming(true);
    }
    return unbounded[0];
  }

  /**
   * For a run submitted to a Flink cluster ({@code --flinkMaster=host:port}), checks that its REST
   * API answers before anything is built or shipped: without it, Flink's client retries the
   * submission for about a minute and prints a stack trace for every attempt.
   */
  public static void checkClusterAnswers(PipelineOptions options)
      throws UsageException, java.io.IOException {
    if (workersInThisJvm(options)) {
      return;
    }
    new FlinkRest(options.as(FlinkPipelineOptions.class).getFlinkMaster()).version();
  }

  /**
   * Refuses {@code --from-savepoint} (Beam's {@code --savepointPath}) where Beam's Flink runner
   * would start the job without the savepoint's state and say nothing: on another runner, on an
   * embedded Flink ({@code [local]}, {@code [auto]}: Beam 2.62 passes the path only to a remote
   * streaming environment) and for a batch job (Flink restores no batch job). Call after {@link
   * #streamingIfUnbounded}.
   */
  public static void checkSavepointRestore(PipelineOptions options) throws UsageException {
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    if (flink.getSavepointPath() == null) {
      return;
    }
    if (!"FlinkRunner".equals(options.getRunner().getSimpleName())) {
      throw new UsageException(
          "--from-savepoint: only a Flink job restores a savepoint, and this run uses "
              + options.getRunner().getSimpleName()
              + "; submit it to the cluster with --profile=flink-cluster");
    }
    if (workersInThisJvm(options)) {
      throw new UsageException(
          "--from-savepoint: Beam's Flink runner restores a savepoint only into a job submitted to"
              + " a cluster (--profile=flink-cluster, --flinkMaster=host:port); this run is an"
              + " embedded Flink ("
              + flink.getFlinkMaster()
              + ") and would start without the savepoint's state");
    }
    if (!options.as(StreamingOptions.class).isStreaming()) {
      throw new UsageException(
          "--from-savepoint: this job reads only bounded input and would run as a Flink batch job,"
              + " which restores no savepoint; add --streaming=true to run it as a streaming job");
    }
  }

  /**
   * Whether {@link #submit} applies: a streaming run on Beam's FlinkRunner with a remote {@code
   * --flinkMaster}. Such a job never finishes by itself, so the CLI hands it to the cluster and
   * returns instead of waiting.
   */
  public static boolean submitsDetached(PipelineOptions options) {
    if (!options.as(StreamingOptions.class).isStreaming()
        || !"FlinkRunner".equals(options.getRunner().getSimpleName())) {
      return false;
    }
    String master = options.as(FlinkPipelineOptions.class).getFlinkMaster();
    return master != null && !master.isBlank() && !master.startsWith("[");
  }

  /**
   * Turns Beam's {@code --fasterCopy} off when the job takes checkpoints, and says so on stderr.
   * With it, Beam's Flink serializer returns the live object from {@code copy()}, and Flink's heap
   * state backend relies on that copy to keep an asynchronous snapshot apart from later changes: a
   * combine accumulator that {@code addInput} changes in place after a checkpoint barrier ends up
   * in that checkpoint, and a restore adds the replayed events a second time (a kill -9 drill
   * counted 2,003 events in a window of 2,000). Without checkpoints there is no snapshot to
   * corrupt.
   */
  static void safeCopies(PipelineOptions options) {
    if (!options.getRunner().getSimpleName().contains("Flink")) {
      return;
    }
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    Long interval = flink.getCheckpointingInterval();
    if (Boolean.TRUE.equals(flink.getFasterCopy()) && interval != null && interval > 0) {
      flink.setFasterCopy(false);
      System.err.println(
          "tributary: --fasterCopy is off for this run: with checkpoints it lets a checkpoint"
              + " hold state changed after its barrier (docs/operations.md)");
    }
  }

  /**
   * The OpenLineage job name of a run: {@code explicit} when given ({@code --lineageJob}), else the
   * pipeline's name plus a key of its inputs: the last path segment (or topic, or table) of the
   * first input without glob patterns, {@code +N} for N more inputs, and six hex digits of a hash
   * of every input's namespace and name, e.g. {@code clickstream.small.jsonl-3f9a1c}. Runs of one
   * pipeline over different inputs are then different jobs, as Marquez and the OpenLineage spec
   * expect (a job is one thing that reads the same inputs each run); the same inputs give the same
   * name on every machine.
   */
  public static String lineageJob(String pipeline, String explicit, List<LineageDataset> inputs) {
    if (explicit != null && !explicit.isBlank()) {
      return explicit.trim();
    }
    if (inputs.isEmpty()) {
      return pipeline;
    }
    List<String> ids = new java.util.ArrayList<>();
    for (LineageDataset d : inputs) {
      ids.add(d.namespace() + ":" + d.name());
    }
    java.util.Collections.sort(ids);
    String label = "input";
    for (String segment : inputs.get(0).name().split("/")) {
      if (!segment.isEmpty() && !segment.matches(".*[*?\\[{].*")) {
        label = segment;
      } else if (!segment.isEmpty()) {
        break;
      }
    }
    label = label.replaceAll("[^A-Za-z0-9._-]", "_");
    try {
      byte[] hash =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(String.join("\n", ids).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      String hex = java.util.HexFormat.of().formatHex(hash).substring(0, 6);
      return pipeline
          + "."
          + label
          + (inputs.size() > 1 ? "+" + (inputs.size() - 1) : "")
          + "-"
          + hex;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /**
   * Submits a streaming job to a Flink cluster in detached mode ({@code --attachedMode=false}) and
   * returns its Flink job id without waiting for the job. Beam's detached result does not expose
   * the id, so it is looked up through the cluster's REST API by the job's unique name. Emits
   * OpenLineage START; the job's outputs are the cluster's business from then on.
   */
  public static Submission submit(PipelineDefinition job, PipelineOptions options)
      throws IOException, UsageException {
    safeCopies(options);
    ClusterJar.stage(options, System.err);
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    flink.setAttachedMode(false);
    String name = "tributary-" + job.name() + "-" + UUID.randomUUID().toString().substring(0, 8);
    flink.setJobName(name);
    RunOptions runOptions = options.as(RunOptions.class);
    String runId = UUID.randomUUID().toString();
    LineageTransport lineage = lineage(job, options);
    List<LineageDataset> inputs = job.lineageInputs(options);
    OpenLineageEvents events =
        OpenLineageEvents.forRun(
            runOptions.getLineageNamespace(),
            lineageJob(job.name(), runOptions.getLineageJob(), inputs),
            runId,
            "2.62.0",
            "STREAMING");
    Pipeline pipeline = Pipeline.create(options);
    job.build(pipeline, options);
    emit(lineage, events.start(inputs, job.lineageOutputs(options)));
    pipeline.run(); // returns once the cluster accepted the job graph
    FlinkRest rest = new FlinkRest(flink.getFlinkMaster());
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      for (FlinkRest.Job j : rest.jobs()) {
        if (j.name().equals(name)) {
          return new Submission(j.id(), name, flink.getFlinkMaster());
        }
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while looking up the job id", e);
      }
    }
    throw new IOException(
        "submitted job "
            + name
            + " but "
            + flink.getFlinkMaster()
            + " does not list it after 60 s");
  }

  /** A job handed to a Flink cluster: its id, its unique name and where it runs. */
  public static final class Submission {
    private final String jobId;
    private final String jobName;
    private final String master;

    Submission(String jobId, String jobName, String master) {
      this.jobId = jobId;
      this.jobName = jobName;
      this.master = master;
    }

    /** The Flink job id, 32 hex digits. */
    public String jobId() {
      return jobId;
    }

    /** The unique job name, {@code tributary-<pipeline>-<random>}. */
    public String jobName() {
      return jobName;
    }

    /** The cluster's REST address. */
    public String master() {
      return master;
    }
  }

  /**
   * Where the run's OpenLineage events go: {@code --lineage}, by default {@code
   * <output>/_openlineage.jsonl}; what cannot be delivered is kept in {@code
   * <output>/_openlineage-undelivered.jsonl} ({@link LineageSpool}).
   */
  private static LineageTransport lineage(PipelineDefinition job, PipelineOptions options) {
    String out = job.outputDirectory(options).replaceAll("/+$", "");
    String destination = options.as(RunOptions.class).getLineage();
    return LineageSpool.keeping(
        destination.isEmpty() ? "file:" + out + "/_openlineage.jsonl" : destination,
        Path.of(out, LineageSpool.FILE_NAME),
        System.err);
  }

  /**
   * Lineage must never fail a run: an event not delivered is kept and reported on stderr (by the
   * spool), and the run goes on.
   */
  private static void emit(LineageTransport lineage, String event) {
    try {
      lineage.emit(event);
    } catch (IOException | RuntimeException e) {
      System.err.println(
          "tributary: warning: OpenLineage event not delivered: " + e.getClass().getSimpleName());
    }
  }
}
