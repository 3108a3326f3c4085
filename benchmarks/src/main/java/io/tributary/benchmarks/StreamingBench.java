package io.tributary.benchmarks;

import io.tributary.pipelines.runtime.FlinkRest;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The streaming benchmark driver (issue 19, item 3; {@code ONLY=streaming benchmarks/run.sh}): one
 * job of one system on a running standalone cluster and broker, Kafka in, exactly-once Kafka sink
 * out, then fixed-rate steps.
 *
 * <p>Per step: a producer in this JVM sends {@code rate} events a second for {@code
 * --step-seconds}, each with a fresh id ({@code s<step>-<index>}) and its send time kept here; a
 * read_committed consumer of the sink topic notes when each id becomes visible. Latency = visible
 * time minus send time (one clock, this JVM's). Lag(t) = sent(t) - visible(t), sampled every
 * second. A step is <b>sustainable</b> when the least-squares slope of lag over its last {@code
 * --window-seconds} is below 1% of the rate (events/s per s) and everything sent becomes visible
 * within {@code --drain-seconds} after the producer stops. Rates step up ({@code --rates}) until
 * the first that is not sustainable; then one step at {@code --latency-fraction} (0.5) of the
 * highest sustainable rate (or {@code --latency-rate}) gives the latency percentiles. Each step
 * prints a {@code RESULT} line.
 */
public final class StreamingBench {
  private static final Pattern SUBMITTED =
      Pattern.compile("submitted clickstream as Flink job ([0-9a-f]{32}) ");

  private final Map<String, String> args;
  private final String bootstrap;
  private final String system;
  private final long checkpointMs;
  private final String tag;
  private final String inTopic;
  private final String outTopic;
  private final List<Step> steps = new ArrayList<>();
  private volatile boolean stopReading;
  private final AtomicReference<Exception> readFailure = new AtomicReference<>();

  private StreamingBench(Map<String, String> args) {
    this.args = args;
    this.bootstrap = args.get("bootstrap");
    this.system = args.get("system");
    this.checkpointMs = Long.parseLong(args.getOrDefault("checkpoint-ms", "1000"));
    this.tag = system + "-" + checkpointMs + "-" + Long.toString(System.currentTimeMillis(), 36);
    this.inTopic = "in-" + tag;
    this.outTopic = "out-" + tag;
  }

  /** One fixed-rate step: what was sent when, and what became visible when. */
  static final class Step {
    final int number;
    final int rate;
    final long[] sentAt;
    final long[] latencyMs;
    final BitSet visible;
    final AtomicInteger sent = new AtomicInteger();
    volatile int visibleCount;
    volatile int duplicates;
    volatile boolean sustainable;
    volatile double achieved;
    volatile long sendNanos;

    Step(int number, int rate, int events) {
      this.number = number;
      this.rate = rate;
      this.sentAt = new long[events];
      this.latencyMs = new long[events];
      this.visible = new BitSet(events);
    }
  }

  public static void main(String[] argv) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (String s : argv) {
      int eq = s.indexOf('=');
      a.put(s.substring(2, eq), s.substring(eq + 1));
    }
    new StreamingBench(a).run();
  }

  private void run() throws Exception {
    String master = args.get("master");
    FlinkRest flink = new FlinkRest(master);
    createTopics();
    Thread reader = new Thread(this::read, "sink-reader");
    reader.setDaemon(true);
    reader.start();
    String job = null;
    try (KafkaProducer<String, String> producer = producer()) {
      long t0 = System.nanoTime();
      job = system.equals("native") ? submitNative(master) : submitTributary(master);
      log("submitted %s job %s in %d ms", system, job, ms(t0));
      awaitRunning(flink, job, 180);
      // Warm-up: a slow trickle until the first events are committed in the sink.
      Step warm = runStep(producer, flink, job, 0, 50, 20, true);
      if (warm.visibleCount == 0) {
        throw new IllegalStateException("nothing visible in the sink after the warm-up");
      }
      int stepSeconds = Integer.parseInt(args.getOrDefault("step-seconds", "60"));
      int best = 0;
      boolean limitFound = false;
      int number = 1;
      Step last = null;
      if (args.containsKey("rates")) {
        for (String r : args.get("rates").split(",")) {
          Step s = runStep(producer, flink, job, number++, Integer.parseInt(r), stepSeconds, false);
          last = s;
          if (s.achieved < 0.95 * s.rate) {
            // The producer (this JVM) could not send at the rate: the harness's limit, not the
            // job's; the rate does not count and the search ends without a limit found.
            log(
                "step %d: producer short (%.0f of %d events/s); search ends",
                s.number, s.achieved, s.rate);
            break;
          }
          if (!sustainable(s)) {
            limitFound = true;
            break;
          }
          best = s.rate;
        }
      }
      if (last != null && last.visibleCount < last.sent.get()) {
        // A backlog would delay the latency step: wait for it (bounded) before going on.
        long t = System.nanoTime();
        while (last.visibleCount < last.sent.get() && ms(t) < 600_000) {
          Thread.sleep(500);
        }
        log(
            "backlog of step %d: %d of %d visible after %d ms more",
            last.number, last.visibleCount, last.sent.get(), ms(t));
      }
      int latencyRate =
          args.containsKey("latency-rate")
              ? Integer.parseInt(args.get("latency-rate"))
              : (int) (best * Double.parseDouble(args.getOrDefault("latency-fraction", "0.5")));
      if (latencyRate > 0) {
        runStep(producer, flink, job, number, latencyRate, stepSeconds, false);
      }
      System.out.printf(
          "SUMMARY system=%s checkpoint_ms=%d max_sustainable=%d limit_found=%s latency_rate=%d"
              + " restarts=%d%n",
          system, checkpointMs, best, limitFound, latencyRate, flink.restarts(job));
    } finally {
      stopReading = true;
      if (job != null) {
        try {
          flink.cancel(job);
          log("cancelled %s", job);
        } catch (Exception e) {
          log("could not cancel %s: %s", job, e.getMessage());
        }
      }
      reader.join(10_000);
    }
    if (readFailure.get() != null) {
      throw readFailure.get();
    }
  }

  // ---- the jobs ----

  private String submitTributary(String master) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                args.get("jar"),
                "run",
                "clickstream",
                "--profile=flink-cluster",
                "--flinkMaster=" + master,
                "--streaming=true",
                "--source=kafka",
                "--bootstrapServers=" + bootstrap,
                "--topic=" + inTopic,
                "--payloadFormat=json",
                "--kafkaWatermark=10s",
                "--consumerGroup=" + tag + "-in",
                "--sinkTopic=" + outTopic,
                "--sinkGroupId=" + tag + "-sink",
                "--window=fixed:60s",
                "--checkpointingInterval=" + checkpointMs,
                "--minPauseBetweenCheckpoints=" + minPauseMs(),
                "--output="
                    + args.getOrDefault("out", "/tmp/tributary-bench/streaming")
                    + "/"
                    + tag));
    // Further CLI options for Tributary only (streaming.sh's TRIBUTARY_ARGS), e.g.
    // --routerBuckets=2.
    for (String extra : args.getOrDefault("tributary-args", "").trim().split("\\s+")) {
      if (!extra.isEmpty()) {
        cmd.add(extra);
      }
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out;
    try {
      if (!p.waitFor(300, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the Tributary CLI did not submit within 300 s");
      }
      out = p.getInputStream().readAllBytes();
    } finally {
      p.destroyForcibly();
    }
    String text = new String(out, StandardCharsets.UTF_8);
    Matcher m = SUBMITTED.matcher(text);
    if (!m.find()) {
      throw new IllegalStateException("no job id in the CLI's output:\n" + text);
    }
    return m.group(1);
  }

  private String submitNative(String master) throws Exception {
    String[] hostPort = master.split(":");
    return NativeKafkaJob.submit(
        new NativeKafkaJob.Settings(
            hostPort[0],
            Integer.parseInt(hostPort[1]),
            bootstrap,
            inTopic,
            outTopic,
            tag,
            checkpointMs,
            minPauseMs(),
            Integer.parseInt(args.getOrDefault("parallelism", "2")),
            args.get("jars").split(File.pathSeparator)));
  }

  private long minPauseMs() {
    return Long.parseLong(args.getOrDefault("min-pause-ms", "500"));
  }

  private static void awaitRunning(FlinkRest flink, String job, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    String state = "";
    while (System.nanoTime() < deadline) {
      state = flink.state(job);
      if (state.equals("RUNNING")) {
        return;
      }
      if (state.equals("FAILED") || state.equals("CANCELED") || state.equals("FINISHED")) {
        break;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException(
        "job " + job + " not RUNNING (" + state + "): " + flink.exceptions(job));
  }

  // ---- Kafka ----

  private void createTopics() throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    int partitions = Integer.parseInt(args.getOrDefault("partitions", "2"));
    try (Admin admin = Admin.create(p)) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(inTopic, partitions, (short) 1),
                  new NewTopic(outTopic, partitions, (short) 1)))
          .all()
          .get(60, TimeUnit.SECONDS);
    }
  }

  private KafkaProducer<String, String> producer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  /** The sink reader: read_committed, all partitions from the beginning, until told to stop. */
  private void read() {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    try (KafkaConsumer<String, String> c =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      c.partitionsFor(outTopic, Duration.ofSeconds(60))
          .forEach(pi -> parts.add(new TopicPartition(outTopic, pi.partition())));
      c.assign(parts);
      c.seekToBeginning(parts);
      while (!stopReading) {
        var records = c.poll(Duration.ofMillis(100));
        long now = System.currentTimeMillis();
        for (ConsumerRecord<String, String> r : records) {
          seen(r.key(), now);
        }
      }
    } catch (Exception e) {
      readFailure.set(e);
    }
  }

  private void seen(String key, long now) {
    // s<step>-<index>
    int dash = key.indexOf('-');
    Step s = stepOf(Integer.parseInt(key.substring(1, dash)));
    int i = Integer.parseInt(key.substring(dash + 1));
    synchronized (s) {
      if (s.visible.get(i)) {
        s.duplicates++;
        return;
      }
      s.visible.set(i);
      s.latencyMs[i] = now - s.sentAt[i];
      s.visibleCount++;
    }
  }

  private Step stepOf(int number) {
    synchronized (steps) {
      return steps.get(number);
    }
  }

  // ---- steps ----

  private Step runStep(
      KafkaProducer<String, String> producer,
      FlinkRest flink,
      String job,
      int number,
      int rate,
      int seconds,
      boolean warmUp)
      throws Exception {
    Step s = new Step(number, rate, rate * seconds);
    synchronized (steps) {
      steps.add(s);
    }
    String load0 = load();
    double tmCpu0 = taskManagerCpuSeconds();
    Thread sender = new Thread(() -> send(producer, s, seconds), "producer-" + number);
    sender.start();
    List<long[]> lag = new ArrayList<>(); // {second, sent - visible}
    long start = System.nanoTime();
    int second = 0;
    while (sender.isAlive()) {
      second++;
      long due = start + TimeUnit.SECONDS.toNanos(second);
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      lag.add(new long[] {second, s.sent.get() - s.visibleCount});
    }
    int sent = s.sent.get();
    // The TaskManager's CPU while the producer sent: what the job spent per event at this rate.
    double tmCpu = taskManagerCpuSeconds() - tmCpu0;
    double achieved = sent / (Math.max(1, s.sendNanos) / 1e9);
    s.achieved = achieved;
    int window = Integer.parseInt(args.getOrDefault("window-seconds", "45"));
    double slope = slope(lag.subList(Math.max(0, lag.size() - window), lag.size()));
    long drainLimit =
        warmUp
            ? 240_000
            : TimeUnit.SECONDS.toMillis(Long.parseLong(args.getOrDefault("drain-seconds", "30")))
                + 2 * checkpointMs;
    long drainStart = System.nanoTime();
    while (s.visibleCount < sent && ms(drainStart) < drainLimit) {
      Thread.sleep(100);
    }
    long drainMs = ms(drainStart);
    boolean drained = s.visibleCount >= sent;
    // Late duplicates would arrive at the next commit: read one more interval.
    Thread.sleep(checkpointMs + 500);
    long[] lat;
    synchronized (s) {
      lat = new long[s.visibleCount];
      int k = 0;
      for (int i = s.visible.nextSetBit(0); i >= 0; i = s.visible.nextSetBit(i + 1)) {
        lat[k++] = s.latencyMs[i];
      }
    }
    Arrays.sort(lat);
    boolean ok = drained && slope < 0.01 * rate;
    s.sustainable = ok;
    System.out.printf(
        "RESULT system=%s checkpoint_ms=%d step=%s rate=%d seconds=%d sent=%d achieved_rate=%.0f"
            + " visible=%d duplicates=%d lag_slope_per_s=%.1f lag_max=%d drained=%s drain_ms=%d"
            + " sustainable=%s p50_ms=%d p99_ms=%d max_ms=%d restarts=%d load=%s"
            + " tm_cpu_s=%.1f tm_cpu_us_per_event=%.1f%n",
        system,
        checkpointMs,
        warmUp ? "warmup" : Integer.toString(number),
        rate,
        seconds,
        sent,
        achieved,
        s.visibleCount,
        s.duplicates,
        slope,
        lag.stream().mapToLong(l -> l[1]).max().orElse(0),
        drained,
        drainMs,
        ok,
        pct(lat, 0.50),
        pct(lat, 0.99),
        lat.length == 0 ? -1 : lat[lat.length - 1],
        flink.restarts(job),
        load0.replace(' ', ','),
        tmCpu0 < 0 ? -1.0 : tmCpu,
        tmCpu0 < 0 || sent == 0 ? -1.0 : tmCpu * 1e6 / sent);
    System.out.flush();
    return s;
  }

  /**
   * User plus system CPU seconds of the TaskManager process named by {@code --tm-pid-file} (its
   * /proc/PID/stat), or -1 without the option or when it cannot be read (not Linux, process gone).
   */
  private double taskManagerCpuSeconds() {
    String pidFile = args.get("tm-pid-file");
    if (pidFile == null) {
      return -1;
    }
    try {
      String pid =
          new String(Files.readAllBytes(Paths.get(pidFile)), StandardCharsets.UTF_8).trim();
      String stat =
          new String(Files.readAllBytes(Paths.get("/proc", pid, "stat")), StandardCharsets.UTF_8);
      // Fields after the command name, which is in parentheses and may hold spaces: utime and
      // stime are the 14th and 15th fields of the line, the 12th and 13th after ") ".
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) CLOCK_TICKS;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** USER_HZ of Linux's /proc times: 100 on every architecture Java runs on here. */
  private static final int CLOCK_TICKS = 100;

  private static boolean sustainable(Step s) {
    return s.sustainable;
  }

  /** Sends {@code s.rate} events a second for {@code seconds}, pacing against the clock. */
  private void send(KafkaProducer<String, String> producer, Step s, int seconds) {
    int n = s.sentAt.length;
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      long due = start + 1_000_000_000L * i / s.rate;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        try {
          TimeUnit.NANOSECONDS.sleep(wait);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      String id = "s" + s.number + "-" + i;
      long now = System.currentTimeMillis();
      s.sentAt[i] = now;
      String json =
          "{\"event_id\":\""
              + id
              + "\",\"user_id\":\"u-"
              + (i % 97)
              + "\",\"event_type\":\""
              + (i % 3 == 0 ? "purchase" : "page_view")
              + "\",\"product_id\":\"p-"
              + (i % 50)
              + "\",\"price\":"
              + (1 + i % 90)
              + "."
              + (10 + i % 90)
              + ",\"currency\":\"EUR\",\"event_time\":\""
              + Instant.ofEpochMilli(now)
              + "\"}";
      var unused = producer.send(new ProducerRecord<>(inTopic, id, json));
      s.sent.incrementAndGet();
    }
    // The time the last send was due at the rate, or later if the producer fell behind.
    s.sendNanos = Math.max(System.nanoTime() - start, 1_000_000_000L * n / s.rate);
    producer.flush();
  }

  // ---- numbers ----

  /** Least-squares slope of {second, lag} points, in events per second. */
  static double slope(List<long[]> points) {
    int n = points.size();
    if (n < 2) {
      return 0;
    }
    double mx = 0;
    double my = 0;
    for (long[] p : points) {
      mx += p[0];
      my += p[1];
    }
    mx /= n;
    my /= n;
    double sxy = 0;
    double sxx = 0;
    for (long[] p : points) {
      sxy += (p[0] - mx) * (p[1] - my);
      sxx += (p[0] - mx) * (p[0] - mx);
    }
    return sxy / sxx;
  }

  static long pct(long[] sorted, double q) {
    if (sorted.length == 0) {
      return -1;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }

  private static String load() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "?";
    }
  }

  private static long ms(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  private static void log(String format, Object... a) {
    System.err.printf("[streaming-bench %s] %s%n", Instant.now(), String.format(format, a));
  }
}
