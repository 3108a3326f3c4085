package io.tributary.benchmarks;

import java.util.Locale;
import java.util.function.Supplier;

/** The state benchmarks' mid-run line on stderr: {@code PROGRESS t=<s> <fields> heap_used_mib=}. */
final class Progress {
  private Progress() {}

  /** Prints one line every {@code periodSeconds} from a daemon thread until the JVM exits. */
  static void start(long periodSeconds, Supplier<String> fields) {
    long start = System.nanoTime();
    Thread t =
        new Thread(
            () -> {
              while (true) {
                try {
                  Thread.sleep(periodSeconds * 1000);
                } catch (InterruptedException e) {
                  return;
                }
                System.err.printf(
                    Locale.ROOT,
                    "PROGRESS t=%ds %s heap_used_mib=%d%n",
                    (System.nanoTime() - start) / 1_000_000_000L,
                    fields.get(),
                    (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
              }
            },
            "state-bench-progress");
    t.setDaemon(true);
    t.start();
  }
}
