package io.tributary.transforms.quality.metrics;

import io.tributary.transforms.quality.Values;
import io.tributary.transforms.values.FieldPath;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.values.Row;
import org.apache.datasketches.hll.Union;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The mergeable state of one metric in one window: counts, exact decimal sums, value frequencies or
 * a sketch, whichever the metric needs.
 *
 * <p>Exact metrics stay exact: sums are {@link BigDecimal}, ratios are divisions of two longs, and
 * frequencies are a sorted map iterated in key order, so the result does not depend on the order in
 * which a runner adds and merges inputs (floating-point sums would differ in the last bits). The
 * only inexact step is the final conversion to a {@code double}, which is deterministic.
 */
final class MetricState {
  static final int HLL_LG_K = 12;
  static final int KLL_K = 200;
  private static final MathContext MC = MathContext.DECIMAL128;

  long rows; // rows passing where
  long matches; // non-null (completeness), predicate true (compliance), pattern found
  long count; // non-null numeric / string values, or non-null pairs (correlation)
  @Nullable BigDecimal sum;
  @Nullable BigDecimal sumSq;
  @Nullable BigDecimal sumY;
  @Nullable BigDecimal sumYSq;
  @Nullable BigDecimal sumXY;
  @Nullable BigDecimal min;
  @Nullable BigDecimal max;
  long minLength = Long.MAX_VALUE;
  long maxLength = -1;
  @Nullable TreeMap<String, Long> frequencies;
  @Nullable Union hll;
  @Nullable KllDoublesSketch kll;

  void add(Metric m, Row row) {
    if (m.whereCondition() != null && !m.whereCondition().test(row)) {
      return;
    }
    rows++;
    List<FieldPath> paths = m.paths();
    Object v = paths.isEmpty() ? null : paths.get(0).get(row);
    switch (m.kind()) {
      case SIZE:
        return;
      case COMPLETENESS:
        if (v != null) {
          matches++;
        }
        return;
      case COMPLIANCE:
        if (m.predicate().test(row)) {
          matches++;
        }
        return;
      case PATTERN_MATCH:
        if (v != null && m.compiledPattern().matcher(v.toString()).find()) {
          matches++;
        }
        return;
      case APPROX_COUNT_DISTINCT:
        if (v != null) {
          if (hll == null) {
            hll = new Union(HLL_LG_K);
          }
          hll.update(Values.key(v));
        }
        return;
      case APPROX_QUANTILES:
        if (v != null) {
          if (kll == null) {
            kll = KllDoublesSketch.newHeapInstance(KLL_K);
          }
          kll.update(Values.toDecimal(v).doubleValue());
        }
        return;
      case MIN_LENGTH:
      case MAX_LENGTH:
        if (v != null) {
          String s = v.toString();
          long n = s.codePointCount(0, s.length());
          count++;
          minLength = Math.min(minLength, n);
          maxLength = Math.max(maxLength, n);
        }
        return;
      case CORRELATION:
        Object w = paths.get(1).get(row);
        if (v != null && w != null) {
          BigDecimal x = Values.toDecimal(v);
          BigDecimal y = Values.toDecimal(w);
          count++;
          sum = plus(sum, x);
          sumSq = plus(sumSq, x.multiply(x));
          sumY = plus(sumY, y);
          sumYSq = plus(sumYSq, y.multiply(y));
          sumXY = plus(sumXY, x.multiply(y));
        }
        return;
      default:
        if (v == null) {
          return;
        }
        if (m.kind().frequencyBased()) {
          if (frequencies == null) {
            frequencies = new TreeMap<>();
          }
          frequencies.merge(Values.key(v), 1L, Long::sum);
          return;
        }
        BigDecimal x = Values.toDecimal(v);
        count++;
        sum = plus(sum, x);
        sumSq = plus(sumSq, x.multiply(x));
        min = min == null || x.compareTo(min) < 0 ? x : min;
        max = max == null || x.compareTo(max) > 0 ? x : max;
    }
  }

