package io.tributary.pipelines.docs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.pipelines.cli.Tributary;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One JVM, started in the repository root, that runs {@code tributary} command lines in-process
 * through {@link Tributary#run(String[], PrintStream, PrintStream)}, one after the other.
 *
 * <pre>{@code
 * try (CommandWorker worker = CommandWorker.start(Testdata.root(), tmp, log)) {
 *   CommandWorker.Result r = worker.run(List.of("run", "clickstream", "--help"), 300);
 * }
 * }</pre>
 *
 * <p>Why a JVM of its own rather than the test's: the docs' commands run "from the repository
 * root", and relative paths are resolved against the JVM's working directory, which Java fixes at
 * start-up. Rewriting the command's arguments would not reach the paths inside the files they name
 * (a spec's {@code input: testdata/...}, the registry's default {@code ./runners-config/schemas}).
 * One JVM for all commands costs a start-up, not one per command.
 *
 * <p>Protocol: one JSON array of arguments per line on stdin; one line per command on stdout,
 * {@value #REPLY} followed by {@code {"exit":N,"output":"..."}}, stdout and stderr of the command
 * in one text as they interleaved. Everything else the JVM prints (runner logs) goes to stderr.
 *
 * <p>The progress line and a run's warnings are printed to {@code System.err} itself, not to the
 * {@code err} stream given to {@code Tributary.run} (PipelineRun, Progress); so, while a command
 * runs, the lines of {@code System.err} that start with {@code tributary} are kept with its output
 * and the others (the runner's logs) go to the log.
 */
final class CommandWorker implements Closeable {
  static final String REPLY = "@@docs-command-worker@@ ";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final Writer requests;
  private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();

  /** What one command printed and returned. */
  static final class Result {
    final int exit;
    final String output;
    final long millis;

    Result(int exit, String output, long millis) {
      this.exit = exit;
      this.output = output;
      this.millis = millis;
    }
  }

  private CommandWorker(Process process) {
    this.process = process;
    this.requests = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  if (line.startsWith(REPLY)) {
                    replies.add(line.substring(REPLY.length()));
                  }
                }
              } catch (IOException e) {
                // The worker ended; run() reports it.
              }
            },
            "docs-command-worker-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts a worker in {@code workingDir} with this JVM's class path; its temporary files go under
   * {@code tmpDir} and its logs to {@code log}.
   */
  static CommandWorker start(Path workingDir, Path tmpDir, Path log) throws IOException {
    Files.createDirectories(tmpDir);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx2g");
    command.add("-Djava.io.tmpdir=" + tmpDir);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(CommandWorker.class.getName());
    Process p =
        new ProcessBuilder(command)
            .directory(workingDir.toFile())
            .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    return new CommandWorker(p);
  }

  /** Runs one command line; fails when the worker dies or exceeds {@code timeoutSeconds}. */
  Result run(List<String> args, long timeoutSeconds) throws IOException, InterruptedException {
    long start = System.nanoTime();
    requests.write(JSON.writeValueAsString(args));
    requests.write('\n');
    requests.flush();
    String reply = null;
    long deadline = start + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (reply == null) {
      reply = replies.poll(1, TimeUnit.SECONDS);
      if (reply == null && !process.isAlive()) {
        throw new IOException("the command worker ended with exit code " + process.exitValue());
      }
      if (reply == null && System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new IOException("no answer within " + timeoutSeconds + " s; the worker was stopped");
      }
    }
    JsonNode node = JSON.readTree(reply);
    return new Result(
        node.get("exit").asInt(),
        node.get("output").asText(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
  }

  @Override
  public void close() throws IOException {
    try {
      requests.close();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      process.destroyForcibly();
    }
  }

  /**
   * Splits what is written into lines: those starting with {@code tributary} go to the command's
   * output, the others to the log.
   */
  private static final class LineRouter extends java.io.OutputStream {
    private final PrintStream command;
    private final PrintStream log;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    LineRouter(PrintStream command, PrintStream log) {
      this.command = command;
      this.log = log;
    }

    @Override
    public synchronized void write(int b) {
      line.write(b);
      if (b == '\n') {
        flushLine();
      }
    }

    @Override
    public synchronized void flush() {
      if (line.size() > 0) {
        flushLine();
      }
    }

    private void flushLine() {
      String text = line.toString(StandardCharsets.UTF_8);
      line.reset();
      (text.startsWith("tributary") ? command : log).print(text);
    }
  }

  /** The worker's loop. */
  public static void main(String[] ignored) throws IOException {
    PrintStream replies =
        new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    PrintStream log = System.err;
    System.setOut(log);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] args = JSON.readValue(line, String[].class);
      ByteArrayOutputStream both = new ByteArrayOutputStream();
      PrintStream stream = new PrintStream(both, true, StandardCharsets.UTF_8);
      PrintStream routed =
          new PrintStream(new LineRouter(stream, log), true, StandardCharsets.UTF_8);
      System.setErr(routed);
      System.setOut(routed);
      int exit;
      try {
        exit = Tributary.run(args, stream, stream);
      } catch (RuntimeException | Error e) {
        // Tributary.run answers every failure with a line and a code; anything reaching here is a
        // bug of the CLI and is shown as it is.
        e.printStackTrace(stream);
        exit = 99;
      } finally {
        routed.flush();
        System.setErr(log);
        System.setOut(log);
      }
      stream.flush();
      ObjectNode reply = JSON.createObjectNode();
      reply.put("exit", exit);
      reply.put("output", both.toString(StandardCharsets.UTF_8));
      try {
        replies.println(REPLY + JSON.writeValueAsString(reply));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    System.exit(0);
  }
}
