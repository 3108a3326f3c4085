package io.tributary.transforms.aggregate;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.beam.sdk.coders.CustomCoder;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The partial state of an {@link Aggregate}: one {@link Cell} per aggregation, or a sorted map of
 * cells for an aggregation split by a field. Sums are exact ({@link BigDecimal}, doubles included),
 * so results do not depend on the order in which a runner merges partial states.
 */
final class Accumulator {
  /** The state of one aggregation over the rows seen. */
  static final class Cell {
    long count;
    BigDecimal sum = BigDecimal.ZERO;
    @Nullable Comparable<Object> extreme;
    final TreeSet<String> distinct = new TreeSet<>();

    void merge(Cell other, Aggregation.Fn fn) {
      count += other.count;
      sum = sum.add(other.sum);
      if (other.extreme != null) {
        offer(other.extreme, fn);
      }
      distinct.addAll(other.distinct);
    }

    @SuppressWarnings("unchecked")
    void offer(Comparable<?> value, Aggregation.Fn fn) {
      Comparable<Object> v = (Comparable<Object>) value;
      if (extreme == null
          || (fn == Aggregation.Fn.MIN && v.compareTo(extreme) < 0)
          || (fn == Aggregation.Fn.MAX && v.compareTo(extreme) > 0)) {
        extreme = v;
      }
    }
  }

  /** Per aggregation: a Cell, or a TreeMap of Cells by the split field's value. */
  final List<Object> states;

  Accumulator(List<Aggregation> aggregations) {
    states = new ArrayList<>();
    for (Aggregation a : aggregations) {
      states.add(a.byField() == null ? new Cell() : new TreeMap<String, Cell>());
    }
  }

  private Accumulator(List<Object> states, boolean unused) {
    this.states = states;
  }

  @SuppressWarnings("unchecked")
  Cell cell(int i, @Nullable String by) {
    Object s = states.get(i);
    if (s instanceof Cell c) {
      return c;
    }
    return ((TreeMap<String, Cell>) s).computeIfAbsent(by == null ? "null" : by, k -> new Cell());
  }

  @SuppressWarnings("unchecked")
  void merge(Accumulator other, List<Aggregation> aggregations) {
    for (int i = 0; i < states.size(); i++) {
      Aggregation.Fn fn = aggregations.get(i).fn();
      Object mine = states.get(i);
      Object theirs = other.states.get(i);
      if (mine instanceof Cell c) {
        c.merge((Cell) theirs, fn);
      } else {
        TreeMap<String, Cell> m = (TreeMap<String, Cell>) mine;
        ((TreeMap<String, Cell>) theirs)
            .forEach((k, v) -> m.computeIfAbsent(k, x -> new Cell()).merge(v, fn));
      }
    }
  }

  /** A deterministic coder: maps and sets are written sorted. */
  static final class AccumulatorCoder extends CustomCoder<Accumulator> {
    private static final long serialVersionUID = 1L;
    private static final byte NONE = 0;
    private static final byte LONG = 1;
    private static final byte DECIMAL = 2;
    private static final byte STRING = 3;
    private static final byte DOUBLE = 4;

    @Override
    public void encode(Accumulator value, OutputStream outStream) throws IOException {
      DataOutputStream out = new DataOutputStream(outStream);
      out.writeInt(value.states.size());
      for (Object s : value.states) {
        if (s instanceof Cell c) {
          out.writeBoolean(false);
          writeCell(out, c);
        } else {
          out.writeBoolean(true);
          @SuppressWarnings("unchecked")
          Map<String, Cell> m = (Map<String, Cell>) s;
          out.writeInt(m.size());
          for (Map.Entry<String, Cell> e : m.entrySet()) {
            out.writeUTF(e.getKey());
            writeCell(out, e.getValue());
          }
        }
      }
      out.flush();
    }

    @Override
    public Accumulator decode(InputStream inStream) throws IOException {
      DataInputStream in = new DataInputStream(inStream);
      int n = in.readInt();
      List<Object> states = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (!in.readBoolean()) {
          states.add(readCell(in));
        } else {
          TreeMap<String, Cell> m = new TreeMap<>();
          int size = in.readInt();
          for (int j = 0; j < size; j++) {
            m.put(in.readUTF(), readCell(in));
          }
          states.add(m);
        }
      }
      return new Accumulator(states, true);
    }

    private static void writeCell(DataOutputStream out, Cell c) throws IOException {
      out.writeLong(c.count);
      out.writeUTF(c.sum.toString());
      Object x = c.extreme;
      if (x == null) {
        out.writeByte(NONE);
      } else if (x instanceof Long l) {
        out.writeByte(LONG);
        out.writeLong(l);
      } else if (x instanceof BigDecimal d) {
        out.writeByte(DECIMAL);
        out.writeUTF(d.toString());
      } else if (x instanceof Double d) {
        out.writeByte(DOUBLE);
        out.writeDouble(d);
      } else {
        out.writeByte(STRING);
        out.writeUTF(x.toString());
      }
      out.writeInt(c.distinct.size());
      for (String s : c.distinct) {
        out.writeUTF(s);
      }
    }

    @SuppressWarnings("unchecked")
    private static Cell readCell(DataInputStream in) throws IOException {
      Cell c = new Cell();
      c.count = in.readLong();
      c.sum = new BigDecimal(in.readUTF());
      byte kind = in.readByte();
      Object x;
      switch (kind) {
        case LONG:
          x = in.readLong();
          break;
        case DECIMAL:
          x = new BigDecimal(in.readUTF());
          break;
        case DOUBLE:
          x = in.readDouble();
          break;
        case STRING:
          x = in.readUTF();
          break;
        default:
          x = null;
      }
      c.extreme = (Comparable<Object>) x;
      int size = in.readInt();
      for (int i = 0; i < size; i++) {
        c.distinct.add(in.readUTF());
      }
      return c;
    }

    @Override
    public void verifyDeterministic() {}
  }
}
