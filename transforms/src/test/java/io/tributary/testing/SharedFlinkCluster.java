package io.tributary.testing;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.dag.Pipeline;
import org.apache.flink.api.java.ExecutionEnvironment;
import org.apache.flink.client.deployment.executors.PipelineExecutorUtils;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.PipelineExecutor;
import org.apache.flink.core.execution.PipelineExecutorFactory;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.minicluster.MiniClusterJobClient;
import org.apache.flink.runtime.taskexecutor.TaskExecutorResourceUtils;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.runner.Description;
import org.junit.runner.Result;
import org.junit.runner.notification.RunListener;

/**
 * One embedded Flink cluster for a whole surefire run on the Flink runner, instead of one per
 * pipeline.
 *
 * <p>Beam's {@code TestFlinkRunner} runs each pipeline with {@code --flinkMaster=[auto]}: without a
 * context environment Flink then starts a fresh mini cluster (RPC actor systems, a REST endpoint, a
 * TaskManager) for every job and stops it after, and a profile of a Flink test class showed that
 * start-up to be about a quarter of its CPU. This listener starts one {@link MiniCluster} when the
 * run starts and installs it as the context environment of Flink's batch ({@link
 * ExecutionEnvironment}) and streaming ({@link StreamExecutionEnvironment}) APIs, so Beam's {@code
 * [auto]} master submits every test pipeline to it. Pipelines that name a master themselves ({@code
 * [local]}, {@code host:port}) are not affected. After each test, jobs it left running are
 * cancelled, so one test's job can never hold another's task slots.
 *
 * <p>It is registered in the {@code flink-test} surefire execution of each module:
 *
 * <pre>{@code
 * <properties>
 *   <property><name>listener</name><value>io.tributary.testing.SharedFlinkCluster</value></property>
 * </properties>
 * }</pre>
 */
public final class SharedFlinkCluster extends RunListener {
  /** Enough for two jobs of parallelism 2 at once; each slot gets a quarter of managed memory. */
  static final int SLOTS = 4;

  private static final long WAIT_SECONDS = 60;

  private MiniCluster cluster;

  @Override
  public void testRunStarted(Description description) throws Exception {
    if (cluster != null || !"flink".equals(TestRunners.current())) {
      return;
    }
    Configuration conf = new Configuration();
    conf.set(TaskManagerOptions.NUM_TASK_SLOTS, SLOTS);
    // What a per-job local cluster of parallelism 2 had per slot: 64 MiB of managed memory.
    conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(64L * SLOTS));
    conf.set(RestOptions.BIND_PORT, "0");
    conf.set(CoreOptions.CHECK_LEAKED_CLASSLOADER, false);
    TaskExecutorResourceUtils.adjustForLocalExecution(conf);
    MiniCluster started =
        new MiniCluster(
            new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(SLOTS)
                .build());
    started.start();
    cluster = started;
    Environments.install(started);
    System.err.println(
        "SharedFlinkCluster: one embedded Flink cluster ("
            + SLOTS
            + " slots) runs every [auto] pipeline of this run");
  }

  @Override
  public void testFinished(Description description) throws Exception {
    if (cluster == null) {
      return;
    }
    Collection<JobStatusMessage> jobs = cluster.listJobs().get(WAIT_SECONDS, TimeUnit.SECONDS);
    for (JobStatusMessage job : jobs) {
      if (!job.getJobState().isGloballyTerminalState()) {
        cancel(job.getJobId());
      }
    }
  }

  @Override
  public void testRunFinished(Result result) throws Exception {
    if (cluster != null) {
      Environments.uninstall();
      cluster.close();
      cluster = null;
    }
  }

  private void cancel(JobID job) {
    try {
      cluster.cancelJob(job).get(WAIT_SECONDS, TimeUnit.SECONDS);
      cluster.requestJobResult(job).get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      // A job that ends by itself meanwhile cannot be cancelled; nothing is left to free.
      System.err.println("SharedFlinkCluster: could not cancel job " + job + ": " + e);
    }
  }

  /** Submits a job (a batch plan or a stream graph) to the shared cluster, attached. */
  private static final class Executor
      implements PipelineExecutorServiceLoader, PipelineExecutorFactory, PipelineExecutor {
    private static final String NAME = "tributary-shared-minicluster";
    private final MiniCluster cluster;

    Executor(MiniCluster cluster) {
      this.cluster = cluster;
    }

    @Override
    public PipelineExecutorFactory getExecutorFactory(Configuration configuration) {
      return this;
    }

    @Override
    public Stream<String> getExecutorNames() {
      return Stream.of(NAME);
    }

    @Override
    public String getName() {
      return NAME;
    }

    @Override
    public boolean isCompatibleWith(Configuration configuration) {
      return true;
    }

    @Override
    public PipelineExecutor getExecutor(Configuration configuration) {
      return this;
    }

    @Override
    public CompletableFuture<JobClient> execute(
        Pipeline pipeline, Configuration configuration, ClassLoader userCodeClassloader)
        throws Exception {
      JobGraph graph =
          PipelineExecutorUtils.getJobGraph(pipeline, configuration, userCodeClassloader);
      return cluster
          .submitJob(graph)
          .thenApply(
              submitted ->
                  new MiniClusterJobClient(
                      submitted.getJobID(),
                      cluster,
                      userCodeClassloader,
                      MiniClusterJobClient.JobFinalizationBehavior.NOTHING));
    }
  }

  /**
   * Sets and clears the context environments: Flink keeps those setters protected for the test
   * environments of its own, hence this subclass.
   */
  private static final class Environments extends ExecutionEnvironment {
    private Environments() {
      super(new Configuration());
    }

    static void install(MiniCluster cluster) {
      Executor executor = new Executor(cluster);
      ClassLoader loader = SharedFlinkCluster.class.getClassLoader();
      initializeContextEnvironment(
          () -> new ExecutionEnvironment(executor, attached(new Configuration()), loader));
      Streams.install(executor, loader);
    }

    static void uninstall() {
      resetContextEnvironment();
      Streams.uninstall();
    }
  }

  /** The streaming half of {@link Environments}. */
  private static final class Streams extends StreamExecutionEnvironment {
    static void install(Executor executor, ClassLoader loader) {
      initializeContextEnvironment(
          conf -> new StreamExecutionEnvironment(executor, attached(conf), loader));
    }

    static void uninstall() {
      resetContextEnvironment();
    }
  }

  private static Configuration attached(Configuration given) {
    Configuration conf = new Configuration(given);
    conf.set(DeploymentOptions.TARGET, Executor.NAME);
    conf.set(DeploymentOptions.ATTACHED, true);
    return conf;
  }
}
