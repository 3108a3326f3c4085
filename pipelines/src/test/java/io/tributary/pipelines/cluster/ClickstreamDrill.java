package io.tributary.pipelines.cluster;

import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.io.kafka.testing.KafkaBroker;
import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.runtime.FlinkRest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the cluster drills share: the streaming clickstream job submitted from the bundled jar by
 * the CLI (Kafka in, an exactly-once sink topic and windowed aggregate files out), the job's state
 * through Flink's REST API, bounded waits that fail with the drill's diagnostics, and readers of
 * the job's output files.
 *
 * <pre>{@code
 * ClickstreamDrill drill = new ClickstreamDrill("MyIT", "localhost:18681", kafka, tmp, MyIT::diagnostics);
 * String job = drill.submit("in", "out", "grp", outDir, "--dedup=false");
 * drill.await("job RUNNING", 120, () -> "RUNNING".equals(drill.stateOf(job)));
 * }</pre>
 */
final class ClickstreamDrill {
  /** 30-second windows, every late event its own pane, ten minutes of lateness. */
  static final String WINDOW = "fixed:30s;late=every;lateness=10m";

  /** How often the drills' jobs checkpoint, so how often their sinks commit. */
  static final java.time.Duration CHECKPOINT_INTERVAL = java.time.Duration.ofSeconds(2);

  /**
   * How long a drill keeps reading its sink after the last expected record, for duplicates that
   * would come late: four checkpoint intervals (every commit happens at one). Counted from the last
   * new id the reader saw ({@link KafkaDrill.SinkReader#settleAfterLastNewId}), so the waits for
   * the aggregate files count towards it.
   */
  static final java.time.Duration SETTLE = CHECKPOINT_INTERVAL.multipliedBy(4);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SUBMITTED =
      Pattern.compile("submitted clickstream as Flink job ([0-9a-f]{32}) ");

  final FlinkRest flink;
  private final String name;
  private final String master;
  private final KafkaBroker kafka;
  private final Path tmp;
  private final Supplier<String> diagnostics;

  /**
   * A drill named {@code name} (its log prefix) against the cluster at {@code master} and {@code
   * kafka}; process logs go to {@code tmp}; a failed wait appends {@code diagnostics}.
   */
  ClickstreamDrill(
      String name, String master, KafkaBroker kafka, Path tmp, Supplier<String> diagnostics) {
    this.name = name;
    this.master = master;
    this.kafka = kafka;
    this.tmp = tmp;
    this.diagnostics = diagnostics;
    this.flink = new FlinkRest(master);
    Testdata.bundledJar(); // fails early when the jar was not packaged
  }

  // ---- the job ----

  /**
   * Submits the streaming clickstream job reading {@code topic} (consumer group {@code
   * <group>-in}), writing {@code sinkTopic} exactly once (sink group {@code <group>-sink}) and
   * files under {@code out}; returns the Flink job id the CLI printed.
   */
  String submit(String topic, String sinkTopic, String group, Path out, String... extra)
      throws Exception {
    long t0 = System.nanoTime();
    String text = run(cli(submitArgs(topic, sinkTopic, group, out, extra)), 300);
    Matcher m = SUBMITTED.matcher(text);
    assertTrue("no job id in the CLI's output:\n" + text, m.find());
    log(
        "submitted %s in %d s: %s",
        m.group(1),
        secondsSince(t0),
        text.lines().filter(l -> l.startsWith("submitted")).findFirst().orElse(""));
    return m.group(1);
  }

  /**
   * Submits the job as {@link #submit} does, expecting the CLI to refuse it with exit code {@code
   * exit}; returns what the CLI printed (stdout and stderr).
   */
  String submitRefused(
      int exit, String topic, String sinkTopic, String group, Path out, String... extra)
      throws Exception {
    return ClusterProcesses.run(
        cli(submitArgs(topic, sinkTopic, group, out, extra)), 300, tmp, diagnostics, exit);
  }

