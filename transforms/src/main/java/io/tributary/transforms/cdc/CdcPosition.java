package io.tributary.transforms.cdc;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.values.Row;

/**
 * A change event's source position ({@code pos}, {@code tx}, {@code seq}): the key under which
 * {@link CdcHistory} keeps a version in map state, and the element of its sorted position index. It
 * orders by {@code pos}, then {@code tx}, then {@code seq}, as {@link Cdc} documents.
 *
 * <pre>{@code
 * CdcPosition at = CdcPosition.of(event);           // event: a row of CdcEnvelope.eventSchema
 * MapState<CdcPosition, Row> versions = ...;        // StateSpecs.map(CdcPosition.CODER, rows)
 * }</pre>
 */
final class CdcPosition implements Comparable<CdcPosition> {
  /** Fixed 24 bytes, deterministic: fit for a map-state key on every runner. */
  static final AtomicCoder<CdcPosition> CODER = new PositionCoder();

  private final long pos;
  private final long tx;
  private final long seq;

  private CdcPosition(long pos, long tx, long seq) {
    this.pos = pos;
    this.tx = tx;
    this.seq = seq;
  }

  static CdcPosition of(long pos, long tx, long seq) {
    return new CdcPosition(pos, tx, seq);
  }

  /** The position of a change event (a row of {@link CdcEnvelope#eventSchema}). */
  static CdcPosition of(Row event) {
    return new CdcPosition(event.getInt64("pos"), event.getInt64("tx"), event.getInt64("seq"));
  }

  @Override
  public int compareTo(CdcPosition o) {
    int c = Long.compare(pos, o.pos);
    if (c == 0) {
      c = Long.compare(tx, o.tx);
    }
    if (c == 0) {
      c = Long.compare(seq, o.seq);
    }
    return c;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CdcPosition p && pos == p.pos && tx == p.tx && seq == p.seq;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(pos) * 961 + Long.hashCode(tx) * 31 + Long.hashCode(seq);
  }

  @Override
  public String toString() {
    return Cdc.formatPosition(pos, tx, seq);
  }

  private static final class PositionCoder extends AtomicCoder<CdcPosition> {
    @Override
    public void encode(CdcPosition value, OutputStream out) throws IOException {
      DataOutputStream data = new DataOutputStream(out);
      data.writeLong(value.pos);
      data.writeLong(value.tx);
      data.writeLong(value.seq);
      data.flush();
    }

    @Override
    public CdcPosition decode(InputStream in) throws IOException {
      DataInputStream data = new DataInputStream(in);
      return new CdcPosition(data.readLong(), data.readLong(), data.readLong());
    }

    @Override
    public void verifyDeterministic() {}

    @Override
    public boolean consistentWithEquals() {
      return true;
    }
  }
}