  void merge(MetricState o) {
    rows += o.rows;
    matches += o.matches;
    count += o.count;
    sum = plus(sum, o.sum);
    sumSq = plus(sumSq, o.sumSq);
    sumY = plus(sumY, o.sumY);
    sumYSq = plus(sumYSq, o.sumYSq);
    sumXY = plus(sumXY, o.sumXY);
    if (o.min != null) {
      min = min == null || o.min.compareTo(min) < 0 ? o.min : min;
    }
    if (o.max != null) {
      max = max == null || o.max.compareTo(max) > 0 ? o.max : max;
    }
    minLength = Math.min(minLength, o.minLength);
    maxLength = Math.max(maxLength, o.maxLength);
    if (o.frequencies != null) {
      if (frequencies == null) {
        frequencies = new TreeMap<>();
      }
      o.frequencies.forEach((k, c) -> frequencies.merge(k, c, Long::sum));
    }
    if (o.hll != null) {
      if (hll == null) {
        hll = new Union(HLL_LG_K);
      }
      hll.update(o.hll.getResult());
    }
    if (o.kll != null) {
      if (kll == null) {
        kll = KllDoublesSketch.newHeapInstance(KLL_K);
      }
      kll.merge(o.kll);
    }
  }

  /** One value (or one per quantile) with its key; undefined values carry a reason. */
  static final class Value {
    final @Nullable String key;
    final @Nullable Double value;
    final @Nullable String undefinedReason;

    Value(@Nullable String key, @Nullable Double value, @Nullable String undefinedReason) {
      this.key = key;
      this.value = value;
      this.undefinedReason = undefinedReason;
    }
  }

  private static Value of(double v) {
    return new Value(null, v, null);
  }

  private static Value undefined(String reason) {
    return new Value(null, null, reason);
  }

  static final String EMPTY = "empty input: no rows";
  static final String NO_VALUES = "no non-null values";

  List<Value> result(Metric m) {
    switch (m.kind()) {
      case SIZE:
        return List.of(of((double) rows));
      case COMPLETENESS:
      case COMPLIANCE:
      case PATTERN_MATCH:
        return List.of(rows == 0 ? undefined(EMPTY) : of((double) matches / rows));
      case APPROX_COUNT_DISTINCT:
        // The composite estimator reads only the registers, which do not depend on the order of
        // updates and merges (HIP, the default for in-order sketches, does).
        return List.of(of(hll == null ? 0.0 : Math.round(hll.getCompositeEstimate())));
      case APPROX_QUANTILES:
        List<Value> qs = new ArrayList<>();
        for (Double q : m.quantiles()) {
          qs.add(
              kll == null || kll.isEmpty()
                  ? new Value(String.valueOf(q), null, rows == 0 ? EMPTY : NO_VALUES)
                  : new Value(
                      String.valueOf(q),
                      kll.getQuantile(q, QuantileSearchCriteria.INCLUSIVE),
                      null));
        }
        return qs;
      case MIN_LENGTH:
        return List.of(
            count == 0 ? undefined(rows == 0 ? EMPTY : NO_VALUES) : of((double) minLength));
      case MAX_LENGTH:
        return List.of(
            count == 0 ? undefined(rows == 0 ? EMPTY : NO_VALUES) : of((double) maxLength));
      case CORRELATION:
        return List.of(correlation());
      case COUNT_DISTINCT:
        return List.of(of(frequencies == null ? 0 : frequencies.size()));
      case UNIQUENESS:
      case DISTINCTNESS:
      case UNIQUE_VALUE_RATIO:
      case ENTROPY:
        return List.of(frequencyMetric(m.kind()));
      default:
        if (count == 0) {
          return List.of(undefined(rows == 0 ? EMPTY : NO_VALUES));
        }
        switch (m.kind()) {
          case MINIMUM:
            return List.of(of(min.doubleValue()));
          case MAXIMUM:
            return List.of(of(max.doubleValue()));
          case SUM:
            return List.of(of(sum.doubleValue()));
          case MEAN:
            return List.of(of(sum.divide(BigDecimal.valueOf(count), MC).doubleValue()));
          default: // STANDARD_DEVIATION, population: sqrt((n*sum(x^2) - sum(x)^2) / n^2)
            BigDecimal n = BigDecimal.valueOf(count);
            BigDecimal variance =
                n.multiply(sumSq).subtract(sum.multiply(sum)).divide(n.multiply(n), MC);
            return List.of(of(variance.signum() <= 0 ? 0.0 : variance.sqrt(MC).doubleValue()));
        }
    }
  }

