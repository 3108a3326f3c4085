package io.tributary.pipelines.runtime;

import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.metrics.LiveMetrics;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.metrics.StageGraph;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.apache.beam.sdk.PipelineResult;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The live progress line of a running pipeline: every few seconds, on stderr, records read, read
 * rate, written, dead-lettered and the event-time lag, from the pipeline's metrics.
 *
 * <p>{@code --progress=auto} (the default) shows it only when stderr is a terminal ({@code
 * System.console() != null}), rewriting one line; {@code always} prints one line per tick (for
 * logs); {@code never} is quiet. When the run ends, one last line gives its final counts. Numbers
 * come from {@link PipelineResult#metrics()} while {@code waitUntilFinish} runs when the runner
 * returns from {@code run()} before the end (the Direct runner with {@code blockOnRun=false}), and
 * otherwise from the in-JVM mirror {@link LiveMetrics} (embedded Flink, whose {@code run()} returns
 * only at the end of a bounded job). The lag is the wall clock minus the newest event time the
 * slowest observed stage has seen: a lower bound of the watermark's lag, which Beam does not expose
 * as a metric.
 *
 * <pre>{@code
 * tributary run clickstream --input=big.jsonl.gz --output=/tmp/out --progress=always
 * # tributary clickstream 0:00:10  read 41,200 (4,120/s)  written 40,950  dead-lettered 12  lag 3d 4h
 * }</pre>
 */
public final class Progress implements AutoCloseable {
  /** When to show the line. */
  public enum Mode {
    AUTO,
    ALWAYS,
    NEVER;

    /** Parses {@code --progress}. */
    public static Mode parse(String value) throws UsageException {
      try {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new UsageException("--progress: expected auto, always or never, got '" + value + "'");
      }
    }
  }

  /** What one tick reads. */
  public static final class Snapshot {
    final long read;
    final long written;
    final long deadLettered;
    final @Nullable Long newestEventTime;

    /** Records read so far. */
    public long read() {
      return read;
    }

    /** Records written so far. */
    public long written() {
      return written;
    }

    /** Records dead-lettered so far. */
    public long deadLettered() {
      return deadLettered;
    }

    /** Counters at one instant; {@code newestEventTime} in epoch millis or null. */
    public Snapshot(long read, long written, long deadLettered, @Nullable Long newestEventTime) {
      this.read = read;
      this.written = written;
      this.deadLettered = deadLettered;
      this.newestEventTime = newestEventTime;
    }
  }

  /** Whether the line is shown for {@code mode} when stderr is (not) a terminal. */
  public static boolean enabled(Mode mode, boolean terminal) {
    return mode == Mode.ALWAYS || (mode == Mode.AUTO && terminal);
  }

  /**
   * One progress line: elapsed time, read with its rate over the last interval, written,
   * dead-lettered and the event-time lag at {@code nowMillis}.
   */
  public static String format(
      String job,
      long elapsedMillis,
      @Nullable Snapshot previous,
      long intervalMillis,
      Snapshot now,
      long nowMillis) {
    double rate =
        previous == null || intervalMillis <= 0
            ? (elapsedMillis <= 0 ? 0 : now.read * 1000.0 / elapsedMillis)
            : (now.read - previous.read) * 1000.0 / intervalMillis;
    return String.format(
        Locale.ROOT,
        "%s  read %,d (%,.0f/s)  written %,d  dead-lettered %,d  lag %s",
        prefix(job, elapsedMillis),
        now.read,
        rate,
        now.written,
        now.deadLettered,
        now.newestEventTime == null ? "-" : duration(nowMillis - now.newestEventTime));
  }

  /**
   * The line to print: while nothing has been read yet and the run is in a named phase (building
   * the pipeline, starting the runner), that phase, so start-up does not look like a stall;
   * otherwise {@link #format}.
   */
  static String line(
      String job,
      long elapsedMillis,
      @Nullable String phase,
      @Nullable Snapshot previous,
      long intervalMillis,
      @Nullable Snapshot now,
      long nowMillis) {
    if (now == null || (now.read == 0 && phase != null)) {
      return prefix(job, elapsedMillis)
          + "  "
          + (phase == null ? "starting" : phase)
          + ": no record read yet";
    }
    return format(job, elapsedMillis, previous, intervalMillis, now, nowMillis);
  }

  /** {@code tributary <job> h:mm:ss}: what every progress line starts with. */
  private static String prefix(String job, long elapsedMillis) {
    long seconds = elapsedMillis / 1000;
    return String.format(
        Locale.ROOT,
        "tributary %s %d:%02d:%02d",
        job,
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60);
  }

  /** A lag as the two largest units, e.g. {@code 3d 4h}, {@code 12m 5s}, {@code 0s}. */
  static String duration(long millis) {
    if (millis < 0) {
      return "0s";
    }
    long s = millis / 1000;
    long d = s / 86400;
    long h = s / 3600 % 24;
    long m = s / 60 % 60;
    long sec = s % 60;
    if (d > 0) {
      return d + "d " + h + "h";
    }
    if (h > 0) {
      return h + "h " + m + "m";
    }
    if (m > 0) {
      return m + "m " + sec + "s";
    }
    return sec + "s";
  }

  /**
   * Reads a snapshot from a running pipeline's metrics: read, written and dead-lettered as the
   * run's accounting derives them from the stages of {@code graph}.
   */
  static Snapshot fromResult(PipelineResult result, StageGraph graph) {
    return snapshot(graph, RunAccounting.counters(result));
  }

  /**
   * Reads a snapshot from the in-JVM mirror ({@link LiveMetrics}, which every stage counter counts
   * into), minus what it held before the run.
   */
  public static Snapshot fromLive(Map<String, Long> baseline, StageGraph graph) {
    Map<String, Long> counters = new TreeMap<>();
    String ns = DeadLetters.NAMESPACE + "/";
    for (Map.Entry<String, Long> e : LiveMetrics.snapshot().entrySet()) {
      if (e.getKey().startsWith(ns)) {
        counters.put(
            e.getKey().substring(ns.length()),
            e.getValue() - baseline.getOrDefault(e.getKey(), 0L));
      }
    }
    return snapshot(graph, counters);
  }

  private static Snapshot snapshot(StageGraph graph, Map<String, Long> counters) {
    RunAccounting a = RunAccounting.of(graph, counters, Map.of());
    return new Snapshot(a.read(), a.written(), a.deadLettered(), newestEventTime());
  }

  private static @Nullable Long newestEventTime() {
    Long newest = null;
    for (Map.Entry<String, Long> e : LiveMetrics.maxima().entrySet()) {
      if (e.getKey().endsWith("." + StageCounters.EVENT_TIME_MAX)) {
        newest = newest == null ? e.getValue() : Math.min(newest, e.getValue());
      }
    }
    return newest;
  }

  private final String job;
  private final PrintStream err;
  private final boolean rewrite;
  private final long intervalMillis;
  private final LongSupplier clock;
  private final Function<StageGraph, Snapshot> live;
  private volatile @Nullable StageGraph graph;
  private final AtomicReference<PipelineResult> result = new AtomicReference<>();
  private final @Nullable Thread thread;
  private volatile boolean stopped;
  private volatile @Nullable String phase = "building the pipeline";
  private final long startedAt;
  private boolean printed;

  Progress(
      String job,
      PrintStream err,
      boolean rewrite,
      long intervalMillis,
      LongSupplier clock,
      Function<StageGraph, Snapshot> live,
      boolean on) {
    this.job = job;
    this.err = err;
    this.rewrite = rewrite;
    this.intervalMillis = intervalMillis;
    this.clock = clock;
    this.live = live;
    this.startedAt = clock.getAsLong();
    if (on) {
      thread = new Thread(this::loop, "tributary-progress");
      thread.setDaemon(true);
      thread.start();
    } else {
      thread = null;
    }
  }

  /** Starts the reporter for {@code mode} (a no-op when the line is off). */
  // Built for JDK 17, where System.console() is null exactly when stdin/stdout are not a terminal.
  // Console.isTerminal(), the check JDK 22+ needs, does not exist on 17.
  @SuppressWarnings("SystemConsoleNull")
  static Progress start(String job, Mode mode, long intervalMillis) {
    boolean terminal = System.console() != null;
    Map<String, Long> baseline = LiveMetrics.snapshot();
    return new Progress(
        job,
        System.err,
        terminal && mode == Mode.AUTO,
        intervalMillis,
        System::currentTimeMillis,
        g -> fromLive(baseline, g),
        enabled(mode, terminal));
  }

  /** Whether a reporter thread runs. */
  boolean running() {
    return thread != null;
  }

  /** The stages of the built pipeline, whose counters the line adds up. */
  void stages(StageGraph stages) {
    graph = stages;
  }

  /**
   * The phase the run is in until its first record is read (e.g. {@code starting FlinkRunner});
   * null once nothing but the counts is worth showing.
   */
  void phase(@Nullable String now) {
    phase = now;
  }

  /** From now on, reads the running pipeline's own metrics. */
  void attach(PipelineResult running) {
    result.set(running);
  }

  private void loop() {
    long started = startedAt;
    Snapshot previous = null;
    long previousAt = started;
    while (!stopped) {
      try {
        Thread.sleep(intervalMillis);
      } catch (InterruptedException e) {
        return;
      }
      if (stopped) {
        return;
      }
      Snapshot now = null;
      StageGraph g = graph;
      if (g != null) { // null while the pipeline is still being built
        try {
          PipelineResult r = result.get();
          now = r != null ? fromResult(r, g) : live.apply(g);
        } catch (RuntimeException e) {
          continue; // a runner that cannot answer yet: try at the next tick
        }
        if (now.read > 0) {
          phase = null;
        }
      }
      long at = clock.getAsLong();
      String line = line(job, at - started, phase, previous, at - previousAt, now, at);
      synchronized (this) {
        if (!stopped) {
          err.print(rewrite ? "\r" + line + "\u001b[K" : line + System.lineSeparator());
          err.flush();
          printed = true;
        }
      }
      if (now != null) {
        previous = now;
        previousAt = at;
      }
    }
  }

  /**
   * Stops the ticks of a run that has ended and prints one last line with its final counts (the
   * rate averaged over the whole run), so that a run shorter than an interval, or one that ends
   * between two ticks, still shows where it ended. A no-op when the line is off.
   */
  void finish() {
    stopTicks();
    StageGraph g = graph;
    if (thread == null || g == null) {
      return;
    }
    Snapshot last;
    try {
      PipelineResult r = result.get();
      last = r != null ? fromResult(r, g) : live.apply(g);
    } catch (RuntimeException e) {
      return; // the run's summary still prints the final accounting
    }
    long at = clock.getAsLong();
    String line = format(job, at - startedAt, null, 0, last, at);
    synchronized (this) {
      err.print(rewrite ? "\r" + line + "\u001b[K" : line + System.lineSeparator());
      err.flush();
      printed = true;
    }
  }

  private void stopTicks() {
    stopped = true;
    if (thread != null && thread.isAlive()) {
      thread.interrupt();
      try {
        thread.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Stops the reporter and ends its line. */
  @Override
  public void close() {
    stopTicks();
    synchronized (this) {
      if (printed && rewrite) {
        err.println();
      }
    }
  }
}
