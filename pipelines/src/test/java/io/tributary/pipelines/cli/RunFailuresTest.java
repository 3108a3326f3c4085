package io.tributary.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * How a failed run is printed. The two savepoint failures are chains as Flink 1.19's client gives
 * them to Beam's runner (messages copied from a cluster drill, 2026-12-08); {@code
 * StreamingFaultIT} has a real cluster refuse a savepoint through the CLI.
 */
@RunWith(JUnit4.class)
public class RunFailuresTest {
  private String err;

  private int report(Throwable failure) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = RunFailures.report(new PrintStream(bytes, true, StandardCharsets.UTF_8), failure);
    err = bytes.toString(StandardCharsets.UTF_8);
    assertEquals("one line: " + err, 1, err.strip().lines().count());
    return code;
  }

  /** Flink's wrapping of a JobMaster that could not start: client, initialization, cause. */
  private static RuntimeException asFlinkGivesIt(Exception cause) {
    return new RuntimeException(
        "Pipeline execution failed",
        new IllegalStateException(
            "Failed to execute job 'tributary-clickstream-0f367d65'.",
            new RuntimeException(
                "org.apache.flink.runtime.client.JobInitializationException: Could not start the"
                    + " JobMaster.",
                new CompletionException(cause))));
  }

  @Test
  public void aSavepointWithStateOfAMissingOperatorAsksForTheFlag() {
    int code =
        report(
            asFlinkGivesIt(
                new IllegalStateException(
                    "Failed to rollback to checkpoint/savepoint"
                        + " file:/savepoints/savepoint-7ea7ac-adb4a0c57066. Cannot map"
                        + " checkpoint/savepoint state for operator"
                        + " 181541fa110e9ca22e9572763245a524 to the new program, because the"
                        + " operator is not available in the new program. If you want to allow to"
                        + " skip this, you can set the --allowNonRestoredState option on the"
                        + " CLI.")));
    assertEquals(Tributary.USAGE, code);
    assertEquals(
        "tributary: --from-savepoint: the savepoint file:/savepoints/savepoint-7ea7ac-adb4a0c57066"
            + " holds state of an operator this build does not have (Flink operator"
            + " 181541fa110e9ca22e9572763245a524: a step removed or renamed, or now run inside"
            + " another); to start without that state, add --allowNonRestoredState=true"
            + " (docs/operations.md)",
        err.strip());
  }

  @Test
  public void aSavepointPathTheClusterLacksNamesIt() {
    int code =
        report(
            asFlinkGivesIt(
                new java.io.FileNotFoundException(
                    "Cannot find checkpoint or savepoint file/directory '/tmp/nonexistent' on file"
                        + " system 'file'.")));
    assertEquals(Tributary.USAGE, code);
    assertThat(
        err,
        containsString(
            "tributary: --from-savepoint: the cluster finds no savepoint at '/tmp/nonexistent'"
                + " (file system 'file')"));
  }

  @Test
  public void anyOtherFailureIsTheRootCauseExitOne() {
    int code =
        report(
            new RuntimeException(
                "Pipeline execution failed",
                new IllegalStateException(
                    "PostgreSQL table mart.orders: gave up after 2 retries")));
    assertEquals(1, code);
    assertEquals(
        "tributary: run failed: IllegalStateException: PostgreSQL table mart.orders: gave up after"
            + " 2 retries",
        err.strip());
    assertNull(RunFailures.operatorChoice(new IllegalStateException((String) null)));
  }
}