  private String[] submitArgs(
      String topic, String sinkTopic, String group, Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                "clickstream",
                "--profile=flink-cluster",
                "--flinkMaster=" + master,
                "--streaming=true",
                "--source=kafka",
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--topic=" + topic,
                "--payloadFormat=json",
                "--kafkaWatermark=10s",
                "--consumerGroup=" + group + "-in",
                "--sinkTopic=" + sinkTopic,
                "--sinkGroupId=" + group + "-sink",
                "--window=" + WINDOW,
                // Checkpoints every 2 s instead of the profile's 10 s: the sinks commit at
                // checkpoints, so every wait of a drill for its output is five times shorter.
                "--checkpointingInterval=" + CHECKPOINT_INTERVAL.toMillis(),
                "--minPauseBetweenCheckpoints=500",
                "--output=" + out));
    args.addAll(List.of(extra));
    return args.toArray(new String[0]);
  }

  /** The CLI in a JVM of its own ({@link Testdata#cli}). */
  ProcessBuilder cli(String... args) {
    return new ProcessBuilder(Testdata.cli(args)).redirectErrorStream(true);
  }

  /** Runs {@code pb} to its end within {@code timeoutSeconds}; failures carry the diagnostics. */
  String run(ProcessBuilder pb, long timeoutSeconds) throws Exception {
    return ClusterProcesses.run(pb, timeoutSeconds, tmp, diagnostics);
  }

  static boolean ended(String state) {
    return state.equals("FINISHED") || state.equals("CANCELED") || state.equals("FAILED");
  }

  /** Cancels unless already ended, and waits for it; never hides the test's own failure. */
  void cancelQuietly(String job) {
    try {
      String s = flink.state(job);
      if (!ended(s)) {
        flink.cancel(job);
        await("job " + job + " cancelled", 60, () -> ended(stateOf(job)));
      } else {
        log("job %s ended %s; exceptions: %s", job, s, flink.exceptions(job));
      }
    } catch (Exception | AssertionError e) {
      log("could not cancel %s: %s", job, e.getMessage());
    }
  }

  /** The job's state, or {@code unknown (...)} while the REST API cannot say (e.g. no leader). */
  String stateOf(String job) {
    try {
      return flink.state(job);
    } catch (Exception e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  long restarts(String job) {
    try {
      return flink.restarts(job);
    } catch (Exception e) {
      return -1;
    }
  }

  long checkpoints(String job) {
    try {
      return flink.completedCheckpoints(job);
    } catch (Exception e) {
      return -1;
    }
  }

  Optional<String> restoredFrom(String job) {
    try {
      return flink.restoredFrom(job);
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  List<String> exceptions(String job) {
    try {
      return flink.exceptions(job);
    } catch (Exception e) {
      return List.of("unreadable: " + e.getMessage());
    }
  }

  // ---- waits and diagnostics ----

  /** Polls {@code condition} every half second for {@code seconds}; fails with the diagnostics. */
  void await(String what, int seconds, BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("not within " + seconds + " s: " + what + diagnostics.get());
  }

  /** Every job the cluster knows, with its state and exceptions. */
  String jobs() {
    StringBuilder b = new StringBuilder("\n--- jobs: ");
    try {
      for (FlinkRest.Job j : flink.jobs()) {
        b.append(j.id())
            .append(' ')
            .append(j.state())
            .append(' ')
            .append(j.name())
            .append(" exceptions: ")
            .append(flink.exceptions(j.id()))
            .append("; ");
      }
    } catch (Exception e) {
      b.append(e.getMessage());
    }
    return b.toString();
  }

  /** The last {@code lines} lines of each log. */
  static String tails(List<Path> logs, int lines) {
    StringBuilder b = new StringBuilder();
    for (Path log : logs) {
      b.append("\n--- tail of ").append(log).append('\n');
      try {
        List<String> all = Files.readAllLines(log);
        all.subList(Math.max(0, all.size() - lines), all.size())
            .forEach(l -> b.append(l).append('\n'));
      } catch (Exception e) {
        b.append("(unreadable: ").append(e.getMessage()).append(")\n");
      }
    }
    return b.toString();
  }

  static long secondsSince(long nanos) {
    return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - nanos);
  }

  // @FormatMethod would need error_prone_annotations as a test dependency; the callers pass
  // literal formats.
  @SuppressWarnings("AnnotateFormatMethod")
  void log(String format, Object... args) {
    System.out.println("[" + name + "] " + String.format(format, args));
  }

  // ---- outputs ----

  /** The finished aggregate files under {@code out/aggregates} (not FileIO's temporary ones). */
  static List<Path> aggregateFiles(Path out) {
    Path dir = out.resolve("aggregates");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      // FileIO writes temporary files under dot-directories first.
      return files
          .filter(Files::isRegularFile)
          .filter(f -> f.getFileName().toString().startsWith("part-"))
          .filter(f -> !dir.relativize(f).toString().matches("(^|.*/)\\..*"))
          .collect(Collectors.toList());
    } catch (Exception e) {
      return List.of();
    }
  }

  /** The events counted in all aggregate panes under {@code out}; -1 when unreadable. */
  static long aggregatedEvents(Path out) {
    long events = 0;
    for (Path f : aggregateFiles(out)) {
      try {
        for (String line : Files.readAllLines(f)) {
          if (!line.isBlank()) {
            events += JSON.readTree(line).path("events").asLong();
          }
        }
      } catch (Exception e) {
        return -1;
      }
    }
    return events;
  }

  /**
   * Every aggregate file under {@code out} with its lines' window start, pane and events, for the
   * message of a failed count: which pane holds the extra events says what went wrong.
   */
  static String aggregateReport(Path out) {
    StringBuilder b = new StringBuilder("aggregate files under ").append(out).append(":\n");
    Path dir = out.resolve("aggregates");
    for (Path f : aggregateFiles(out).stream().sorted().collect(Collectors.toList())) {
      b.append("  ").append(dir.relativize(f));
      try {
        for (String line : Files.readAllLines(f)) {
          if (!line.isBlank()) {
            JsonNode a = JSON.readTree(line);
            b.append(" [")
                .append(a.path("window_start").asText())
                .append(' ')
                .append(a.path("pane").path("timing").asText())
                .append(" #")
                .append(a.path("pane").path("index").asText())
                .append(" events=")
                .append(a.path("events").asText())
                .append(']');
          }
        }
      } catch (Exception e) {
        b.append(" unreadable: ").append(e);
      }
      b.append('\n');
    }
    return b.toString();
  }

  /** The dead letters in {@code dir} ({@code dead-letters*} files), in file order. */
  static List<JsonNode> deadLetters(Path dir) {
    List<JsonNode> records = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return records;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f :
          files
              .filter(f -> f.getFileName().toString().startsWith("dead-letters"))
              .sorted()
              .collect(Collectors.toList())) {
        for (String line : Files.readAllLines(f)) {
          if (!line.isBlank()) {
            records.add(JSON.readTree(line));
          }
        }
      }
    } catch (Exception e) {
      records.add(JSON.createObjectNode().put("unreadable", e.toString()));
    }
    return records;
  }
}
