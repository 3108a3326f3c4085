package io.tributary.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CPU seconds per Java thread of one round ({@code --threadCpu=true}): which operator chain of the
 * job spent the time. Flink names a task thread after its chain ("CHAIN DataSource (...) -> FlatMap
 * (...)"), so the split follows the job's serialization boundaries. A sampler reads every live
 * thread's CPU time every 100 ms and keeps its last reading, so a thread that ended between two
 * readings loses at most its last 100 ms. The JVM's own threads (JIT compilers, GC) are not Java
 * threads and are not listed: process CPU minus the listed sum is theirs.
 *
 * <pre>{@code
 * ThreadCpu.start();   // before the round
 * ...                  // the round
 * ThreadCpu.report();  // prints "THREADCPU <seconds> <thread>" lines for the round
 * }</pre>
 */
final class ThreadCpu {
  private static final Map<Long, String> NAMES = new ConcurrentHashMap<>();
  private static final Map<Long, Long> NANOS = new ConcurrentHashMap<>();
  private static final Map<Long, Long> BASE = new ConcurrentHashMap<>();
  private static volatile long processBase;
  private static volatile Thread sampler;

  private ThreadCpu() {}

  /** Starts (or restarts, forgetting earlier readings) the sampler. */
  static synchronized void start() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    NAMES.clear();
    NANOS.clear();
    read(mx);
    BASE.clear();
    BASE.putAll(NANOS);
    processBase = Marks.processCpuNanos();
    if (sampler != null) {
      return;
    }
    Thread t =
        new Thread(
            () -> {
              while (true) {
                read(mx);
                try {
                  Thread.sleep(100);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "bench-thread-cpu");
    t.setDaemon(true);
    t.start();
    sampler = t;
  }

  private static void read(ThreadMXBean mx) {
    for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long cpu = mx.getThreadCpuTime(info.getThreadId());
      if (cpu > 0) {
        NAMES.put(info.getThreadId(), info.getThreadName());
        NANOS.put(info.getThreadId(), cpu);
      }
    }
  }

  /**
   * Prints the CPU seconds per thread name (numbers such as "(1/2)" and "#3" folded, so the two
   * subtasks of one chain add up), largest first, then what the listed threads do not cover.
   */
  static synchronized void report() {
    read(ManagementFactory.getThreadMXBean());
    double processCpuSeconds = (Marks.processCpuNanos() - processBase) / 1e9;
    Map<String, Double> byName = new TreeMap<>();
    NANOS.forEach(
        (id, nanos) -> {
          String name =
              NAMES.get(id).replaceAll("\\(\\d+/\\d+\\)", "").replaceAll("#\\d+", "").trim();
          if (name.length() > 140) {
            name = name.substring(0, 140);
          }
          byName.merge(name, (nanos - BASE.getOrDefault(id, 0L)) / 1e9, Double::sum);
        });
    double listed = byName.values().stream().mapToDouble(Double::doubleValue).sum();
    byName.entrySet().stream()
        .sorted((x, y) -> Double.compare(y.getValue(), x.getValue()))
        .filter(e -> e.getValue() >= 0.05)
        .forEach(
            e ->
                System.out.println(
                    String.format(Locale.ROOT, "THREADCPU %7.2f %s", e.getValue(), e.getKey())));
    System.out.println(
        String.format(
            Locale.ROOT,
            "THREADCPU %7.2f of %.2f process CPU s of the round in no Java thread read here (JIT,"
                + " GC)",
            processCpuSeconds - listed,
            processCpuSeconds));
    NAMES.clear();
    NANOS.clear();
  }
}
