package io.tributary.pipelines.clickstream;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.values.Row;

/**
 * Per-window clickstream aggregate: events, events per type, purchase revenue per currency and
 * distinct users.
 *
 * <p>Revenue is summed as {@link BigDecimal} so the result does not depend on the order in which a
 * runner combines partial sums (doubles would differ between runners in the last digits).
 *
 * <pre>{@code
 * PCollection<ClickAggregate> perWindow =
 *     windowed.apply(Combine.globally(new ClickAggregate.Fn()).withoutDefaults());
 * }</pre>
 */
public final class ClickAggregate {
  long events;
  final SortedMap<String, Long> eventsByType = new TreeMap<>();
  final SortedMap<String, BigDecimal> revenueByCurrency = new TreeMap<>();
  final SortedSet<String> users = new TreeSet<>();

  /** Events in the window. */
  public long events() {
    return events;
  }

  /** Events per event_type, sorted by type. */
  public SortedMap<String, Long> eventsByType() {
    return eventsByType;
  }

  /** Purchase revenue per currency, two decimals. */
  public SortedMap<String, BigDecimal> revenueByCurrency() {
    SortedMap<String, BigDecimal> scaled = new TreeMap<>();
    revenueByCurrency.forEach((k, v) -> scaled.put(k, v.setScale(2, RoundingMode.HALF_EVEN)));
    return scaled;
  }

  /** Distinct user_id values in the window. */
  public long distinctUsers() {
    return users.size();
  }

  void add(Row event) {
    events++;
    String type = event.getString("event_type");
    eventsByType.merge(type, 1L, Long::sum);
    if ("purchase".equals(type)) {
      revenueByCurrency.merge(
          event.getString("currency"), event.getDecimal("price"), BigDecimal::add);
    }
    users.add(event.getString("user_id"));
  }

  void merge(ClickAggregate other) {
    events += other.events;
    other.eventsByType.forEach((k, v) -> eventsByType.merge(k, v, Long::sum));
    other.revenueByCurrency.forEach((k, v) -> revenueByCurrency.merge(k, v, BigDecimal::add));
    users.addAll(other.users);
  }

  /** The combine function over decoded click events. */
  public static final class Fn extends Combine.CombineFn<Row, ClickAggregate, ClickAggregate> {
    @Override
    public ClickAggregate createAccumulator() {
      return new ClickAggregate();
    }

    @Override
    public ClickAggregate addInput(ClickAggregate acc, Row event) {
      acc.add(event);
      return acc;
    }

    /**
     * Merges into the accumulator with the most distinct users, in place (Beam's contract allows
     * it): Flink's batch combiner merges its running accumulator with each partial one in turn, so
     * a fresh accumulator per call copied the growing user set once per partial.
     */
    @Override
    public ClickAggregate mergeAccumulators(Iterable<ClickAggregate> accs) {
      List<ClickAggregate> all = new ArrayList<>();
      ClickAggregate target = null;
      for (ClickAggregate a : accs) {
        all.add(a);
        if (target == null || a.users.size() > target.users.size()) {
          target = a;
        }
      }
      if (target == null) {
        return new ClickAggregate();
      }
      for (ClickAggregate a : all) {
        if (a != target) {
          target.merge(a);
        }
      }
      return target;
    }

    @Override
    public ClickAggregate extractOutput(ClickAggregate acc) {
      return acc;
    }

    @Override
    public org.apache.beam.sdk.coders.Coder<ClickAggregate> getAccumulatorCoder(
        org.apache.beam.sdk.coders.CoderRegistry registry,
        org.apache.beam.sdk.coders.Coder<Row> inputCoder) {
      return AggregateCoder.INSTANCE;
    }

    @Override
    public org.apache.beam.sdk.coders.Coder<ClickAggregate> getDefaultOutputCoder(
        org.apache.beam.sdk.coders.CoderRegistry registry,
        org.apache.beam.sdk.coders.Coder<Row> inputCoder) {
      return AggregateCoder.INSTANCE;
    }
  }

  /** Compact binary coder; users and maps are written sorted, so encoding is deterministic. */
  public static final class AggregateCoder extends CustomCoder<ClickAggregate> {
    /** The single instance. */
    public static final AggregateCoder INSTANCE = new AggregateCoder();

    private AggregateCoder() {}

    @Override
    public void encode(ClickAggregate value, OutputStream outStream) throws IOException {
      DataOutputStream out = new DataOutputStream(outStream);
      out.writeLong(value.events);
      out.writeInt(value.eventsByType.size());
      for (Map.Entry<String, Long> e : value.eventsByType.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeLong(e.getValue());
      }
      out.writeInt(value.revenueByCurrency.size());
      for (Map.Entry<String, BigDecimal> e : value.revenueByCurrency.entrySet()) {
        out.writeUTF(e.getKey());
        byte[] unscaled = e.getValue().unscaledValue().toByteArray();
        out.writeInt(e.getValue().scale());
        out.writeInt(unscaled.length);
        out.write(unscaled);
      }
      out.writeInt(value.users.size());
      for (String user : value.users) {
        out.writeUTF(user);
      }
      out.flush();
    }

    @Override
    public ClickAggregate decode(InputStream inStream) throws IOException {
      DataInputStream in = new DataInputStream(inStream);
      ClickAggregate value = new ClickAggregate();
      value.events = in.readLong();
      int types = in.readInt();
      for (int i = 0; i < types; i++) {
        value.eventsByType.put(in.readUTF(), in.readLong());
      }
      int currencies = in.readInt();
      for (int i = 0; i < currencies; i++) {
        String currency = in.readUTF();
        int scale = in.readInt();
        byte[] unscaled = new byte[in.readInt()];
        in.readFully(unscaled);
        value.revenueByCurrency.put(currency, new BigDecimal(new BigInteger(unscaled), scale));
      }
      int users = in.readInt();
      if (users < 0) {
        throw new CoderException("negative user count " + users);
      }
      for (int i = 0; i < users; i++) {
        value.users.add(in.readUTF());
      }
      return value;
    }

    @Override
    public void verifyDeterministic() {}
  }
}
