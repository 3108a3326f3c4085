package io.tributary.benchmarks;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The largest heap occupancy seen right after any GC during the run (a proxy for live data,
 * including keyed state held on the heap), and the process's peak RSS from /proc.
 */
public final class GcWatch {
  private static final AtomicLong MAX_AFTER_GC = new AtomicLong();

  private GcWatch() {}

  /** Starts listening to GC notifications. */
  public static void start() {
    Set<String> heapPools =
        ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP)
            .map(MemoryPoolMXBean::getName)
            .collect(Collectors.toSet());
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ((NotificationEmitter) gc)
          .addNotificationListener(
              (n, h) -> {
                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                    n.getType())) {
                  return;
                }
                GarbageCollectionNotificationInfo info =
                    GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                long used = 0;
                for (Map.Entry<String, MemoryUsage> e :
                    info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                  if (heapPools.contains(e.getKey())) {
                    used += e.getValue().getUsed();
                  }
                }
                MAX_AFTER_GC.accumulateAndGet(used, Math::max);
              },
              null,
              null);
    }
  }

  /** Largest heap occupancy after a GC, in MiB (0 if no GC ran). */
  public static long maxHeapAfterGcMiB() {
    return MAX_AFTER_GC.get() >> 20;
  }

  /** Peak resident set size of this process (VmHWM), in MiB. */
  public static long peakRssMiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) >> 10;
        }
      }
    } catch (Exception e) {
      // Not Linux: report -1 rather than a guess.
    }
    return -1;
  }
}