  private Value frequencyMetric(Metric.Kind kind) {
    if (frequencies == null || frequencies.isEmpty()) {
      return undefined(rows == 0 ? EMPTY : NO_VALUES);
    }
    long total = 0;
    long once = 0;
    for (long c : frequencies.values()) {
      total += c;
      if (c == 1) {
        once++;
      }
    }
    switch (kind) {
      case UNIQUENESS:
        return of((double) once / total);
      case DISTINCTNESS:
        return of((double) frequencies.size() / total);
      case UNIQUE_VALUE_RATIO:
        return of((double) once / frequencies.size());
      default:
        double entropy = 0;
        for (long c : frequencies.values()) { // key order: the same sum on every runner
          double p = (double) c / total;
          entropy -= p * Math.log(p);
        }
        return of(entropy);
    }
  }

  private Value correlation() {
    if (count == 0) {
      return undefined(rows == 0 ? EMPTY : "no rows where both columns are non-null");
    }
    BigDecimal n = BigDecimal.valueOf(count);
    BigDecimal cov = n.multiply(sumXY).subtract(sum.multiply(sumY));
    BigDecimal vx = n.multiply(sumSq).subtract(sum.multiply(sum));
    BigDecimal vy = n.multiply(sumYSq).subtract(sumY.multiply(sumY));
    if (vx.signum() == 0 || vy.signum() == 0) {
      return undefined("a column has zero variance");
    }
    double r = cov.divide(vx.multiply(vy).sqrt(MC), MC).doubleValue();
    return of(Math.max(-1.0, Math.min(1.0, r)));
  }

  private static @Nullable BigDecimal plus(@Nullable BigDecimal a, @Nullable BigDecimal b) {
    return a == null ? b : b == null ? a : a.add(b);
  }

  // ---- encoding ----

  void encode(DataOutputStream out) throws IOException {
    out.writeLong(rows);
    out.writeLong(matches);
    out.writeLong(count);
    for (BigDecimal d : new BigDecimal[] {sum, sumSq, sumY, sumYSq, sumXY, min, max}) {
      writeDecimal(out, d);
    }
    out.writeLong(minLength);
    out.writeLong(maxLength);
    out.writeBoolean(frequencies != null);
    if (frequencies != null) {
      out.writeInt(frequencies.size());
      for (Map.Entry<String, Long> e : frequencies.entrySet()) {
        writeString(out, e.getKey());
        out.writeLong(e.getValue());
      }
    }
    writeBytes(out, hll == null ? null : hll.toCompactByteArray());
    writeBytes(out, kll == null ? null : kll.toByteArray());
  }

  static MetricState decode(DataInputStream in) throws IOException {
    MetricState s = new MetricState();
    s.rows = in.readLong();
    s.matches = in.readLong();
    s.count = in.readLong();
    s.sum = readDecimal(in);
    s.sumSq = readDecimal(in);
    s.sumY = readDecimal(in);
    s.sumYSq = readDecimal(in);
    s.sumXY = readDecimal(in);
    s.min = readDecimal(in);
    s.max = readDecimal(in);
    s.minLength = in.readLong();
    s.maxLength = in.readLong();
    if (in.readBoolean()) {
      int n = in.readInt();
      s.frequencies = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        s.frequencies.put(readString(in), in.readLong());
      }
    }
    byte[] hll = readBytes(in);
    if (hll != null) {
      s.hll = Union.heapify(hll);
    }
    byte[] kll = readBytes(in);
    if (kll != null) {
      s.kll = KllDoublesSketch.heapify(Memory.wrap(kll));
    }
    return s;
  }

  private static void writeDecimal(DataOutputStream out, @Nullable BigDecimal d)
      throws IOException {
    out.writeBoolean(d != null);
    if (d != null) {
      out.writeInt(d.scale());
      writeBytes(out, d.unscaledValue().toByteArray());
    }
  }

  private static @Nullable BigDecimal readDecimal(DataInputStream in) throws IOException {
    if (!in.readBoolean()) {
      return null;
    }
    int scale = in.readInt();
    return new BigDecimal(new BigInteger(readBytes(in)), scale);
  }

  /** UTF-8 with an int length: values may be longer than writeUTF's 64 KB. */
  private static void writeString(DataOutputStream out, String s) throws IOException {
    writeBytes(out, s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static String readString(DataInputStream in) throws IOException {
    return new String(readBytes(in), java.nio.charset.StandardCharsets.UTF_8);
  }

  private static void writeBytes(DataOutputStream out, byte @Nullable [] b) throws IOException {
    out.writeInt(b == null ? -1 : b.length);
    if (b != null) {
      out.write(b);
    }
  }

  private static byte @Nullable [] readBytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }
}
