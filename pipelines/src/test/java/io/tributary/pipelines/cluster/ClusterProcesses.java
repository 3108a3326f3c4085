package io.tributary.pipelines.cluster;

import io.tributary.pipelines.Testdata;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The processes of the cluster ITs: {@code runners-config/flink/cluster.sh} for one test cluster
 * (its own state directory and ports; JVMs with {@link Testdata#SMALL_JOB_JVM_OPTIONS}), and a
 * bounded wait for any command with its output.
 *
 * <pre>{@code
 * ClusterProcesses cluster = new ClusterProcesses(tmp.newFolder("flink").toPath(), "18581", "16523");
 * ClusterProcesses.run(cluster.command("start", "150"), 240, tmp.getRoot().toPath(), () -> "");
 * }</pre>
 */
public final class ClusterProcesses {
  private final Path state;
  private final String restPort;
  private final String rpcPort;

  public ClusterProcesses(Path state, String restPort, String rpcPort) {
    this.state = state;
    this.restPort = restPort;
    this.rpcPort = rpcPort;
  }

  /** {@code cluster.sh <args>} for this cluster. */
  public ProcessBuilder command(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Testdata.root().resolve("runners-config/flink/cluster.sh").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("TRIBUTARY_FLINK_HOME", state.toString());
    pb.environment().put("FLINK_REST_PORT", restPort);
    pb.environment().put("FLINK_RPC_PORT", rpcPort);
    pb.environment().put("FLINK_JVM_OPTS", String.join(" ", Testdata.SMALL_JOB_JVM_OPTIONS));
    return pb;
  }

  /**
   * Runs {@code pb} to its end within {@code timeoutSeconds} and returns its output; a timeout or a
   * non-zero exit fails with the output and {@code diagnostics} (e.g. the cluster's log tails).
   */
  public static String run(
      ProcessBuilder pb, long timeoutSeconds, Path tmpDir, Supplier<String> diagnostics)
      throws Exception {
    return run(pb, timeoutSeconds, tmpDir, diagnostics, 0);
  }

  /**
   * As {@link #run(ProcessBuilder, long, Path, Supplier)}, for a command that must end with exit
   * code {@code exit}.
   */
  public static String run(
      ProcessBuilder pb, long timeoutSeconds, Path tmpDir, Supplier<String> diagnostics, int exit)
      throws Exception {
    Path log = Files.createTempFile(tmpDir, "proc", ".log");
    Process p = pb.redirectOutput(log.toFile()).start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(
          "timed out after "
              + timeoutSeconds
              + " s: "
              + pb.command()
              + "\n"
              + Files.readString(log)
              + diagnostics.get());
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    if (p.exitValue() != exit) {
      throw new AssertionError(
          "exit "
              + p.exitValue()
              + " (expected "
              + exit
              + "): "
              + pb.command()
              + "\n"
              + out
              + diagnostics.get());
    }
    return out;
  }
}
