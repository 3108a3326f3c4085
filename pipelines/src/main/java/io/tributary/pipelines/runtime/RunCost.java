package io.tributary.pipelines.runtime;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.transforms.lineage.LineageDataset;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What a run used and what that costs at the user's unit prices (FinOps): CPU time, records and
 * bytes read and written per dataset, state size where the runner reports it, and the estimate
 * {@code cpu-hours x price per vCPU-hour + GB written x price per GB stored + GB egress x price per
 * GB egress}. GB are 10^9 bytes.
 *
 * <p>CPU time is the process CPU time of the JVM over the run when the workers run in it (Direct
 * runner, embedded Flink); for a remote cluster it is not measured here (null). Egress counts bytes
 * written to outputs that are not local files (object stores); rows sent to Kafka or PostgreSQL are
 * not measured in bytes. Stages share one JVM, so CPU is reported for the run, not per stage; per
 * stage the summary has records in and out ({@code RunAccounting#stages()}).
 *
 * <pre>{@code
 * RunCost cost = RunCost.of(12.5, Map.of("file:/in", 1_000_000L), Map.of("file:/out", 50_000L), 0L, null, 1000, 983);
 * System.out.println(cost.line(Pricing.of(0.04, 0.02, 0.09, "USD")));
 * }</pre>
 */
public final class RunCost {
  private static final double GB = 1e9;

  private final @Nullable Double cpuSeconds;
  private final Map<String, Long> bytesRead;
  private final Map<String, Long> bytesWritten;
  private final long egressBytes;
  private final @Nullable Long stateBytes;
  private final long recordsRead;
  private final long recordsWritten;

  private RunCost(
      @Nullable Double cpuSeconds,
      Map<String, Long> bytesRead,
      Map<String, Long> bytesWritten,
      long egressBytes,
      @Nullable Long stateBytes,
      long recordsRead,
      long recordsWritten) {
    this.cpuSeconds = cpuSeconds;
    this.bytesRead = bytesRead;
    this.bytesWritten = bytesWritten;
    this.egressBytes = egressBytes;
    this.stateBytes = stateBytes;
    this.recordsRead = recordsRead;
    this.recordsWritten = recordsWritten;
  }

  /** Explicit numbers; dataset ids to bytes. */
  public static RunCost of(
      @Nullable Double cpuSeconds,
      Map<String, Long> bytesRead,
      Map<String, Long> bytesWritten,
      long egressBytes,
      @Nullable Long stateBytes,
      long recordsRead,
      long recordsWritten) {
    return new RunCost(
        cpuSeconds,
        new LinkedHashMap<>(bytesRead),
        new LinkedHashMap<>(bytesWritten),
        egressBytes,
        stateBytes,
        recordsRead,
        recordsWritten);
  }

  /** Measures the datasets of a finished run: file sizes of inputs and outputs. */
  static RunCost measure(
      @Nullable Double cpuSeconds,
      List<LineageDataset> inputs,
      List<LineageDataset> outputs,
      long recordsRead,
      long recordsWritten) {
    Map<String, Long> read = new LinkedHashMap<>();
    for (LineageDataset d : inputs) {
      Long n = bytes(d);
      if (n != null) {
        read.put(d.namespace() + ":" + d.name(), n);
      }
    }
    Map<String, Long> written = new LinkedHashMap<>();
    long egress = 0;
    for (LineageDataset d : outputs) {
      Long n = bytes(d);
      if (n != null) {
        written.put(d.namespace() + ":" + d.name(), n);
        if (!"file".equals(d.namespace())) {
          egress += n;
        }
      }
    }
    return new RunCost(cpuSeconds, read, written, egress, null, recordsRead, recordsWritten);
  }

  /**
   * Bytes of a file dataset (a file, or every file under a directory); null when not a local file.
   */
  static @Nullable Long bytes(LineageDataset d) {
    if (!"file".equals(d.namespace())) {
      return null;
    }
    Path p = Path.of(d.name());
    try {
      if (Files.isRegularFile(p)) {
        return Files.size(p);
      }
      if (Files.isDirectory(p)) {
        try (Stream<Path> walk = Files.walk(p)) {
          return walk.filter(Files::isRegularFile)
              .mapToLong(
                  f -> {
                    try {
                      return Files.size(f);
                    } catch (IOException e) {
                      throw new UncheckedIOException(e);
                    }
                  })
              .sum();
        }
      }
      return 0L;
    } catch (IOException | UncheckedIOException e) {
      return null;
    }
  }

  /** Process CPU time of this JVM in nanoseconds, or -1 where the JVM does not report it. */
  static long processCpuNanos() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sunOs) {
      return sunOs.getProcessCpuTime();
    }
    return -1;
  }

  /** CPU seconds, or null when not measured. */
  public @Nullable Double cpuSeconds() {
    return cpuSeconds;
  }

  /** Bytes read per input dataset id. */
  public Map<String, Long> bytesRead() {
    return Collections.unmodifiableMap(bytesRead);
  }

  /** Bytes written per output dataset id. */
  public Map<String, Long> bytesWritten() {
    return Collections.unmodifiableMap(bytesWritten);
  }

  /** Total bytes read. */
  public long totalBytesRead() {
    return bytesRead.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Total bytes written. */
  public long totalBytesWritten() {
    return bytesWritten.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Bytes written to non-local outputs. */
  public long egressBytes() {
    return egressBytes;
  }

  /** State size in bytes as the runner reports it, or null. */
  public @Nullable Long stateBytes() {
    return stateBytes;
  }

  /** vCPU-hours used (0 when not measured). */
  public double vcpuHours() {
    return cpuSeconds == null ? 0 : cpuSeconds / 3600.0;
  }

  /** Compute cost. */
  public double cpuCost(Pricing p) {
    return vcpuHours() * p.perVcpuHour();
  }

  /** Storage cost of what was written (and of state, when reported). */
  public double storageCost(Pricing p) {
    return (totalBytesWritten() + (stateBytes == null ? 0 : stateBytes)) / GB * p.perGbStored();
  }

  /** Egress cost. */
  public double egressCost(Pricing p) {
    return egressBytes / GB * p.perGbEgress();
  }

  /** The estimate. */
  public double total(Pricing p) {
    return cpuCost(p) + storageCost(p) + egressCost(p);
  }

  /** The one line printed at the end of a run. */
  public String line(Pricing p) {
    return String.format(
        java.util.Locale.ROOT,
        "cost: cpu %s + stored %s%s + egress %s = %.6f %s (estimate at %s/vCPU-h, %s/GB stored, %s/GB egress; %s)",
        cpuSeconds == null
            ? "not measured"
            : String.format(java.util.Locale.ROOT, "%.1f s", cpuSeconds),
        human(totalBytesWritten()),
        stateBytes == null ? "" : " + state " + human(stateBytes),
        human(egressBytes),
        total(p),
        p.currency(),
        num(p.perVcpuHour()),
        num(p.perGbStored()),
        num(p.perGbEgress()),
        p.source());
  }

  /** Adds the cost object to a summary. */
  void toJson(ObjectNode node, Pricing p) {
    if (cpuSeconds == null) {
      node.putNull("cpu_seconds");
    } else {
      node.put("cpu_seconds", cpuSeconds);
    }
    node.put("vcpu_hours", vcpuHours());
    node.put("records_read", recordsRead);
    node.put("records_written", recordsWritten);
    node.put("bytes_read", totalBytesRead());
    node.put("bytes_written", totalBytesWritten());
    ObjectNode r = node.putObject("bytes_read_by_dataset");
    bytesRead.forEach(r::put);
    ObjectNode w = node.putObject("bytes_written_by_dataset");
    bytesWritten.forEach(w::put);
    node.put("egress_bytes", egressBytes);
    if (stateBytes == null) {
      node.putNull("state_bytes");
    } else {
      node.put("state_bytes", stateBytes);
    }
    ObjectNode prices = node.putObject("prices");
    prices.put("currency", p.currency());
    prices.put("per_vcpu_hour", p.perVcpuHour());
    prices.put("per_gb_stored", p.perGbStored());
    prices.put("per_gb_egress", p.perGbEgress());
    ObjectNode est = node.putObject("estimate");
    est.put("cpu", cpuCost(p));
    est.put("storage", storageCost(p));
    est.put("egress", egressCost(p));
    est.put("total", total(p));
    est.put("currency", p.currency());
  }

  static String human(long bytes) {
    if (bytes < 1000) {
      return bytes + " B";
    }
    String[] units = {"kB", "MB", "GB", "TB"};
    double v = bytes;
    int i = -1;
    while (v >= 1000 && i < units.length - 1) {
      v /= 1000;
      i++;
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[i]);
  }

  private static String num(double v) {
    return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }
}
